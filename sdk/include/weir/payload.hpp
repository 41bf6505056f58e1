// weir/payload.hpp — payloads and headers on the wire.
//
// A payload is one msgpack document; headers are a msgpack map of string to
// string. These helpers convert both to and from JSON (nlohmann::json), which
// is how most nodes want to see them. Header-only; used by plugins and host.
// Functions throw weir::PayloadError on malformed input; the C++ SDK turns an
// exception escaping a node into a FAILED result, so a node may just let it go.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "weir/abi.h"

namespace weir {

using Json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;
using Headers = std::map<std::string, std::string, std::less<>>;

class PayloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace payload {

// Maps and arrays nest at most this deep in anything the host accepts
// (abi.h); every decoder below refuses deeper input instead of recursing.
inline constexpr std::size_t kMaxNesting = WEIR_MAX_NESTING;

namespace detail {

// nlohmann's document builder with a depth bound. Returning false from
// start_object/start_array stops the parser where it stands, so neither its
// msgpack reader (which recurses per level) nor the document goes deeper.
class BoundedDom : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  explicit BoundedDom(Json& out) : json_sax_dom_parser(out, /*allow_exceptions=*/true) {}
  bool start_object(std::size_t n) { return enter() && json_sax_dom_parser::start_object(n); }
  bool start_array(std::size_t n) { return enter() && json_sax_dom_parser::start_array(n); }
  bool end_object() { return --depth_, json_sax_dom_parser::end_object(); }
  bool end_array() { return --depth_, json_sax_dom_parser::end_array(); }
  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxNesting) return true;
    too_deep_ = true;
    return false;
  }
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

inline std::string too_deep_text() {
  return "nested deeper than " + std::to_string(kMaxNesting) + " levels";
}

}  // namespace detail

// Decodes one msgpack document. Throws PayloadError naming the byte offset
// of a syntax error, or saying it nests deeper than kMaxNesting.
inline Json to_json(std::span<const std::uint8_t> msgpack) {
  Json out;
  detail::BoundedDom dom(out);
  try {
    if (Json::sax_parse(msgpack.begin(), msgpack.end(), &dom, Json::input_format_t::msgpack)) {
      return out;
    }
  } catch (const Json::exception& e) {
    throw PayloadError(std::string("payload is not valid msgpack: ") + e.what());
  }
  throw PayloadError(dom.too_deep() ? "payload is " + detail::too_deep_text()
                                    : std::string("payload is not valid msgpack"));
}

// Parses JSON text into a document, with the same depth bound. Throws
// PayloadError naming the position of the first syntax error.
inline Json parse_json_text(std::string_view text) {
  Json out;
  detail::BoundedDom dom(out);
  try {
    if (Json::sax_parse(text, &dom)) return out;
  } catch (const Json::exception& e) {
    throw PayloadError(std::string("not valid JSON: ") + e.what());
  }
  throw PayloadError(dom.too_deep() ? detail::too_deep_text() : std::string("not valid JSON"));
}

// Encodes a JSON value as one msgpack document.
inline Bytes from_json(const Json& value) { return Json::to_msgpack(value); }

// Parses JSON text and encodes it as msgpack. Throws PayloadError naming the
// position of the first syntax error.
inline Bytes from_json_text(std::string_view text) {
  try {
    return Json::to_msgpack(parse_json_text(text));
  } catch (const PayloadError& e) {
    throw PayloadError(std::string("payload is ") + e.what());
  }
}

// Renders a msgpack payload as JSON text (indent < 0: one line).
inline std::string to_json_text(std::span<const std::uint8_t> msgpack, int indent = -1) {
  return to_json(msgpack).dump(indent, ' ', false, Json::error_handler_t::replace);
}

// True when `bytes` hold exactly one well-formed msgpack document, nested
// at most kMaxNesting deep.
inline bool is_valid(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return false;
  try {
    (void)to_json(bytes);
    return true;
  } catch (const PayloadError&) {
    return false;
  }
}

inline Bytes encode_headers(const Headers& headers) {
  Json map = Json::object();
  for (const auto& [k, v] : headers) map[k] = v;
  return Json::to_msgpack(map);
}

// Decodes a header map; an empty buffer is an empty map. Non-string values
// are rendered as JSON text so nothing is silently dropped.
inline Headers decode_headers(std::span<const std::uint8_t> msgpack) {
  Headers out;
  if (msgpack.empty()) return out;
  Json map = to_json(msgpack);
  if (!map.is_object()) throw PayloadError("headers are not a msgpack map");
  for (auto it = map.begin(); it != map.end(); ++it) {
    out.emplace(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  }
  return out;
}

}  // namespace payload
}  // namespace weir
