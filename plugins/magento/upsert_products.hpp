// magento.upsert_products: creates or updates products by SKU, synchronously
// for a few, through the asynchronous bulk API for many.
//
//   - id: shop
//     type: magento.upsert_products
//     app: shop
//     max_batch: 500
//     config: {store: all, bulk_from: 20, category_topology: create-category-magento}
//
// Input: a product in Magento's shape ({sku, name, price, status,
// visibility, type_id, attribute_set_id, weight, extension_attributes,
// custom_attributes}); `custom_attributes` may also be a mapping
// {description: ..., url_key: ...}, sent as Magento's list of
// {attribute_code, value}. Magento finds a product by its SKU (a save of an
// unknown SKU creates it), so a product needs no ID map to be written once:
// a write delivered again after a crash saves the same data again.
//
// `categories: [{name}]` (the WooCommerce flow's shape) become
// extension_attributes.category_links with the shop's category ids, found
// in the ID map or by name in the shop; a product whose category the shop
// lacks waits for `category_topology` (create-category-magento) to make it,
// then goes in.
//
// A batch smaller than `bulk_from` goes product by product (PUT
// <store>/V1/products/<sku>): each gets Magento's own answer and goes on as
// {sku, id, action: saved}. A larger one goes in one POST
// <store>/async/bulk/V1/products: Magento accepts it (202, a bulk_uuid) and
// saves later (its consumers may run only once a minute), so waiting here
// would hold a worker for each bulk. Each accepted product goes on instead
// as {sku, bulk_uuid, operation, product} to a magento.bulk_status node,
// which finishes it by its operation's end. A bulk Magento refuses whole
// (400: a product it cannot even convert) is sent product by product, so
// the one at fault fails alone.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class UpsertProducts : public Node {
 public:
  static const char* schema();
  explicit UpsertProducts(const NodeInit& init);
  Result process(Context& ctx) override;
  void process_batch(Batch& batch) override;

 private:
  struct Item;
  void one_by_one(Batch& batch, const std::string& store, std::vector<Item>& items) const;
  void in_bulk(Batch& batch, const std::string& store, std::vector<Item>& items) const;
  void resolve_categories(Batch& batch, const std::string& store, std::vector<Item>& items) const;

  std::string store_;  // the config's; "" the app's settings.store, else default
  std::size_t bulk_from_ = 20;  // 0: never
  std::string system_ = "shop";
  std::string category_topology_;
  long long category_root_ = 2;
};

}  // namespace weir::magento
