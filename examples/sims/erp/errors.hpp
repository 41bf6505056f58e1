// Error answers in the style's shape: one object ({"error": {"code",
// "message"}}, codes in upper case) or a list ({"errors": [{"field",
// "code", "reason"}]}). Field paths use the style's wire names.
#pragma once

#include <string>
#include <vector>

#include "sim_http.hpp"
#include "style.hpp"

namespace weir::sims::erp {

struct FieldError {
  std::string field;  // "shipping_address.postcode"; empty: the request as a whole
  std::string code;   // "invalid_postcode"
  std::string reason;
};

Response error_response(const Style& style, int status, const std::vector<FieldError>& errors);
Response error_response(const Style& style, int status, const std::string& code,
                        const std::string& reason);

}  // namespace weir::sims::erp
