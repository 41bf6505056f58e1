#include "api.hpp"

#include "errors.hpp"
#include "listing.hpp"
#include "table.hpp"

namespace weir::sims::erp {
namespace {

Response json_response(const Json& body, int status = 200) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

bool writable(const std::string& resource) {
  return resource == "customers" || resource == "orders";
}

}  // namespace

Response Api::error(int status, const std::string& code, const std::string& reason) const {
  return error_response(parts_.style, status, code, reason);
}

Response Api::created(const std::string& location, const Json& object, const Json& id) const {
  Response r =
      json_response(parts_.style.create_answer == CreateAnswer::kObject ? object : id, 201);
  r.headers.emplace_back("Location", location);
  return r;
}

std::optional<Route> Api::match(const Request& req) const {
  const Style& s = parts_.style;
  for (const auto& [resource, path] : s.paths) {
    if (req.path == path) return Route{resource, "", "", path};
    if (!req.path.starts_with(path + "/")) continue;
    const std::string rest = req.path.substr(path.size() + 1);
    const auto slash = rest.find('/');
    const std::string key = rest.substr(0, slash);
    if (key.empty()) continue;
    if (slash == std::string::npos) return Route{resource, key, "", path + "/{id}"};
    const std::string action = rest.substr(slash + 1);
    if (resource == "orders" && s.confirm == Confirm::kAction &&
        (action == s.confirm_action || action == s.cancel_action)) {
      return Route{resource, key, action, path + "/{id}/" + action};
    }
  }
  return std::nullopt;
}

Response Api::handle(const Request& req, const Route& route) {
  const Style& s = parts_.style;
  const std::string& m = req.method;
  if (route.key.empty()) {
    if (m == "GET") {
      return parts_.erp.locked([&](ErpData& d) {
        return list_rows(req, make_table(route.resource, d, render_), render_);
      });
    }
    if (m == "POST" && route.resource == "customers") return create_customer(req);
    if (m == "POST" && route.resource == "orders") return create_order(req);
    return error(405, "method_not_allowed",
                 m + " " + route.pattern + " is not allowed (allowed: GET" +
                     (writable(route.resource) ? ", POST)" : ")"));
  }
  if (!route.action.empty()) {
    if (m != "POST") {
      return error(405, "method_not_allowed", m + " " + route.pattern + " is not allowed (POST)");
    }
    const int id = render_.parse_order_id(route.key);
    return route.action == s.confirm_action ? confirm_order(id) : cancel_order(id);
  }
  if (m == "GET") return get_one(route.resource, route.key);
  if (m == "PATCH" && route.resource == "customers") {
    return update_customer(req, render_.parse_customer_id(route.key));
  }
  if (m == "PATCH" && route.resource == "orders" && s.confirm == Confirm::kPatch) {
    return patch_order(req, render_.parse_order_id(route.key));
  }
  return error(405, "method_not_allowed", m + " " + route.pattern + " is not allowed");
}

Response Api::get_one(const std::string& resource, const std::string& key) {
  return parts_.erp.locked([&](ErpData& d) -> Response {
    if (resource == "products" || resource == "prices" || resource == "stock") {
      const Product* p = d.product(key);
      if (p == nullptr) return error(404, "not_found", "no product with SKU \"" + key + "\"");
      if (resource == "products") return json_response(render_.product(d, *p));
      if (resource == "prices") return json_response(render_.price_row(*p));
      Json rows = Json::array();  // one SKU's stock: a row per warehouse
      for (std::size_t w = 0; w < d.warehouses.size(); ++w)
        rows.push_back(render_.stock_row(d, *p, w));
      return json_response(rows);
    }
    if (resource == "customers") {
      const Customer* c = d.customer(render_.parse_customer_id(key));
      if (c == nullptr) return error(404, "not_found", "no customer \"" + key + "\"");
      return json_response(render_.customer(*c));
    }
    if (resource == "orders") {
      const Order* o = d.order(render_.parse_order_id(key));
      if (o == nullptr) return error(404, "not_found", "no order \"" + key + "\"");
      return json_response(render_.order(*o));
    }
    if (resource == "categories") {
      for (const auto& c : d.categories) {
        if (std::to_string(c.id) == key) return json_response(render_.category(d, c));
      }
      return error(404, "not_found", "no category \"" + key + "\"");
    }
    for (const auto& w : d.warehouses) {
      if (w.code == key) return json_response(render_.warehouse(w));
    }
    return error(404, "not_found", "no warehouse \"" + key + "\"");
  });
}

}  // namespace weir::sims::erp
