// The ERP's REST API under the style's paths: lists and single records of
// every resource, customer create and update, order create, confirmation
// (an action call or a PATCH of the status, per style) and cancellation.
// Faults and authentication are applied before (erp_sim.hpp). Any thread.
#pragma once

#include <optional>
#include <string>

#include "parts.hpp"
#include "render.hpp"
#include "sim_http.hpp"

namespace weir::sims::erp {

// Where a request goes: a collection, one record, or an order action.
struct Route {
  std::string resource;
  std::string key;      // the record's id or code; empty for the collection
  std::string action;   // confirm or cancel action; empty for none
  std::string pattern;  // "/api/v1/orders/{id}/validate", for stats
};

class Api {
 public:
  explicit Api(Parts& parts) : parts_(parts), render_(parts.style) {}

  // The route of a path of the style, or nothing (the caller answers 404).
  std::optional<Route> match(const Request& req) const;
  Response handle(const Request& req, const Route& route);

 private:
  Response get_one(const std::string& resource, const std::string& key);
  Response create_customer(const Request& req);
  Response update_customer(const Request& req, int id);
  Response create_order(const Request& req);
  Response confirm_order(int id);
  Response cancel_order(int id);
  Response patch_order(const Request& req, int id);
  // 201 with the object or the bare id, as the style says.
  Response created(const std::string& location, const Json& object, const Json& id) const;
  Response error(int status, const std::string& code, const std::string& reason) const;

  Parts& parts_;
  Render render_;
};

}  // namespace weir::sims::erp
