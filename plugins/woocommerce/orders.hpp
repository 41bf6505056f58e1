// The shop's orders: the reconciliation poll behind the order webhooks, and
// statuses written back.
//
// woocommerce.list_orders (batch): the orders of the shop, page by page by
// id; in a delta topology only those modified in the window. Webhooks are
// lost while the receiver is down and WooCommerce never retries them, so an
// order flow polls this every few minutes; the ID map makes an order seen by
// both paths one ERP order. Config: per_page (1-100), status (default any).
//
// woocommerce.update_order_status: input {order_id: the shop's id, status:
// "completed", note?: text}, or {erp_order: the ERP's id, status} resolved to
// the shop's id through the ID map (config erp_system, default "erp":
// (erp_system, "order", shop id) -> ERP id, as the order flow maps it).
// PUT orders/<id> with the status (the shop's words: processing, completed,
// cancelled, ...; a mapper turns the ERP's codes into them) and, with a
// note (e.g. a tracking number), POST orders/<id>/notes. Goes on as
// {order_id, status}.
#pragma once

#include <weir/weir.hpp>

namespace weir::woocommerce {

class ListOrders : public Node {
 public:
  static const char* schema();
  explicit ListOrders(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  int per_page_ = 100;
  std::string status_ = "any";
};

class UpdateOrderStatus : public Node {
 public:
  static const char* schema();
  explicit UpdateOrderStatus(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string erp_system_ = "erp";
};

}  // namespace weir::woocommerce
