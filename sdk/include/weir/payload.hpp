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

namespace weir {

using Json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;
using Headers = std::map<std::string, std::string, std::less<>>;

class PayloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace payload {

// Decodes one msgpack document. Throws PayloadError naming the byte offset.
inline Json to_json(std::span<const std::uint8_t> msgpack) {
  try {
    return Json::from_msgpack(msgpack.begin(), msgpack.end());
  } catch (const Json::exception& e) {
    throw PayloadError(std::string("payload is not valid msgpack: ") + e.what());
  }
}

// Encodes a JSON value as one msgpack document.
inline Bytes from_json(const Json& value) { return Json::to_msgpack(value); }

// Parses JSON text and encodes it as msgpack. Throws PayloadError naming the
// position of the first syntax error.
inline Bytes from_json_text(std::string_view text) {
  try {
    return Json::to_msgpack(Json::parse(text));
  } catch (const Json::exception& e) {
    throw PayloadError(std::string("payload is not valid JSON: ") + e.what());
  }
}

// Renders a msgpack payload as JSON text (indent < 0: one line).
inline std::string to_json_text(std::span<const std::uint8_t> msgpack, int indent = -1) {
  return to_json(msgpack).dump(indent, ' ', false, Json::error_handler_t::replace);
}

// True when `bytes` hold exactly one well-formed msgpack document.
inline bool is_valid(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return false;
  try {
    Json parsed = Json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true);
    return !parsed.is_discarded();
  } catch (const Json::exception&) {
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
