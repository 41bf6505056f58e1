#include "errors.hpp"

#include <atomic>
#include <cstdio>

namespace weir::sims::mage {

Json MageError::to_json() const {
  Json out = {{"message", message}};
  if (errors.is_array() && !errors.empty()) out["errors"] = errors;
  if ((parameters.is_array() || parameters.is_object()) && !parameters.empty()) {
    out["parameters"] = parameters;
  }
  return out;
}

namespace {

std::string text_of(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::string MageError::rendered() const {
  std::string out = message;
  if (parameters.is_array()) {
    // %1, %2, ... (replace from the highest so %1 does not eat %10).
    for (std::size_t i = parameters.size(); i > 0; --i) {
      const std::string key = "%" + std::to_string(i);
      for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at)) {
        const std::string value = text_of(parameters[i - 1]);
        out.replace(at, key.size(), value);
        at += value.size();
      }
    }
  } else if (parameters.is_object()) {
    for (const auto& [name, value] : parameters.items()) {
      const std::string key = "%" + name;
      const std::string text = text_of(value);
      for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at)) {
        out.replace(at, key.size(), text);
        at += text.size();
      }
    }
  }
  return out;
}

MageError error(int status, std::string message, Json parameters) {
  MageError e;
  e.status = status;
  e.message = std::move(message);
  e.parameters = std::move(parameters);
  return e;
}

MageError no_route() { return error(404, "Request does not match any route."); }

MageError not_authorized(const std::string& resources) {
  return error(401, "The consumer isn't authorized to access %resources.",
               Json{{"resources", resources}});
}

MageError required_field(const std::string& field) {
  return error(400, "\"%fieldName\" is required. Enter and try again.", Json{{"fieldName", field}});
}

MageError internal_error() {
  static std::atomic<unsigned> n{0};
  char id[48];
  std::snprintf(id, sizeof id, "webapi-%013x", 0x6500000u + n.fetch_add(1));
  return error(
      500,
      std::string("Internal Error. Details are available in Magento log file. Report ID: ") + id);
}

Response json_reply(int status, const Json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response error_reply(const MageError& e) { return json_reply(e.status, e.to_json()); }

}  // namespace weir::sims::mage
