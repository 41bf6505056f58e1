// The shop's catalog in memory: products (simple, virtual, configurable
// with simple children), categories, and the MSI source items of a second
// source. Indexes: by id (ids are dense and only grow, so a vector), by
// SKU (case-insensitive, as MySQL's collation makes Magento's SKU lookups),
// and by url_key among the products that have URL rewrites (visibility
// other than 1 "Not Visible Individually": only those can collide, as
// Magento only generates rewrites for them).
//
// Seeded products render their name and texts from their id and the seed
// (memory at 500,000 products); a write through the API stores real values.
// Not thread-safe: the Shop's mutex guards it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "errors.hpp"

namespace weir::sims::mage {

enum class ProductType : std::uint8_t { kSimple, kVirtual, kConfigurable };
const char* type_name(ProductType t);
std::optional<ProductType> parse_type(const std::string& s);

// What a product written through the API holds beyond the compact fields.
struct ProductText {
  std::string name;
  std::string description;
  std::string short_description;
  std::string url_key;
  Json custom = Json::object();  // other custom_attributes: code -> value
  Json media = Json::array();    // media_gallery_entries as stored
  Json options = Json::array();  // configurable_product_options as given
};

struct Product {
  std::int64_t id = 0;
  std::string sku;
  ProductType type = ProductType::kSimple;
  int status = 1;      // 1 enabled, 2 disabled
  int visibility = 4;  // 1 not visible, 2 catalog, 3 search, 4 both
  int attribute_set_id = 4;
  int tax_class_id = 2;
  double price = 0;
  double weight = 1;
  double qty = 0;
  bool in_stock = true;
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t parent_id = 0;          // a configurable's child: its parent
  std::vector<std::int64_t> children;  // a configurable's children
  std::vector<std::int32_t> categories;
  std::int8_t size_index = -1;  // a seeded child's size (S, M, L, XL)
  bool deleted = false;
  std::unique_ptr<ProductText> text;  // null: rendered from the id (seeded)
};

struct Category {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
  std::string name;
  bool is_active = true;
  int position = 0;
  int level = 0;
  std::string path;  // "1/2/5"
  std::int64_t created = 0;
  std::int64_t updated = 0;
};

class Catalog {
 public:
  explicit Catalog(std::uint64_t seed) : seed_(seed) {}

  Product* find(std::int64_t id);
  Product* find_sku(const std::string& sku);  // case-insensitive; not deleted
  Product& add(Product p);                    // p.id is assigned
  void reserve(std::size_t n);
  void erase(Product& p);
  // Products in id order (deleted ones included: check `deleted`).
  const std::vector<Product>& products() const { return products_; }
  std::size_t live_count() const { return live_; }

  // Texts, from the stored values or rendered from the id.
  std::string name(const Product& p) const;
  std::string description(const Product& p) const;
  std::string short_description(const Product& p) const;
  std::string url_key(const Product& p) const;
  ProductText& text(Product& p);  // materialises a seeded product's texts

  // The product holding `url_key` among those with URL rewrites, or 0.
  std::int64_t url_key_owner(const std::string& url_key) const;
  void index_url(const Product& p);
  void unindex_url(const Product& p);

  std::vector<Category>& categories() { return categories_; }
  Category* find_category(std::int64_t id);

  // MSI: the quantities of sources other than "default" (which is the
  // product's own qty/in_stock, the legacy stock item).
  struct SourceItem {
    double quantity = 0;
    int status = 1;
  };
  std::map<std::pair<std::int64_t, std::string>, SourceItem>& extra_sources() {
    return extra_sources_;
  }

  // Seeded text pieces (seed.cpp uses them for names too).
  std::string seeded_name(std::int64_t id) const;

 private:
  std::uint64_t seed_;
  std::vector<Product> products_;  // index = id - 1
  std::size_t live_ = 0;
  std::unordered_map<std::string, std::int64_t> by_sku_;  // lower-case SKU
  std::unordered_map<std::string, std::int64_t> by_url_key_;
  std::vector<Category> categories_;
  std::map<std::pair<std::int64_t, std::string>, SourceItem> extra_sources_;
};

// Magento's formatUrlKey: lower case, every run of other than [a-z0-9]
// becomes one '-', trimmed of '-'.
std::string format_url_key(const std::string& text);
std::string lower(std::string s);

}  // namespace weir::sims::mage
