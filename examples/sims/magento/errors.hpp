// Answers in Magento's REST shapes. An error is {"message": raw text with
// its placeholders, "parameters": ...} exactly as
// Magento\Framework\Webapi\Rest\Response renders a masked exception:
// "parameters" is a list for %1-style placeholders, an object for named
// ones (%fieldName), and absent when there are none; an aggregate
// exception adds "errors": [{message, parameters}]. The HTTP status follows
// the exception type (NoSuchEntity 404, Authorization/Authentication 401,
// other localized exceptions 400, anything else 500).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim_http.hpp"

namespace weir::sims::mage {

using Json = nlohmann::ordered_json;

struct MageError {
  int status = 400;
  std::string message;
  Json parameters;  // null (absent), an array or an object
  Json errors;      // null (absent) or [{message, parameters}]

  Json to_json() const;
  // The message with its placeholders filled, as Phrase::render() gives it
  // (what a bulk operation stores as its result_message).
  std::string rendered() const;
};

MageError error(int status, std::string message, Json parameters = nullptr);

// 404 "Request does not match any route." (Webapi's router).
MageError no_route();
// 401 "The consumer isn't authorized to access %resources."
MageError not_authorized(const std::string& resources);
// 400 "\"%fieldName\" is required. Enter and try again."
MageError required_field(const std::string& field);
// 500 with Magento's masked text for an unexpected exception.
MageError internal_error();

Response json_reply(int status, const Json& body);
Response error_reply(const MageError& e);

}  // namespace weir::sims::mage
