// The ERP simulator's request handler: /_sim/ goes to Control; everything
// else passes the faults (outage, fragility), then authentication, then
// the API, and is counted in Stats by method, route and status.
// Made once; handle() from any connection thread.
#pragma once

#include <memory>

#include "api.hpp"
#include "control.hpp"
#include "parts.hpp"

namespace weir::sims::erp {

class ErpSim {
 public:
  explicit ErpSim(const SimOptions& options);
  Response handle(const Request& req);

 private:
  Response api_call(const Request& req, const std::optional<Route>& route);
  // Empty when the request may pass; else the 401 to answer.
  std::optional<Response> check_auth(const Request& req) const;

  std::unique_ptr<Parts> parts_;
  Api api_;
  Control control_;
  std::string expected_authorization_;  // the whole header value; empty: no auth
};

// "--flag value" pairs into options; throws std::invalid_argument naming the
// flag on anything unknown or malformed. --port and --address are run_main's.
SimOptions parse_options(const std::vector<std::string>& args);

}  // namespace weir::sims::erp
