#include "catalog.hpp"

#include <algorithm>
#include <cctype>

namespace weir::sims::mage {

namespace {

const char* kAdjectives[] = {"Ergonomic", "Rustic",   "Sleek",   "Sturdy", "Compact", "Elegant",
                             "Durable",   "Handmade", "Classic", "Modern", "Vintage", "Smart"};
const char* kMaterials[] = {"Steel", "Wooden", "Cotton", "Leather", "Granite",
                            "Wool",  "Bamboo", "Copper", "Glass",   "Linen"};
const char* kNouns[] = {"Chair",  "Lamp",  "Table", "Mug",    "Backpack", "Scarf", "Clock",
                        "Bottle", "Shelf", "Bench", "Kettle", "Blanket",  "Vase",  "Desk"};
const char* kSizes[] = {"S", "M", "L", "XL"};

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

const char* type_name(ProductType t) {
  switch (t) {
    case ProductType::kVirtual:
      return "virtual";
    case ProductType::kConfigurable:
      return "configurable";
    default:
      return "simple";
  }
}

std::optional<ProductType> parse_type(const std::string& s) {
  if (s == "simple") return ProductType::kSimple;
  if (s == "virtual") return ProductType::kVirtual;
  if (s == "configurable") return ProductType::kConfigurable;
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string format_url_key(const std::string& text) {
  std::string out;
  bool dash = false;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  return out;
}

Product* Catalog::find(std::int64_t id) {
  if (id < 1 || static_cast<std::size_t>(id) > products_.size()) return nullptr;
  Product& p = products_[static_cast<std::size_t>(id - 1)];
  return p.deleted ? nullptr : &p;
}

Product* Catalog::find_sku(const std::string& sku) {
  auto it = by_sku_.find(lower(sku));
  return it == by_sku_.end() ? nullptr : find(it->second);
}

void Catalog::reserve(std::size_t n) {
  products_.reserve(n);
  by_sku_.reserve(n);
  by_url_key_.reserve(n);
}

Product& Catalog::add(Product p) {
  p.id = static_cast<std::int64_t>(products_.size()) + 1;
  by_sku_[lower(p.sku)] = p.id;
  products_.push_back(std::move(p));
  ++live_;
  Product& stored = products_.back();
  index_url(stored);
  return stored;
}

void Catalog::erase(Product& p) {
  unindex_url(p);
  by_sku_.erase(lower(p.sku));
  if (Product* parent = find(p.parent_id)) {
    auto& c = parent->children;
    c.erase(std::remove(c.begin(), c.end(), p.id), c.end());
  }
  for (std::int64_t child : p.children) {
    if (Product* c = find(child)) c->parent_id = 0;
  }
  for (auto it = extra_sources_.lower_bound({p.id, ""});
       it != extra_sources_.end() && it->first.first == p.id;) {
    it = extra_sources_.erase(it);
  }
  p.deleted = true;
  p.text.reset();
  p.children.clear();
  --live_;
}

std::string Catalog::seeded_name(std::int64_t id) const {
  const std::uint64_t h = mix(seed_ * 1000003ULL + static_cast<std::uint64_t>(id));
  return std::string(kAdjectives[h % 12]) + " " + kMaterials[(h >> 8) % 10] + " " +
         kNouns[(h >> 16) % 14] + " " + std::to_string(id);
}

std::string Catalog::name(const Product& p) const {
  if (p.text) return p.text->name;
  if (p.size_index >= 0 && p.parent_id) {
    return seeded_name(p.parent_id) + " - " + kSizes[p.size_index];
  }
  return seeded_name(p.id);
}

std::string Catalog::description(const Product& p) const {
  if (p.text) return p.text->description;
  return "<p>" + name(p) + " is built to last, made to order and shipped in recycled packaging. " +
         "Item " + p.sku + ".</p>";
}

std::string Catalog::short_description(const Product& p) const {
  if (p.text) return p.text->short_description;
  return "<p>" + name(p) + "</p>";
}

std::string Catalog::url_key(const Product& p) const {
  if (p.text) return p.text->url_key;
  return format_url_key(name(p));
}

ProductText& Catalog::text(Product& p) {
  if (!p.text) {
    auto t = std::make_unique<ProductText>();
    t->name = name(p);
    t->description = description(p);
    t->short_description = short_description(p);
    t->url_key = url_key(p);
    p.text = std::move(t);
  }
  return *p.text;
}

std::int64_t Catalog::url_key_owner(const std::string& key) const {
  auto it = by_url_key_.find(key);
  return it == by_url_key_.end() ? 0 : it->second;
}

void Catalog::index_url(const Product& p) {
  if (p.visibility == 1 || p.deleted) return;
  const std::string key = url_key(p);
  if (!key.empty()) by_url_key_.emplace(key, p.id);
}

void Catalog::unindex_url(const Product& p) {
  auto it = by_url_key_.find(url_key(p));
  if (it != by_url_key_.end() && it->second == p.id) by_url_key_.erase(it);
}

Category* Catalog::find_category(std::int64_t id) {
  for (auto& c : categories_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace weir::sims::mage
