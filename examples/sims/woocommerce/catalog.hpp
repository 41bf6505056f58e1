// The shop's products and categories, in memory, with the indexes the REST
// API needs: by id, by SKU (unique across products and variations, as
// WooCommerce enforces), and the top-level product ids in ascending order
// (kept sorted as ids only grow, so a page by id costs its own size).
//
// Variations are products with a parent (post type product_variation);
// they share the id sequence with products and orders, as WordPress posts
// do. Not thread-safe: the Shop's mutex guards it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace weir::sims::woo {

struct Image {
  std::int64_t id = 0;
  std::string src;  // absolute, or a path under the site's URL
  std::string name;
};

struct Product {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;   // a variation's variable product
  std::string type = "simple";  // simple, variable, grouped, external, variation
  std::string status = "publish";
  std::string name;
  std::string slug;
  std::string sku;
  std::string regular_price;
  std::string sale_price;
  // Seeded products render their texts and image from their id (memory at
  // 500,000 products); a write through the API stores real values.
  bool generated_content = false;
  std::string description;
  std::string short_description;
  std::vector<Image> images;
  std::vector<std::int64_t> categories;
  bool manage_stock = false;
  std::int64_t stock_quantity = 0;
  std::string backorders = "no";         // no, notify, yes
  std::string stock_status = "instock";  // stored; derived when manage_stock
  std::int64_t created = 0;              // instants (unix seconds)
  std::int64_t modified = 0;
  std::vector<std::int64_t> variations;                      // a variable product's
  std::vector<std::pair<std::string, std::string>> options;  // a variation's attributes

  bool is_variation() const { return type == "variation"; }
};

// stock_status as WooCommerce derives it for a product that manages stock.
std::string derived_stock_status(const Product& p);

struct Category {
  std::int64_t id = 0;
  std::string name;
  std::string slug;
  std::int64_t parent = 0;
  std::string description;
  int count = 0;
};

class Catalog {
 public:
  // The next post id (products, variations and orders share it).
  std::int64_t next_post_id() { return ++last_post_id_; }

  Product* find(std::int64_t id);          // products and variations
  Product* find_product(std::int64_t id);  // top-level only
  // The id holding `sku` (products and variations), or 0.
  std::int64_t id_for_sku(const std::string& sku) const;

  Product& add(Product p);  // p.id from next_post_id(); indexes its SKU
  void set_sku(Product& p, std::string sku);
  void erase(std::int64_t id);  // and its variations

  // Top-level product ids, ascending (trashed ones too).
  const std::vector<std::int64_t>& product_ids() const { return product_ids_; }
  std::size_t product_count() const { return product_ids_.size(); }

  // The media library. An image given by URL is downloaded ("sideloaded")
  // into a new attachment, a post in the id sequence, every time (as
  // WooCommerce does: it never checks whether it has that URL already); an
  // image given by id must be an attachment. Seeded products' images are
  // attachments 4,000,000,000 + the product's id.
  std::int64_t sideload(const std::string& url);  // the new attachment's id
  const std::string* attachment(std::int64_t id) const;  // its path; null: none
  std::int64_t sideloads() const { return sideloads_; }
  std::size_t delete_attachments();  // all of them (not the seeded ones); products keep
                                     // showing theirs, as WordPress does with a dangling id

  std::vector<Category>& categories() { return categories_; }
  Category* find_category(std::int64_t id);
  std::int64_t next_category_id() { return ++last_category_id_; }

 private:
  std::unordered_map<std::int64_t, Product> by_id_;
  std::unordered_map<std::string, std::int64_t> by_sku_;
  std::vector<std::int64_t> product_ids_;
  std::vector<Category> categories_;  // ascending ids
  std::unordered_map<std::int64_t, std::string> attachments_;  // id -> path under the site
  std::unordered_map<std::string, int> upload_names_;           // file name -> times used
  std::int64_t sideloads_ = 0;
  std::int64_t last_post_id_ = 0;
  std::int64_t last_category_id_ = 0;
};

}  // namespace weir::sims::woo
