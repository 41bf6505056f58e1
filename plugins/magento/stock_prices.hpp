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
//
// A shop with Magento's web API input limits on (Stores > Configuration >
// Services > Web API > Web Api Input Limits; 20 items by default) refuses
// a longer list whole with 400 "Maximum items of type ... is N": the list
// then goes in parts of N, and later batches are cut to N from the start.
#pragma once

#include <atomic>
#include <weir/weir.hpp>

namespace weir::magento {

class UpdateStockPrices : public Node {
 public:
  static const char* schema();
  explicit UpdateStockPrices(const NodeInit& init);
  Result process(Context& ctx) override;
  void process_batch(Batch& batch) override;

 private:
  // POSTs {key: items} in parts of at most list_limit_ (0: all at once),
  // learning the shop's limit from its refusal; `each_part(first, count,
  // answer)` gets each part's answer, or throws Outcome for that part.
  template <class EachPart>
  void post_list(Batch& batch, const std::string& target, const char* key, const Json& items,
                 EachPart&& each_part) const;

  std::string store_;  // the config's; "" the app's settings.store, else default
  std::string source_;  // the config's; "" the app's settings.source_code, else default
  mutable std::atomic<std::size_t> list_limit_{0};  // the shop's input list limit, once seen
};

}  // namespace weir::magento
