#include "rest_reply.hpp"

namespace weir::sims::woo {

RestError make_error(int status, std::string code, std::string message) {
  RestError e{std::move(code), std::move(message)};
  e.data["status"] = status;
  return e;
}

RestError invalid_params(const std::vector<std::pair<std::string, std::string>>& reasons,
                         const std::string& detail_code) {
  std::string names;
  Json params = Json::object();
  Json details = Json::object();
  for (const auto& [name, reason] : reasons) {
    names += (names.empty() ? "" : ", ") + name;
    params[name] = reason;
    details[name] = {{"code", detail_code}, {"message", reason}, {"data", {{"param", name}}}};
  }
  RestError e = make_error(400, "rest_invalid_param", "Invalid parameter(s): " + names);
  e.data["params"] = params;
  e.data["details"] = details;
  return e;
}

RestError no_route() {
  return make_error(404, "rest_no_route",
                    "No route was found matching the URL and request method.");
}

Response json_reply(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response error_reply(const RestError& e) { return json_reply(e.status(), e.to_json()); }

}  // namespace weir::sims::woo
