#include "catalog.hpp"

#include <algorithm>

namespace weir::sims::woo {

std::string derived_stock_status(const Product& p) {
  if (!p.manage_stock) return p.stock_status;
  if (p.stock_quantity > 0) return "instock";
  return p.backorders == "no" ? "outofstock" : "onbackorder";
}

Product* Catalog::find(std::int64_t id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

Product* Catalog::find_product(std::int64_t id) {
  Product* p = find(id);
  return p && !p->is_variation() ? p : nullptr;
}

std::int64_t Catalog::id_for_sku(const std::string& sku) const {
  auto it = by_sku_.find(sku);
  return it == by_sku_.end() ? 0 : it->second;
}

Product& Catalog::add(Product p) {
  const std::int64_t id = p.id;
  if (!p.sku.empty()) by_sku_[p.sku] = id;
  if (!p.is_variation()) {
    // Ids only grow, so appending keeps the order; a seeded id below the
    // last one (never, today) would still land in place.
    if (product_ids_.empty() || product_ids_.back() < id) {
      product_ids_.push_back(id);
    } else {
      product_ids_.insert(std::lower_bound(product_ids_.begin(), product_ids_.end(), id), id);
    }
  }
  if (id > last_post_id_) last_post_id_ = id;
  return by_id_.emplace(id, std::move(p)).first->second;
}

void Catalog::set_sku(Product& p, std::string sku) {
  if (!p.sku.empty()) by_sku_.erase(p.sku);
  p.sku = std::move(sku);
  if (!p.sku.empty()) by_sku_[p.sku] = p.id;
}

void Catalog::erase(std::int64_t id) {
  Product* p = find(id);
  if (!p) return;
  const std::vector<std::int64_t> children = p->variations;
  for (std::int64_t child : children) erase(child);
  if (!p->sku.empty()) by_sku_.erase(p->sku);
  if (p->is_variation()) {
    if (Product* parent = find(p->parent_id)) {
      auto& v = parent->variations;
      v.erase(std::remove(v.begin(), v.end(), id), v.end());
    }
  } else {
    auto it = std::lower_bound(product_ids_.begin(), product_ids_.end(), id);
    if (it != product_ids_.end() && *it == id) product_ids_.erase(it);
  }
  by_id_.erase(id);
}

Category* Catalog::find_category(std::int64_t id) {
  auto it = std::lower_bound(categories_.begin(), categories_.end(), id,
                             [](const Category& c, std::int64_t v) { return c.id < v; });
  return it != categories_.end() && it->id == id ? &*it : nullptr;
}

std::int64_t Catalog::sideload(const std::string& url) {
  std::string name = url.substr(0, url.find_first_of("?#"));
  name = name.substr(name.rfind('/') + 1);
  if (name.empty()) name = "image.jpg";
  // WordPress keeps file names unique in the uploads folder: photo-1.jpg.
  if (const int used = upload_names_[name]++) {
    const auto dot = name.rfind('.');
    const std::string suffix = "-" + std::to_string(used);
    name = dot == std::string::npos ? name + suffix : name.substr(0, dot) + suffix + name.substr(dot);
  }
  const std::int64_t id = next_post_id();
  attachments_[id] = "/wp-content/uploads/2026/12/" + name;
  ++sideloads_;
  return id;
}

std::size_t Catalog::delete_attachments() {
  const std::size_t n = attachments_.size();
  attachments_.clear();
  return n;
}

const std::string* Catalog::attachment(std::int64_t id) const {
  static thread_local std::string generated;
  if (auto it = attachments_.find(id); it != attachments_.end()) return &it->second;
  constexpr std::int64_t kSeeded = 4000000000LL;
  if (id > kSeeded && by_id_.count(id - kSeeded)) {
    generated = "/wp-content/uploads/2026/11/product-" + std::to_string(id - kSeeded) + ".jpg";
    return &generated;
  }
  return nullptr;
}

}  // namespace weir::sims::woo
