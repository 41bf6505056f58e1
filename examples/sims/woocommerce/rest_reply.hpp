// Answers in WordPress's REST shapes. Every error is
// {"code", "message", "data": {"status", ...}} with the status in the HTTP
// line too, as WP_REST_Server sends a WP_Error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim_http.hpp"

namespace weir::sims::woo {

using Json = nlohmann::ordered_json;

// A WP_Error: code, message, data (data.status is the HTTP status).
struct RestError {
  std::string code;
  std::string message;
  Json data = Json::object();

  int status() const { return data.value("status", 500); }
  Json to_json() const { return Json{{"code", code}, {"message", message}, {"data", data}}; }
};

RestError make_error(int status, std::string code, std::string message);

// rest_invalid_param for one or more parameters: message "Invalid
// parameter(s): a, b", data.params {name: reason}, data.details.
RestError invalid_params(const std::vector<std::pair<std::string, std::string>>& reasons,
                         const std::string& detail_code = "rest_invalid_param");

// 404 rest_no_route, as WordPress answers a path or method it has no route for.
RestError no_route();

Response json_reply(int status, const Json& body);
Response error_reply(const RestError& e);

}  // namespace weir::sims::woo
