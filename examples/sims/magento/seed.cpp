// The seeded shop: deterministic for a seed. Categories under "Default
// Category" (id 2); N catalog rows, about a fifth of the top-level ones
// configurable with 2-4 simple children (sizes S, M, L, XL; "Not Visible
// Individually"), some virtual; prices, stock (some out of stock),
// 1-2 categories each. Every seeded date lies before 2026-11-01 00:00:00
// UTC; orders follow that date; everything the API or /_sim/ does later is
// dated now.
#include <algorithm>
#include <cstdio>
#include <random>

#include "shop.hpp"
#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

const char* kCategoryWords[] = {"Furniture", "Lighting", "Kitchen", "Textiles",
                                "Outdoor",   "Office",   "Decor",   "Garden",
                                "Bath",      "Storage",  "Kids",    "Travel"};
const char* kSizes[] = {"S", "M", "L", "XL"};
const char* kFirst[] = {"Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo"};
const char* kLast[] = {"Novak", "Meyer", "Rossi", "Dubois", "Svoboda", "Kowalski"};
const char* kCities[] = {"Berlin", "Hamburg", "Munich", "Cologne", "Leipzig"};

double money(std::mt19937_64& r, double lo, double hi) {
  const double v = lo + static_cast<double>(r() % 100000) / 100000.0 * (hi - lo);
  return static_cast<double>(static_cast<long long>(v * 100)) / 100.0;
}

}  // namespace

std::vector<std::int64_t> add_orders(Catalog& catalog, OrderBook& orders, std::uint64_t seed,
                                     int count, std::int64_t created, std::int64_t spacing) {
  std::mt19937_64 r(seed);
  std::vector<std::int64_t> pickable;  // top-level products (visible ones)
  for (const auto& p : catalog.products()) {
    if (!p.deleted && p.visibility != 1 &&
        (p.type != ProductType::kConfigurable || !p.children.empty())) {
      pickable.push_back(p.id);
    }
  }
  std::vector<std::int64_t> ids;
  if (pickable.empty()) return ids;
  for (int n = 0; n < count; ++n) {
    Order o;
    o.created = o.updated = created + n * spacing;
    o.firstname = kFirst[r() % 8];
    o.lastname = kLast[r() % 6];
    o.email = lower(o.firstname + "." + o.lastname) + std::to_string(r() % 1000) + "@example.com";
    o.street = "Hauptstrasse " + std::to_string(1 + r() % 120);
    o.city = kCities[r() % 5];
    char postcode[16];
    std::snprintf(postcode, sizeof postcode, "%05d", static_cast<int>(10000 + r() % 89999));
    o.postcode = postcode;
    o.telephone = "+49 30 " + std::to_string(1000000 + r() % 8999999);
    const int lines = 1 + static_cast<int>(r() % 3);
    std::int64_t next_local = 0;
    for (int l = 0; l < lines; ++l) {
      const Product& p = *catalog.find(pickable[r() % pickable.size()]);
      const double qty = static_cast<double>(1 + r() % 3);
      OrderItem line;
      line.item_id = ++next_local;
      line.qty_ordered = qty;
      if (p.type == ProductType::kConfigurable) {
        const Product& child = *catalog.find(p.children[r() % p.children.size()]);
        line.product_id = p.id;
        line.product_type = "configurable";
        line.sku = child.sku;  // Magento stores the chosen child's SKU on the parent line
        line.name = catalog.name(p);
        line.price = child.price;
        OrderItem sub;
        sub.item_id = ++next_local;
        sub.parent_item_id = line.item_id;
        sub.product_id = child.id;
        sub.product_type = "simple";
        sub.sku = child.sku;
        sub.name = catalog.name(child);
        sub.qty_ordered = qty;
        sub.price = 0;
        o.items.push_back(line);
        o.items.push_back(sub);
      } else {
        line.product_id = p.id;
        line.product_type = type_name(p.type);
        line.sku = p.sku;
        line.name = catalog.name(p);
        line.price = p.price;
        o.items.push_back(line);
      }
    }
    ids.push_back(orders.add(std::move(o)).id);
  }
  return ids;
}

void seed_shop(const ShopOptions& options, Catalog& catalog, OrderBook& orders) {
  std::mt19937_64 r(options.seed);
  const std::int64_t horizon = days_from_civil(2026, 11, 1) * 86400;
  const std::int64_t start = horizon - static_cast<std::int64_t>(options.products) * 20 - 86400;

  auto& cats = catalog.categories();
  cats.push_back({1, 0, "Root Catalog", true, 0, 0, "1", start, start});
  cats.push_back({2, 1, "Default Category", true, 1, 1, "1/2", start, start});
  for (int i = 0; i < options.categories; ++i) {
    Category c;
    c.id = 3 + i;
    c.parent_id = 2;
    c.name = kCategoryWords[i % 12];
    if (i >= 12) c.name += " " + std::to_string(i / 12 + 1);
    c.position = i + 1;
    c.level = 2;
    c.path = "1/2/" + std::to_string(c.id);
    c.created = c.updated = start;
    cats.push_back(c);
  }

  catalog.reserve(static_cast<std::size_t>(options.products));
  std::int64_t t = start;
  int made = 0;
  int model = 0;
  while (made < options.products) {
    t = std::min(horizon - 2, t + 1 + static_cast<std::int64_t>(r() % 30));
    const int left = options.products - made;
    Product p;
    ++model;
    char sku[32];
    std::snprintf(sku, sizeof sku, "MG-%06d", model);
    p.sku = sku;
    p.created = t;
    p.updated =
        r() % 2 ? t : t + static_cast<std::int64_t>(r() % static_cast<std::uint64_t>(horizon - t));
    p.weight = static_cast<double>(1 + r() % 40) / 4.0;
    p.tax_class_id = 2;
    if (options.categories > 0) {
      const int n = 1 + static_cast<int>(r() % 2);
      for (int k = 0; k < n; ++k) {
        const auto cid =
            static_cast<std::int32_t>(3 + r() % static_cast<std::uint64_t>(options.categories));
        if (std::find(p.categories.begin(), p.categories.end(), cid) == p.categories.end()) {
          p.categories.push_back(cid);
        }
      }
    }
    const double price = money(r, 5, 500);
    if (r() % 5 == 0 && left >= 3) {
      p.type = ProductType::kConfigurable;
      p.price = 0;
      p.in_stock = true;
      const int children = std::min(left - 1, 2 + static_cast<int>(r() % 3));
      Product& parent = catalog.add(std::move(p));
      const std::int64_t parent_id = parent.id;
      const std::string parent_sku = parent.sku;
      const auto parent_created = parent.created, parent_updated = parent.updated;
      const auto parent_categories = parent.categories;
      std::vector<std::int64_t> kids;
      for (int k = 0; k < children; ++k) {
        Product c;
        c.sku = parent_sku + "-" + kSizes[k];
        c.type = ProductType::kSimple;
        c.visibility = 1;
        c.parent_id = parent_id;
        c.size_index = static_cast<std::int8_t>(k);
        c.price = price + k * 5;
        c.qty = r() % 6 == 0 ? 0 : static_cast<double>(r() % 100);
        c.in_stock = c.qty > 0;
        c.weight = 1;
        c.created = parent_created;
        c.updated = parent_updated;
        c.categories = parent_categories;
        kids.push_back(catalog.add(std::move(c)).id);
      }
      catalog.find(parent_id)->children = kids;
      made += 1 + children;
      continue;
    }
    p.type = r() % 20 == 0 ? ProductType::kVirtual : ProductType::kSimple;
    p.price = price;
    p.status = r() % 25 == 0 ? 2 : 1;
    p.qty = r() % 8 == 0 ? 0 : static_cast<double>(r() % 100);
    p.in_stock = p.qty > 0;
    catalog.add(std::move(p));
    ++made;
  }

  // Orders after the horizon, in every state Magento has.
  const auto ids =
      add_orders(catalog, orders, options.seed * 31 + 7, options.orders, horizon + 60, 37);
  static const char* kStates[] = {"new",      "processing", "complete", "complete",
                                  "canceled", "holded",     "closed",   "processing"};
  for (std::int64_t id : ids) {
    Order& o = *orders.find(id);
    const std::string state = kStates[r() % 8];
    o.state = state;
    o.status = state == "new" ? "pending" : state;
    for (auto& i : o.items) {
      if (state == "processing" || state == "complete" || state == "closed")
        i.qty_invoiced = i.qty_ordered;
      if (state == "complete" || state == "closed") i.qty_shipped = i.qty_ordered;
      if (state == "canceled") i.qty_canceled = i.qty_ordered;
    }
  }
}

}  // namespace weir::sims::mage
