// The sales routes: /V1/orders[/<id>], /V1/order/<id>/invoice|ship,
// /V1/orders/<id>/cancel|comments. The order book (orders.hpp) keeps the
// state machine; here: argument checks, lookups, answers.
#include <algorithm>
#include <cstdlib>

#include "product_json.hpp"
#include "shop.hpp"

namespace weir::sims::mage {

namespace {

MageError order_not_found() {
  return error(404,
               "The entity that was requested doesn't exist. Verify the entity and try again.");
}

const std::vector<std::string> kOrderFields = {"entity_id",
                                               "increment_id",
                                               "state",
                                               "status",
                                               "created_at",
                                               "updated_at",
                                               "customer_email",
                                               "customer_firstname",
                                               "customer_lastname",
                                               "grand_total",
                                               "base_grand_total",
                                               "store_id",
                                               "order_currency_code",
                                               "customer_is_guest",
                                               "total_qty_ordered"};

FieldValue order_field(const Order& o, const std::string& f) {
  if (f == "entity_id") return FieldValue::of(static_cast<double>(o.id));
  if (f == "increment_id") return FieldValue::of(increment_id(o.id));
  if (f == "state") return FieldValue::of(o.state);
  if (f == "status") return FieldValue::of(o.status);
  if (f == "created_at") return FieldValue::at(o.created);
  if (f == "updated_at") return FieldValue::at(o.updated);
  if (f == "customer_email") return FieldValue::of(o.email);
  if (f == "customer_firstname") return FieldValue::of(o.firstname);
  if (f == "customer_lastname") return FieldValue::of(o.lastname);
  if (f == "grand_total" || f == "base_grand_total") return FieldValue::of(grand_total(o));
  if (f == "store_id" || f == "customer_is_guest") return FieldValue::of(1.0);
  if (f == "order_currency_code") return FieldValue::of(std::string("EUR"));
  if (f == "total_qty_ordered") {
    double q = 0;
    for (const auto& i : o.items) {
      if (!i.parent_item_id) q += i.qty_ordered;
    }
    return FieldValue::of(q);
  }
  return FieldValue::null();
}

}  // namespace

// The order named by the route's first argument (an int, as the service
// signature wants). Takes no lock: the caller holds mu_.
std::optional<MageError> Shop::order_arg(Call& c, Order** out) {
  const std::string& arg = c.args[0];
  char* end = nullptr;
  const long long id = std::strtoll(arg.c_str(), &end, 10);
  if (arg.empty() || *end != '\0') return type_error(Json(arg), "int");
  *out = orders_.find(id);
  if (!*out) return order_not_found();
  return std::nullopt;
}

Response Shop::list_orders(Call& c) {
  auto parsed = read_search_criteria(c.req, true);
  if (auto* e = std::get_if<MageError>(&parsed)) return error_reply(*e);
  const SearchCriteria& sc = std::get<SearchCriteria>(parsed);
  for (const auto& f : sc.fields()) {
    // sales_order is a flat table: an unknown column is an SQL error, masked as a 500.
    if (std::find(kOrderFields.begin(), kOrderFields.end(), f) == kOrderFields.end()) {
      return error_reply(internal_error());
    }
  }
  std::lock_guard lock(mu_);
  std::size_t total = 0;
  const auto rows = select_rows(
      orders_.ids(), sc,
      [&](std::int64_t id, const std::string& f) { return order_field(*orders_.find(id), f); },
      &total);
  Json items = Json::array();
  for (std::int64_t id : rows) items.push_back(render_order(*orders_.find(id)));
  return json_reply(200, search_result(std::move(items), sc, total));
}

Response Shop::get_order(Call& c) {
  std::lock_guard lock(mu_);
  Order* o = nullptr;
  if (auto e = order_arg(c, &o)) return error_reply(*e);
  return json_reply(200, render_order(*o));
}

Response Shop::invoice_order(Call& c) {
  std::lock_guard lock(mu_);
  Order* o = nullptr;
  if (auto e = order_arg(c, &o)) return error_reply(*e);
  auto r = orders_.invoice(*o, c.now);
  if (auto* e = std::get_if<MageError>(&r)) return error_reply(*e);
  stats_.add("orders_invoiced");
  return json_reply(200, std::get<Json>(r));
}

Response Shop::ship_order(Call& c) {
  std::lock_guard lock(mu_);
  Order* o = nullptr;
  if (auto e = order_arg(c, &o)) return error_reply(*e);
  auto r = orders_.ship(*o, c.body.is_object() ? c.body : Json::object(), c.now);
  if (auto* e = std::get_if<MageError>(&r)) return error_reply(*e);
  stats_.add("orders_shipped");
  return json_reply(200, std::get<Json>(r));
}

Response Shop::cancel_order(Call& c) {
  std::lock_guard lock(mu_);
  Order* o = nullptr;
  if (auto e = order_arg(c, &o)) return error_reply(*e);
  const bool done = orders_.cancel(*o, c.now);
  if (done) stats_.add("orders_canceled");
  return json_reply(200, Json(done));
}

Response Shop::comment_order(Call& c) {
  std::lock_guard lock(mu_);
  Order* o = nullptr;
  if (auto e = order_arg(c, &o)) return error_reply(*e);
  auto r = orders_.comment(*o, c.body.is_object() ? c.body : Json::object(), c.now);
  if (auto* e = std::get_if<MageError>(&r)) return error_reply(*e);
  return json_reply(200, std::get<Json>(r));
}

}  // namespace weir::sims::mage
