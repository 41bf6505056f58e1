// magento.update_stock_prices: the high-frequency flow, prices and stock in
// bulk through Magento's own bulk endpoints.
//
//   - id: shop
//     type: magento.update_stock_prices
//     app: shop
//     max_batch: 100
//     config: {store: all, source: default}
//
// Input {sku, price?, quantity?}: a batch's prices go in one POST
// <store>/V1/products/base-prices (store_id 0, the default scope), which
// answers 200 with a list of per-item errors; each error names the SKU it
// is about among its parameters, and fails that item alone with Magento's
// message. Its quantities go in one POST <store>/V1/inventory/source-items
// (MSI) to `source`, in stock when above zero; Magento validates that
// request whole, so its refusal fails the batch's stock items. Each written
// item goes on as {sku, action: "updated"}.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class UpdateStockPrices : public Node {
 public:
  static const char* schema();
  explicit UpdateStockPrices(const NodeInit& init);
  Result process(Context& ctx) override;
  void process_batch(Batch& batch) override;

 private:
  std::string store_ = "default";
  std::string source_ = "default";
};

}  // namespace weir::magento
