// woocommerce.update_stock_prices: the high-frequency flow: prices and stock
// of products the shop has already, in bulk (POST products/batch with
// `update` only, up to 100 a request).
//
//   - id: push
//     type: woocommerce.update_stock_prices
//     app: shop
//     max_batch: 100
//
// Input {sku, regular_price?, sale_price?, stock_quantity?, manage_stock?}
// (a mapper makes it: prices as decimal strings). The product's id: the ID
// map (system, "product", sku), else the shop by SKU in one request for the
// batch; a SKU the shop does not have fails alone ("no product with SKU X":
// the product sync creates products, this flow only updates). A SKU that is
// a variation in the shop (the shop's SKU search lists variations with
// their parent) is mapped as (system, "variation", sku) -> "<parent
// id>/<variation id>" and written through its parent's variations/batch,
// one request per parent in the batch. Per-item errors fail their item alone.
// Each updated item goes on as {sku, id, action: "updated"}.
#pragma once

#include <weir/weir.hpp>

namespace weir::woocommerce {

class UpdateStockPrices : public Node {
 public:
  static const char* schema();
  explicit UpdateStockPrices(const NodeInit& init);
  Result process(Context& ctx) override;
  void process_batch(Batch& batch) override;

 private:
  std::string system_ = "shop";
};

}  // namespace weir::woocommerce
