// The shop's orders: storage, their JSON (REST API v3 shape) and writes.
//
// As in WooCommerce: stock is not checked when an order is created; it is
// reduced (possibly below zero) when the order enters processing,
// completed or on-hold, and given back when a reduced order goes to
// cancelled or pending. Each stock change saves the product (its
// date_modified moves and product.updated fires). Orders share the post id
// sequence with products. Not thread-safe: the Shop's mutex guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "product_json.hpp"
#include "rest_reply.hpp"

namespace weir::sims::woo {

struct LineItem {
  std::int64_t id = 0;
  std::string name;
  std::int64_t product_id = 0;
  std::int64_t variation_id = 0;
  std::string sku;
  std::int64_t quantity = 1;
  double price = 0;  // a number in WooCommerce's JSON, unlike the totals
};

struct Order {
  std::int64_t id = 0;
  std::string status = "pending";
  std::string currency = "EUR";
  std::int64_t created = 0;
  std::int64_t modified = 0;
  std::optional<std::int64_t> paid;
  Json billing;
  Json shipping;
  std::string customer_note;
  std::string payment_method;
  std::vector<LineItem> items;
  bool stock_reduced = false;
  std::vector<Json> notes;  // order notes (WordPress comments), newest last
};

extern const std::vector<std::string> kOrderStatuses;

class OrderBook {
 public:
  Order* find(std::int64_t id);
  Order& add(Order o);
  void erase(std::int64_t id);
  const std::map<std::int64_t, Order>& all() const { return orders_; }
  std::int64_t next_item_id() { return ++last_item_id_; }

 private:
  std::map<std::int64_t, Order> orders_;
  std::int64_t last_item_id_ = 0;
};

Json render_order(const Order& o, const RenderContext& ctx);

// What a write did besides the order itself: products whose stock moved.
struct OrderWrite {
  std::int64_t id = 0;
  std::optional<RestError> error;
  std::vector<std::int64_t> touched_products;
};

// Creates (base.id == 0) or updates an order from a REST body. `strict`:
// the schema check of a single request (status enum, types).
OrderWrite write_order(OrderBook& book, Catalog& catalog, const Order& base, const Json& body,
                       bool strict, std::int64_t now);

}  // namespace weir::sims::woo
