#include "mapper_convert.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace weir::core {
namespace {

using nlohmann::json;

bool refuse(std::string* error, std::string reason) {
  *error = std::move(reason);
  return false;
}

// A JSON number as a Decimal: integers by their exact digits, doubles by
// their shortest round-trip text.
std::optional<Decimal> number_decimal(const json& v, std::string* error) {
  if (v.is_number_unsigned()) return parse_decimal(std::to_string(v.get<std::uint64_t>()), error);
  if (v.is_number_integer()) return parse_decimal(std::to_string(v.get<std::int64_t>()), error);
  const double d = v.get<double>();
  if (!std::isfinite(d)) {
    *error = "is not a finite number";
    return std::nullopt;
  }
  return parse_decimal(shortest_text(d), error);
}

// Any numeric value or decimal text as a Decimal; other kinds are refused.
std::optional<Decimal> to_decimal(const json& v, std::string* error) {
  if (v.is_number()) return number_decimal(v, error);
  if (v.is_string()) return parse_decimal(v.get_ref<const std::string&>(), error);
  *error = "is " + kind_of(v) + ", not a number";
  return std::nullopt;
}

// A whole Decimal as a JSON integer, if it fits 64 bits (signed below zero,
// unsigned above).
std::optional<json> whole_integer(const Decimal& d) {
  if (d.is_zero()) return json(0);
  if (d.integer_digits() > 20) return std::nullopt;
  const std::string text = d.digits + std::string(static_cast<std::size_t>(d.exponent), '0');
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!d.negative) return json(magnitude);
  constexpr auto kMinMagnitude = std::uint64_t{1} << 63;  // |INT64_MIN|
  if (magnitude > kMinMagnitude) return std::nullopt;
  if (magnitude == kMinMagnitude) return json(std::numeric_limits<std::int64_t>::min());
  return json(-static_cast<std::int64_t>(magnitude));
}

bool to_number(const json& in, json& out, std::string* error) {
  if (in.is_number()) {
    if (in.is_number_float() && !std::isfinite(in.get<double>())) {
      return refuse(error, "is not a finite number");
    }
    out = in;
    return true;
  }
  std::optional<Decimal> d = to_decimal(in, error);
  if (!d) return false;
  if (d->is_whole()) {
    if (auto whole = whole_integer(*d)) {
      out = *whole;
      return true;
    }
  }
  // The nearest double to the decimal, read from its exact digits.
  const std::string text = (d->negative ? "-" : "") + d->digits + "e" + std::to_string(d->exponent);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) return refuse(error, "is out of range");
  out = value;
  return true;
}

bool to_integer(const json& in, json& out, std::string* error) {
  if (in.is_number_integer()) {  // signed or unsigned
    out = in;
    return true;
  }
  std::optional<Decimal> d = to_decimal(in, error);
  if (!d) return false;
  if (!d->is_whole()) return refuse(error, "is not a whole number");
  std::optional<json> whole = whole_integer(*d);
  if (!whole) return refuse(error, "is out of range for a 64-bit integer");
  out = *whole;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool to_boolean(const json& in, json& out, std::string* error) {
  const std::string kReason = "is not a boolean (true, false, yes, no, 1, 0)";
  if (in.is_boolean()) {
    out = in;
    return true;
  }
  if (in.is_number()) {
    if (in != 0 && in != 1) return refuse(error, kReason);
    out = in == 1;
    return true;
  }
  if (!in.is_string()) return refuse(error, kReason);
  std::string text = lower(in.get_ref<const std::string&>());
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  if (text == "true" || text == "yes" || text == "1") {
    out = true;
  } else if (text == "false" || text == "no" || text == "0") {
    out = false;
  } else {
    return refuse(error, kReason);
  }
  return true;
}

bool to_decimal_text(const json& in, const Conversion& c, json& out, std::string* error) {
  std::optional<Decimal> d = to_decimal(in, error);
  if (!d) return false;
  out = format_fixed(*d, c.decimals, c.rounding);
  return true;
}

}  // namespace

std::string kind_of(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_string()) return "text";
  return "a number";
}

std::string excerpt(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() <= 60) return text;
  std::size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // not mid-character
  return text.substr(0, cut) + "...";
}

std::optional<ValueType> value_type_named(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, ValueType>, 5> kTypes = {{
      {"string", ValueType::string},
      {"number", ValueType::number},
      {"integer", ValueType::integer},
      {"boolean", ValueType::boolean},
      {"decimal", ValueType::decimal},
  }};
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool scalar_text(const json& value, std::string& out, std::string* error) {
  if (value.is_string()) {
    out = value.get<std::string>();
    return true;
  }
  if (value.is_boolean()) {
    out = value.get<bool>() ? "true" : "false";
    return true;
  }
  if (!value.is_number()) return refuse(error, "is " + kind_of(value) + ", not text");
  std::optional<Decimal> d = number_decimal(value, error);
  if (!d) return false;
  out = format_plain(*d);
  return true;
}

bool convert(const json& in, const Conversion& conversion, json& out, std::string* error) {
  switch (conversion.type) {
    case ValueType::string: {
      std::string text;
      if (!scalar_text(in, text, error)) return false;
      out = std::move(text);
      return true;
    }
    case ValueType::number:
      return to_number(in, out, error);
    case ValueType::integer:
      return to_integer(in, out, error);
    case ValueType::boolean:
      return to_boolean(in, out, error);
    case ValueType::decimal:
      return to_decimal_text(in, conversion, out, error);
  }
  return refuse(error, "has a type this mapper does not know");
}

}  // namespace weir::core
