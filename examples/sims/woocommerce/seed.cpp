// The seeded shop: deterministic for a seed. Products were created in
// bursts (an import: up to 40 in one second), so many share their
// creation second, which is what makes paging by date unreliable. All
// seeded dates lie before 2026-11-01T00:00:00Z; everything the API or
// /_sim/ does later is dated now.
#include <cstdio>
#include <random>

#include "shop.hpp"

namespace weir::sims::woo {

namespace {

const char* kAdjectives[] = {"Ergonomic", "Rustic",   "Sleek",   "Sturdy", "Compact", "Elegant",
                             "Durable",   "Handmade", "Classic", "Modern", "Vintage", "Smart"};
const char* kMaterials[] = {"Steel", "Wooden", "Cotton", "Leather", "Granite",
                            "Wool",  "Bamboo", "Copper", "Glass",   "Linen"};
const char* kNouns[] = {"Chair",  "Lamp",  "Table", "Mug",    "Backpack", "Scarf", "Clock",
                        "Bottle", "Shelf", "Bench", "Kettle", "Blanket",  "Vase",  "Desk"};
const char* kCategoryWords[] = {"Furniture", "Lighting", "Kitchen", "Textiles",
                                "Outdoor",   "Office",   "Decor",   "Garden",
                                "Bath",      "Storage",  "Kids",    "Travel"};
const char* kSizes[] = {"S", "M", "L", "XL"};

std::string money(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

template <std::size_t N>
const char* pick(std::mt19937_64& r, const char* (&words)[N]) {
  return words[r() % N];
}

}  // namespace

void seed_shop(const ShopOptions& options, Catalog& catalog, OrderBook& orders) {
  std::mt19937_64 r(options.seed);
  const std::int64_t horizon = days_from_civil(2026, 11, 1) * 86400;

  for (int i = 0; i < options.categories; ++i) {
    Category c;
    c.id = catalog.next_category_id();
    const std::size_t words = std::size(kCategoryWords);
    c.name = kCategoryWords[static_cast<std::size_t>(i) % words];
    if (static_cast<std::size_t>(i) >= words) c.name += " " + std::to_string(i / words + 1);
    c.slug = sanitize_title(c.name);
    c.parent = i >= 5 && r() % 2 ? 1 + static_cast<std::int64_t>(r() % 5) : 0;
    catalog.categories().push_back(c);
  }

  // Creation times: bursts of 1..40 products in one second, a pause of
  // 1..120 s between bursts, ending before the horizon.
  const std::int64_t span = static_cast<std::int64_t>(options.products) * 25 + 3600;
  std::int64_t t = horizon - span;
  int burst_left = 0;
  for (int n = 1; n <= options.products; ++n) {
    if (burst_left-- <= 0) {
      burst_left = static_cast<int>(r() % 40);
      t += 1 + static_cast<std::int64_t>(r() % 120);
      if (t >= horizon) t = horizon - 1;
    }
    Product p;
    p.id = catalog.next_post_id();
    p.name = std::string(pick(r, kAdjectives)) + " " + pick(r, kMaterials) + " " + pick(r, kNouns) +
             " " + std::to_string(n);
    p.slug = sanitize_title(p.name);
    p.type = r() % 5 == 0 ? "variable" : "simple";
    p.generated_content = true;
    p.created = t;
    p.modified =
        r() % 2 ? t : t + static_cast<std::int64_t>(r() % static_cast<std::uint64_t>(horizon - t));
    char sku[32];
    std::snprintf(sku, sizeof sku, "WS-%06d", n);
    if (options.categories > 0) {
      const int cats = 1 + static_cast<int>(r() % 2);
      for (int k = 0; k < cats; ++k) {
        const std::int64_t cid =
            1 + static_cast<std::int64_t>(r() % static_cast<std::uint64_t>(options.categories));
        if (std::find(p.categories.begin(), p.categories.end(), cid) == p.categories.end()) {
          p.categories.push_back(cid);
          catalog.find_category(cid)->count++;
        }
      }
    }
    const double base_price = 5 + static_cast<double>(r() % 49500) / 100.0;
    auto stock = [&](Product& q) {
      q.manage_stock = r() % 5 != 0;
      if (q.manage_stock) {
        q.stock_quantity = r() % 8 == 0 ? 0 : static_cast<std::int64_t>(r() % 100);
        q.backorders = r() % 20 == 0 ? "notify" : "no";
      }
      q.stock_status = derived_stock_status(q);
    };
    if (p.type == "simple") {
      p.regular_price = money(base_price);
      if (r() % 10 == 0) p.sale_price = money(base_price * 0.8);
      stock(p);
      const std::int64_t id = p.id;
      catalog.add(std::move(p));
      catalog.set_sku(*catalog.find(id), sku);
      continue;
    }
    const std::int64_t parent_id = p.id;
    Product& parent = catalog.add(std::move(p));
    catalog.set_sku(parent, sku);
    const int count = 2 + static_cast<int>(r() % 3);
    for (int v = 0; v < count; ++v) {
      Product var;
      var.id = catalog.next_post_id();
      var.parent_id = parent_id;
      var.type = "variation";
      const Product& owner = *catalog.find(parent_id);
      var.name = owner.name + " - " + kSizes[v];
      var.generated_content = true;
      var.created = owner.created;
      var.modified = owner.modified;
      var.options = {{"Size", kSizes[v]}};
      var.regular_price = money(base_price + v * 5);
      stock(var);
      const std::int64_t vid = var.id;
      catalog.add(std::move(var));
      catalog.set_sku(*catalog.find(vid), std::string(sku) + "-" + kSizes[v]);
      catalog.find(parent_id)->variations.push_back(vid);
    }
  }

  static const char* kStatuses[] = {"processing", "completed", "on-hold", "pending", "completed"};
  const auto& ids = catalog.product_ids();
  for (int i = 0; i < options.orders && !ids.empty(); ++i) {
    Order o;
    o.id = catalog.next_post_id();
    o.created = o.modified = horizon + 60 + static_cast<std::int64_t>(i) * 37;
    o.status = pick(r, kStatuses);
    o.stock_reduced = o.status != "pending";
    o.billing = {{"first_name", "Customer"},
                 {"last_name", std::to_string(i + 1)},
                 {"company", ""},
                 {"address_1", "Main Street " + std::to_string(i % 90 + 1)},
                 {"address_2", ""},
                 {"city", "Brno"},
                 {"state", ""},
                 {"postcode", "60200"},
                 {"country", "CZ"},
                 {"email", "customer" + std::to_string(i + 1) + "@example.com"},
                 {"phone", ""}};
    o.shipping = o.billing;
    o.shipping.erase("email");
    const int lines = 1 + static_cast<int>(r() % 3);
    for (int l = 0; l < lines; ++l) {
      const Product* p = catalog.find(ids[r() % ids.size()]);
      if (!p->variations.empty()) p = catalog.find(p->variations[r() % p->variations.size()]);
      LineItem li;
      li.id = orders.next_item_id();
      li.product_id = p->is_variation() ? p->parent_id : p->id;
      li.variation_id = p->is_variation() ? p->id : 0;
      li.name = p->name;
      li.sku = p->sku;
      li.quantity = 1 + static_cast<std::int64_t>(r() % 3);
      li.price = price_value(p->sale_price.empty() ? p->regular_price : p->sale_price);
      o.items.push_back(std::move(li));
    }
    if (o.status != "pending") o.paid = o.created;
    orders.add(std::move(o));
  }
}

}  // namespace weir::sims::woo
