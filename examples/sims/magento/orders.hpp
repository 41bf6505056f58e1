// The shop's sales orders: storage, their REST shape (the sales
// OrderInterface) and the actions the REST API offers, with the
// state machine Magento keeps:
//   new/pending --invoice--> processing --ship--> complete
//   new/pending --ship-----> processing --invoice--> complete
//   canceled, holded, closed, complete refuse an invoice ("An invoice cannot
//   be created when an order has a status of %1"), an order with nothing
//   left to invoice refuses it ("The order does not allow an invoice to be
//   created."); shipments likewise; both wrapped as InvoiceOrder/ShipOrder
//   wrap them ("Invoice Document Validation Error(s):\n...").
//   cancel answers false (not an error) when Order::canCancel() says no:
//   canceled, complete, closed, holded, or everything already invoiced.
// A configurable line is stored as Magento stores it: a parent item
// (product_type configurable, the configurable's product_id, the chosen
// child's SKU, the price) and a child item (simple, price 0,
// parent_item_id, and the parent item embedded as parent_item).
// Not thread-safe: the Shop's mutex guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "catalog.hpp"
#include "errors.hpp"

namespace weir::sims::mage {

struct OrderItem {
  std::int64_t item_id = 0;
  std::int64_t parent_item_id = 0;
  std::int64_t product_id = 0;
  std::string product_type = "simple";
  std::string sku;
  std::string name;
  double qty_ordered = 1;
  double qty_invoiced = 0;
  double qty_shipped = 0;
  double qty_canceled = 0;
  double price = 0;
};

struct Order {
  std::int64_t id = 0;
  std::string state = "new";
  std::string status = "pending";
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::string email, firstname, lastname, street, city, postcode, country = "DE", telephone;
  std::vector<OrderItem> items;
  double shipping_amount = 5;
  std::vector<Json> histories;  // status_histories, newest first as Magento lists them
  std::vector<std::int64_t> invoices, shipments;
  Json tracks = Json::array();
};

class OrderBook {
 public:
  Order* find(std::int64_t id);
  Order& add(Order o);  // o.id assigned; items' ids too
  const std::map<std::int64_t, Order>& all() const { return orders_; }
  std::vector<std::int64_t> ids() const;

  // The actions: an error, or the answer's JSON value.
  std::variant<Json, MageError> invoice(Order& o, std::int64_t now);
  std::variant<Json, MageError> ship(Order& o, const Json& body, std::int64_t now);
  bool cancel(Order& o, std::int64_t now);
  std::variant<Json, MageError> comment(Order& o, const Json& body, std::int64_t now);

 private:
  std::map<std::int64_t, Order> orders_;
  std::int64_t last_order_ = 0, last_item_ = 0, last_invoice_ = 0, last_shipment_ = 0;
  std::int64_t last_history_ = 0;
};

double grand_total(const Order& o);
Json render_order(const Order& o);
std::string increment_id(std::int64_t id);  // "000000001"

}  // namespace weir::sims::mage
