// weir/remote_error.hpp — the remote system's own words from an error answer,
// for a trash entry an operator can act on. Header-only, no host types.
//
// What shops and ERPs send when they refuse a request:
//   WooCommerce / WordPress  {"code": "woocommerce_rest_invalid_id", "message": "Invalid ID.",
//                             "data": {"status": 404}}
//   Magento 2                {"message": "The \"%1\" SKU doesn't exist.", "parameters": ["A-1"]}
//                            (or named: "%fieldName" with parameters {"fieldName": "sku"})
//   OAuth / generic APIs     {"error": "invalid_token", "error_description": "..."},
//                            {"error": {"message": "..."}}, {"errors": [{"message": "..."}]}
//   ERPs (validation)        {"errors": [{"field": "x.postcode", "code": "invalid_postcode",
//                             "reason": "..."}, ...]}: every item, "; " between
//   shared PHP hosting       an HTML page (508 Resource Limit Is Reached): its <title>
// Anything else: the body's text with its white space folded. Never assumes
// JSON; the result is cut to `max` bytes on a UTF-8 character boundary.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

#include "weir/payload.hpp"

namespace weir::remote_error {

namespace detail {

inline bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'; }

// `s` with runs of white space folded to one space and the ends trimmed.
inline std::string folded(std::string_view s, std::size_t limit) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() > limit) break;
  }
  return out;
}

// Cut to at most `max` bytes without splitting a UTF-8 sequence; "..." marks a cut.
inline std::string cut(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s + "...";
}

inline std::string text_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}

// Magento's "%1"-style placeholders: positional (parameters is a list, %1 is
// its first) or named (parameters is an object, %name is its key).
inline std::string with_parameters(std::string message, const nlohmann::json& parameters) {
  if (!parameters.is_array() && !parameters.is_object()) return message;
  std::string out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '%' || i + 1 >= message.size()) {
      out += message[i];
      continue;
    }
    std::size_t j = i + 1;
    std::string value;
    bool found = false;
    if (parameters.is_array()) {
      while (j < message.size() && message[j] >= '0' && message[j] <= '9' && j - i < 6) ++j;
      if (j > i + 1) {
        const std::size_t n = std::stoul(message.substr(i + 1, j - i - 1));
        if (n >= 1 && n <= parameters.size()) {
          value = text_of(parameters[n - 1]);
          found = true;
        }
      }
    } else {
      while (j < message.size() &&
             (std::isalnum(static_cast<unsigned char>(message[j])) || message[j] == '_'))
        ++j;
      const std::string name = message.substr(i + 1, j - i - 1);
      if (!name.empty() && parameters.contains(name)) {
        value = text_of(parameters[name]);
        found = true;
      }
    }
    if (!found) {
      out += message[i];
      continue;
    }
    out += value;
    i = j - 1;
  }
  return out;
}

inline std::string from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) return {};
  const auto string_at = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (std::string message = string_at("message"); !message.empty()) {
    if (const auto p = doc.find("parameters"); p != doc.end()) message = with_parameters(message, *p);
    const std::string code = string_at("code");
    return code.empty() ? message : code + ": " + message;
  }
  // {"field": "shipping_address.postcode", "code": "invalid_postcode", "reason": "..."}
  for (const char* key : {"reason", "detail", "description"}) {
    if (std::string why = string_at(key); !why.empty()) {
      const std::string field = string_at("field"), code = string_at("code");
      return (field.empty() ? "" : field + ": ") + (code.empty() ? "" : code + ": ") + why;
    }
  }
  if (const auto e = doc.find("error"); e != doc.end()) {
    if (e->is_object()) return from_json(*e);
    if (e->is_string()) {
      const std::string description = string_at("error_description");
      return description.empty() ? e->get<std::string>()
                                 : e->get<std::string>() + ": " + description;
    }
  }
  if (const auto list = doc.find("errors"); list != doc.end() && list->is_array() && !list->empty()) {
    std::string all;  // every problem the remote listed, in its order
    for (const auto& item : *list) {
      const std::string one = item.is_string() ? item.get<std::string>() : from_json(item);
      if (!one.empty()) all += (all.empty() ? "" : "; ") + one;
    }
    return all;
  }
  return {};
}

inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace detail

// The remote system's error text from an answer's body, at most `max` bytes.
inline std::string text(std::string_view body, std::size_t max = 300) {
  try {
    if (std::string message = detail::from_json(payload::parse_json_text(body)); !message.empty()) {
      return detail::cut(detail::folded(message, max + 4), max);
    }
  } catch (const PayloadError&) {
    // not JSON (or nested absurdly deep): read it as text below
  }
  // An HTML page: its title says it ("508 Resource Limit Is Reached").
  const std::string head = detail::lowered(body.substr(0, 8192));
  const auto open = head.find("<title>");
  const auto close = open == std::string::npos ? open : head.find("</title>", open);
  if (close != std::string::npos) {
    return detail::cut(detail::folded(body.substr(open + 7, close - open - 7), max + 4), max);
  }
  return detail::cut(detail::folded(body, max + 4), max);
}

}  // namespace weir::remote_error
