// The write calls of Api: customers (create, update) and orders (create,
// confirm, cancel, status PATCH). Validation that needs the data (SKUs,
// the customer, the postcode of the address the order ships to) happens
// with the lock held, in the same step as the write.
#include "api.hpp"
#include "errors.hpp"
#include "order_input.hpp"
#include "postcode.hpp"

namespace weir::sims::erp {
namespace {

Response json_response(const Json& body, int status = 200) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// The address an order ships to when it names none: the customer's
// shipping address, else the first. Its index, or -1.
int delivery_address(const Customer& c) {
  for (std::size_t i = 0; i < c.addresses.size(); ++i) {
    if (c.addresses[i].type == "shipping") return static_cast<int>(i);
  }
  return c.addresses.empty() ? -1 : 0;
}

// What needs the data: the customer and SKUs exist, line prices default
// to the product's, and the address the order ships to (its own, else the
// customer's) has a postcode that fits its country. Fills in `in`.
void check_order_data(ErpData& d, const Render& r, OrderInput& in,
                      std::vector<FieldError>* errors) {
  Order& o = in.order;
  const Customer* customer = o.customer_id == 0 ? nullptr : d.customer(o.customer_id);
  if (customer == nullptr && o.customer_id != 0) {
    errors->push_back({r.f("orders", "customer_id"), "unknown_customer",
                       "no customer " + r.customer_id_text(o.customer_id)});
  }
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    const Product* p = d.product(o.lines[i].sku);
    const std::string at = r.f("orders", "lines") + "[" + std::to_string(i) + "].";
    if (p == nullptr && !o.lines[i].sku.empty()) {
      errors->push_back({at + r.f("lines", "sku"), "unknown_sku",
                         "no product with SKU \"" + o.lines[i].sku + "\""});
    } else if (p != nullptr && !in.line_has_price[i]) {
      o.lines[i].price = p->sale_price.value_or(p->price);
    }
  }
  std::string at = r.f("orders", "shipping_address") + ".";
  std::string whose;
  if (!in.has_address && customer != nullptr) {
    const int a = delivery_address(*customer);
    if (a < 0) {
      errors->push_back(
          {r.f("orders", "shipping_address"), "missing_address",
           "the order names no address and customer " + customer->number + " has none"});
      return;
    }
    o.shipping_address = customer->addresses[static_cast<std::size_t>(a)];
    o.shipping_address.type = "shipping";
    at = r.f("customers", "addresses") + "[" + std::to_string(a) + "].";
    whose = "customer " + customer->number + "'s address: ";
  }
  const Address& ship = o.shipping_address;
  std::string reason;
  if (ship.country.empty() || check_postcode(ship.country, ship.postcode, &reason)) return;
  if (!known_country(ship.country)) {
    errors->push_back({at + r.f("addresses", "country"), "unknown_country", whose + reason});
  } else {
    errors->push_back({at + r.f("addresses", "postcode"), "invalid_postcode", whose + reason});
  }
}

}  // namespace

Response Api::create_customer(const Request& req) {
  nlohmann::json body;
  std::string err;
  if (!parse_body(req.body, &body, &err)) return error(400, "invalid_json", err);
  Customer c;
  std::vector<FieldError> errors;
  if (!read_customer(body, render_, &c, &errors)) {
    parts_.stats.customers_refused.add();
    return error_response(parts_.style, 422, errors);
  }
  const std::string path = parts_.style.paths.at("customers");
  return parts_.erp.locked([&](ErpData& d) -> Response {
    if (const Customer* old = d.customer_by_email(c.email)) {
      parts_.stats.customers_duplicates.add();
      return error_response(
          parts_.style, 409,
          {{render_.f("customers", "email"), "duplicate_email",
            "customer " + render_.customer_id_text(old->id) + " has this e-mail address already"}});
    }
    c.created_at = c.updated_at = parts_.clock.now();
    const Customer& made = d.add_customer(std::move(c));
    parts_.stats.customers_created.add();
    return created(path + "/" + render_.customer_id_text(made.id), render_.customer(made),
                   render_.customer_id(made.id));
  });
}

Response Api::update_customer(const Request& req, int id) {
  nlohmann::json body;
  std::string err;
  if (!parse_body(req.body, &body, &err)) return error(400, "invalid_json", err);
  return parts_.erp.locked([&](ErpData& d) -> Response {
    Customer* c = d.customer(id);
    if (c == nullptr) return error(404, "not_found", "no such customer");
    // Fields not sent keep their values: read the stored customer with the
    // body laid over it, so one reader checks both create and update.
    nlohmann::json merged = nlohmann::json::parse(render_.customer(*c).dump());
    for (const auto& [k, v] : body.items()) merged[k] = v;
    Customer updated;
    std::vector<FieldError> errors;
    if (!read_customer(merged, render_, &updated, &errors)) {
      return error_response(parts_.style, 422, errors);
    }
    const Customer* other = d.customer_by_email(updated.email);
    if (other != nullptr && other->id != c->id) {
      return error_response(parts_.style, 409,
                            {{render_.f("customers", "email"), "duplicate_email",
                              "customer " + render_.customer_id_text(other->id) +
                                  " has this e-mail address already"}});
    }
    if (updated.email != c->email) d.reindex_email(c->email, updated.email, c->id);
    c->name = updated.name;
    c->email = updated.email;
    c->phone = updated.phone;
    c->addresses = updated.addresses;
    c->updated_at = parts_.clock.now();
    return json_response(render_.customer(*c));
  });
}

Response Api::create_order(const Request& req) {
  nlohmann::json body;
  std::string err;
  if (!parse_body(req.body, &body, &err)) return error(400, "invalid_json", err);
  // Shape problems do not stop here: the data checks below add theirs, so
  // that one 422 lists everything wrong with the order.
  OrderInput in;
  std::vector<FieldError> errors;
  read_order(body, render_, &in, &errors);
  const Style& s = parts_.style;
  Response answer = parts_.erp.locked([&](ErpData& d) -> Response {
    Order& o = in.order;
    if (!o.external_ref.empty()) {
      if (const Order* old = d.order_by_ref(o.external_ref)) {
        parts_.stats.orders_duplicates.add();
        return error_response(
            s, 409,
            {{render_.f("orders", "external_ref"), "duplicate_external_ref",
              "order " + render_.order_id_text(old->id) + " has this external reference already"}});
      }
    }
    check_order_data(d, render_, in, &errors);
    if (!errors.empty()) {
      parts_.stats.orders_refused.add();
      return error_response(s, 422, errors);
    }
    o.status = OrderStatus::kNew;
    o.created_at = o.updated_at = parts_.clock.now();
    const Order& made = d.add_order(std::move(o));
    parts_.stats.orders_created.add();
    return created(s.paths.at("orders") + "/" + render_.order_id_text(made.id), render_.order(made),
                   render_.order_id(made.id));
  });
  if (answer.status == 201 && parts_.faults.take_lost_answer()) {
    parts_.stats.faults_injected.add();
    return error(502, "bad_gateway", "the answer was lost on its way (the order was made)");
  }
  return answer;
}

Response Api::confirm_order(int id) {
  return parts_.erp.locked([&](ErpData& d) -> Response {
    Order* o = d.order(id);
    if (o == nullptr) return error(404, "not_found", "no such order");
    if (o->status == OrderStatus::kCancelled) {
      return error(409, "order_cancelled", "order " + o->number + " is cancelled");
    }
    if (o->status == OrderStatus::kNew) {  // later statuses: confirmed already, no change
      std::string err;
      d.move_order(*o, OrderStatus::kValidated, parts_.clock.now(), &err);
      parts_.stats.orders_confirmed.add();
    }
    return json_response(render_.order(*o));
  });
}

Response Api::cancel_order(int id) {
  return parts_.erp.locked([&](ErpData& d) -> Response {
    Order* o = d.order(id);
    if (o == nullptr) return error(404, "not_found", "no such order");
    std::string err;
    if (!d.move_order(*o, OrderStatus::kCancelled, parts_.clock.now(), &err)) {
      return error(409, "invalid_status_change", err);
    }
    return json_response(render_.order(*o));
  });
}

Response Api::patch_order(const Request& req, int id) {
  nlohmann::json body;
  std::string err;
  if (!parse_body(req.body, &body, &err)) return error(400, "invalid_json", err);
  const std::string status_field = render_.f("orders", "status");
  std::vector<FieldError> errors;
  for (const auto& [k, v] : body.items()) {
    if (k != status_field)
      errors.push_back({k, "read_only", "only " + status_field + " may change"});
  }
  OrderStatus to = OrderStatus::kNew;
  const auto it = body.find(status_field);
  if (it == body.end() || !it->is_string() ||
      !parts_.style.parse_status(it->get<std::string>(), &to)) {
    errors.push_back({status_field, "invalid_status",
                      "want " + parts_.style.status_code(OrderStatus::kValidated) + " or " +
                          parts_.style.status_code(OrderStatus::kCancelled)});
  } else if (to != OrderStatus::kValidated && to != OrderStatus::kCancelled) {
    errors.push_back({status_field, "status_not_allowed",
                      "only the ERP sets " + it->get<std::string>() + "; a client sends " +
                          parts_.style.status_code(OrderStatus::kValidated) + " or " +
                          parts_.style.status_code(OrderStatus::kCancelled)});
  }
  if (!errors.empty()) return error_response(parts_.style, 422, errors);
  return to == OrderStatus::kValidated ? confirm_order(id) : cancel_order(id);
}

}  // namespace weir::sims::erp
