#include "errors.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

namespace weir::sims::erp {

Response error_response(const Style& style, int status, const std::vector<FieldError>& errors) {
  nlohmann::ordered_json body;
  if (style.errors == ErrorShape::kSingle) {
    std::string code = errors.empty() ? "error" : errors.front().code;
    for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string message;
    for (const auto& e : errors) {
      if (!message.empty()) message += "; ";
      message += e.field.empty() ? e.reason : e.field + ": " + e.reason;
    }
    body["error"] = {{"code", code}, {"message", message}};
  } else {
    body["errors"] = nlohmann::ordered_json::array();
    for (const auto& e : errors) {
      body["errors"].push_back({{"field", e.field.empty() ? nlohmann::ordered_json(nullptr)
                                                          : nlohmann::ordered_json(e.field)},
                                {"code", e.code},
                                {"reason", e.reason}});
    }
  }
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Response error_response(const Style& style, int status, const std::string& code,
                        const std::string& reason) {
  return error_response(style, status, std::vector<FieldError>{{"", code, reason}});
}

}  // namespace weir::sims::erp
