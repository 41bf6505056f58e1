// The order flows' shop side for Magento: intake by a poll (Magento Open
// Source has no webhooks), and the ERP's statuses back as Magento's order
// actions.
//
// magento.list_orders: the orders changed in the delta window (updated_at
// gteq since; pages counted from total_count, entity_id ascending), each as
// Magento's JSON; `statuses` narrows them (e.g. [processing]). Magento keeps
// a configurable line as two items, the parent (with the chosen child's SKU
// and the price) and the child (price 0, parent_item_id): the children are
// dropped from `items` (child_items: keep leaves them), so every line is
// counted once.
//
// magento.update_order_status: input {order_id (the shop's entity_id),
// status: paid|shipped|cancelled, tracking?, carrier?, title?}: paid
// invoices the order (POST V1/order/<id>/invoice, captured), shipped ships
// it with its tracking number (POST V1/order/<id>/ship), cancelled cancels
// it (POST V1/orders/<id>/cancel). Each is safe to repeat: an order Magento
// says it cannot invoice or ship because that is done already ("...does not
// allow an invoice/a shipment to be created") is done; a cancel answered
// false is done when the order is canceled, else it fails naming the
// order's status. Other statuses (new, processing) change nothing. Goes on
// as {order_id, status: <Magento's status after it>}.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class ListOrders : public Node {
 public:
  static const char* schema();
  explicit ListOrders(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string store_;  // the config's; "" the app's settings.store, else default
  int page_size_ = 100;
  std::vector<std::string> statuses_;
  bool keep_children_ = false;
};

class UpdateOrderStatus : public Node {
 public:
  static const char* schema();
  explicit UpdateOrderStatus(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string store_;  // the config's; "" the app's settings.store, else default
};

}  // namespace weir::magento
