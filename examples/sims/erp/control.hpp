// The simulator's control endpoint under /_sim/ (JSON in, JSON out; no
// authentication, no faults, not counted in stats): what a test or the demo
// does to the ERP from the side, as its users would (a clerk ships an order,
// someone corrects a postcode, prices change) or as trouble would (an
// outage, fragility). README.md lists the calls. Any thread.
#pragma once

#include "parts.hpp"
#include "render.hpp"
#include "sim_http.hpp"

namespace weir::sims::erp {

class Control {
 public:
  explicit Control(Parts& parts) : parts_(parts), render_(parts.style) {}
  Response handle(const Request& req);

 private:
  Response style() const;
  Response change(const nlohmann::json& body);
  Response order_status(const nlohmann::json& body);
  Response fix_postcode(const nlohmann::json& body);
  Response fragile(const nlohmann::json& body);
  Response clock(const Request& req, const nlohmann::json& body);

  Parts& parts_;
  Render render_;
};

}  // namespace weir::sims::erp
