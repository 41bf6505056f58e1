// woocommerce.upsert_products: writes products to the shop through its batch
// endpoint (POST products/batch), up to 100 a request, creating the new ones
// and updating the known ones, each product once even across a crash.
//
//   - id: write
//     type: woocommerce.upsert_products
//     app: shop
//     max_batch: 100
//     config: {system: shop, category_topology: create-category}
//
// Input: a product in the shop's shape (a mapper makes it), with its `sku`
// (our id for it). Categories may be given by name ({name: Shoes}): each is
// resolved to the shop's id through the ID map, else by asking the shop;
// a category the shop does not have makes the product wait for a process of
// `category_topology` (Result::needs, one per category name), or, without
// one, fails the product saying so.
//
// Which product is which: the ID map (system, "product", sku) first; a
// product delivered again whose SKU it does not know is looked up in the
// shop (one GET products?sku=A,B,... for the batch), so a create whose answer
// came just before the host stopped is found and updated, not made twice;
// the rest are created (a full import: one request per 100 products), and
// each created id is mapped in the commit of this call's results. A create
// the shop refuses as a duplicate SKU (a shop filled before weir) comes again
// and is looked up then.
//
// Images: WooCommerce downloads every image sent by URL ({src}) into a new
// attachment on every write that sends it, wanted or not: a product whose
// price changed would fetch its pictures again, and the media library would
// fill with copies. So an update sends `images` only when the product's list
// changed since the write that last sent it: the ID map keeps a digest of
// that list per SKU, (system, "images", sku) -> "<sku> <digest>" (one row
// per product, written with the product's own write; no request). An update
// whose list has the same digest goes without `images`: the shop keeps the
// pictures it has. A create always sends them.
//
// Outcomes per product: the batch answer's per-item errors (inside a 200)
// fail that product alone with the shop's words; an update of a product the
// shop no longer has forgets the mapping and retries (the next attempt
// creates it); an answer for the whole request (429, 503, a timeout) retries
// the whole batch. A product without a SKU fails alone. Each written product
// goes on as {sku, id, action: created|updated}.
#pragma once

#include <weir/weir.hpp>

namespace weir::woocommerce {

class UpsertProducts : public Node {
 public:
  static const char* schema();
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit UpsertProducts(const NodeInit& init);
  Result process(Context& ctx) override;  // one product: a batch of one
  void process_batch(Batch& batch) override;

 private:
  struct Item;
  void resolve_products(Batch& batch, std::vector<Item>& items) const;
  void resolve_categories(Batch& batch, std::vector<Item>& items) const;
  void leave_out_unchanged_images(Batch& batch, std::vector<Item>& items) const;
  void write(Batch& batch, std::vector<Item*>& chunk) const;

  std::string system_ = "shop";
  std::string category_topology_;
  std::size_t batch_size_ = 100;
};

}  // namespace weir::woocommerce
