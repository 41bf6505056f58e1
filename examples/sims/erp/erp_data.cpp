#include "erp_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace weir::sims::erp {

ErpData::ErpData(SeedData initial)
    : categories(std::move(initial.categories)),
      warehouses(std::move(initial.warehouses)),
      products(std::move(initial.products)),
      customers(std::move(initial.customers)),
      seed(initial.seed) {
  for (std::size_t i = 0; i < products.size(); ++i) sku_index_[products[i].sku] = i;
  for (const auto& c : customers) {
    email_index_[c.email] = c.id;
    next_customer_id_ = std::max(next_customer_id_, c.id + 1);
  }
}

const Product* ErpData::product(const std::string& sku) const {
  auto it = sku_index_.find(sku);
  return it == sku_index_.end() ? nullptr : &products[it->second];
}

Customer* ErpData::customer(int id) {
  // Ids are dense from 1 and never removed.
  if (id < 1 || static_cast<std::size_t>(id) > customers.size()) return nullptr;
  return &customers[static_cast<std::size_t>(id) - 1];
}

Customer* ErpData::customer_by_email(const std::string& email) {
  auto it = email_index_.find(email);
  return it == email_index_.end() ? nullptr : customer(it->second);
}

Order* ErpData::order(int id) {
  if (id < 1001 || static_cast<std::size_t>(id - 1001) >= orders.size()) return nullptr;
  return &orders[static_cast<std::size_t>(id - 1001)];
}

Order* ErpData::order_by_ref(const std::string& external_ref) {
  auto it = ref_index_.find(external_ref);
  return it == ref_index_.end() ? nullptr : order(it->second);
}

const Category* ErpData::category(int id) const {
  for (const auto& c : categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string ErpData::category_path(int id) const {
  std::string path;
  for (int depth = 0; depth < 10; ++depth) {  // the tree is shallow; a bound all the same
    const Category* c = category(id);
    if (c == nullptr) break;
    path = path.empty() ? c->name : c->name + " > " + path;
    id = c->parent_id;
  }
  return path;
}

Customer& ErpData::add_customer(Customer c) {
  c.id = next_customer_id_++;
  char buf[16];
  std::snprintf(buf, sizeof buf, "C%05d", c.id);
  c.number = buf;
  email_index_[c.email] = c.id;
  customers.push_back(std::move(c));
  return customers.back();
}

void ErpData::reindex_email(const std::string& from, const std::string& to, int customer_id) {
  email_index_.erase(from);
  email_index_[to] = customer_id;
}

Order& ErpData::add_order(Order o) {
  o.id = next_order_id_++;
  o.number = "SO-" + std::to_string(o.id);
  if (!o.external_ref.empty()) ref_index_[o.external_ref] = o.id;
  orders.push_back(std::move(o));
  return orders.back();
}

bool ErpData::move_order(Order& o, OrderStatus to, Seconds now, std::string* err) {
  static const char* const kNames[] = {"new", "validated", "paid", "shipped", "cancelled"};
  if (o.status == to) return true;
  const bool final = o.status == OrderStatus::kShipped || o.status == OrderStatus::kCancelled;
  if (final || (to != OrderStatus::kCancelled && to < o.status)) {
    *err = "order " + o.number + " is " + kNames[static_cast<int>(o.status)] +
           " and cannot become " + kNames[static_cast<int>(to)];
    return false;
  }
  o.status = to;
  o.updated_at = now;
  return true;
}

std::vector<std::string> ErpData::change_products(double percent, const std::string& what,
                                                  Seconds now) {
  ++change_rounds;
  const auto n = products.size();
  std::size_t want = static_cast<std::size_t>(std::llround(static_cast<double>(n) * percent / 100));
  if (percent > 0 && want == 0 && n > 0) want = 1;
  want = std::min(want, n);
  // The `want` products with the smallest mix of (seed, round, index): a
  // deterministic sample that differs from round to round.
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  order.reserve(n);
  const auto round = static_cast<std::uint64_t>(change_rounds);
  for (std::size_t i = 0; i < n; ++i) order.emplace_back(mix(seed, round, i), i);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(want), order.end());
  std::vector<std::size_t> chosen;
  for (std::size_t k = 0; k < want; ++k) chosen.push_back(order[k].second);
  std::sort(chosen.begin(), chosen.end());

  const bool all = what == "all";
  std::vector<std::string> skus;
  for (std::size_t i : chosen) {
    Product& p = products[i];
    const std::uint64_t h = mix(seed, round, 7919 + i);
    if (all || what == "price") {
      p.price = round_price(std::max<Cents>(199, p.price + static_cast<Cents>(h % 2001) - 1000));
      p.sale_price.reset();
      if (h % 4 == 0) p.sale_price = round_price(p.price * 8 / 10);
      p.price_updated_at = now;
    }
    if (all || what == "stock") {
      for (std::size_t w = 0; w < p.stock.size(); ++w) {
        p.stock[w] = static_cast<int>(mix(seed, round * 31 + w, i) % 250);
      }
      p.stock_updated_at = now;
    }
    if (all || what == "text") {
      p.text_revision = change_rounds;
    }
    if (what == "images") {  // new pictures (new URLs), one more or fewer of them
      p.image_revision = change_rounds;
      p.image_count = p.image_count % 3 + 1;
    }
    p.updated_at = now;
    skus.push_back(p.sku);
  }
  return skus;
}

}  // namespace weir::sims::erp
