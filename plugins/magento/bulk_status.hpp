// magento.bulk_status: finishes each product that magento.upsert_products
// handed to Magento's asynchronous bulk API, by its own operation's end.
//
//   - id: shop-bulk
//     type: magento.bulk_status
//     app: shop
//     max_batch: 100
//     retry: {max_attempts: 120, delay: 2s, multiplier: 1.2, max_delay: 1m, jitter: 0}
//     config: {store: all}
//
// Input {sku, bulk_uuid, operation, product} (upsert's output in bulk
// mode): the batch asks GET <store>/V1/bulk/<uuid>/status once per bulk
// among its messages, then each product by its operation: complete (1) goes
// on as {sku, action: "bulk", bulk_uuid}; open (4) is retried after the
// node's retry policy's wait, holding no worker meanwhile (Magento's
// consumers may run once a minute: the policy above waits up to about an
// hour); retriably failed (2) is saved again at once, synchronously, with
// the product it carries; not retriably failed (3) or rejected (5) goes to
// the trash with Magento's message for that operation (its placeholders
// filled in). Input without a bulk_uuid (a product saved synchronously)
// passes through untouched.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class BulkStatus : public Node {
 public:
  static const char* schema();
  explicit BulkStatus(const NodeInit& init);
  Result process(Context& ctx) override;  // a batch of one
  void process_batch(Batch& batch) override;

 private:
  std::string system_ = "shop";
  std::string store_;  // the config's; "" the app's settings.store, else default
};

}  // namespace weir::magento
