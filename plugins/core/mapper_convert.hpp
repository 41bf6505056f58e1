// Type conversions of one value for core.mapper (`type:` of a field), and the
// text of a scalar as templates and value maps see it.
//
//   string   text as is; a number in plain notation (5, 19.9, not "5.0" nor
//            "1e+21"; integers up to 64 bits exactly); true/false
//   number   a number as is; decimal text becomes an integer when it is whole
//            and fits 64 bits, else the nearest double
//   integer  a whole number (5, 5.0, "5", "5.000"); 5.5 or "5.5" is an error,
//            never silently rounded
//   boolean  true/false; 1/0; the text true/false/yes/no/1/0 (any case)
//   decimal  text with exactly `decimals` digits after the point, rounded on
//            the decimal digits (mapper_decimal.hpp): "19.9", 19.9 and
//            "1.99e1" are all "19.90" with 2 decimals
// A boolean never becomes a number, and an object or array is no scalar: both
// are errors. Spaces around numeric and boolean text are ignored.
//
// Pure functions; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mapper_decimal.hpp"

namespace weir::core {

enum class ValueType { string, number, integer, boolean, decimal };

// For error texts: "string, number, integer, boolean, decimal".
inline constexpr const char* kValueTypeNames = "string, number, integer, boolean, decimal";

// The type called `name` in a config, if there is one.
std::optional<ValueType> value_type_named(std::string_view name);

struct Conversion {
  ValueType type = ValueType::string;
  int decimals = 2;  // type decimal only
  Rounding rounding = Rounding::half_up;
};

// Converts `in` (not null) as `conversion` says into `out`. On failure
// returns false and sets *error to the reason, phrased to follow the value:
// "is not a decimal number", "is not a whole number", "is out of range".
bool convert(const nlohmann::json& in, const Conversion& conversion, nlohmann::json& out,
             std::string* error);

// What kind of value `v` is, for error texts: "an object", "text", "a number".
std::string kind_of(const nlohmann::json& v);

// `v` as an error text shows it: JSON, cut to about 60 characters, bad UTF-8
// replaced (a payload's strings need not be UTF-8).
std::string excerpt(const nlohmann::json& v);

// The text of a string, number or boolean, as `string` conversion makes it.
// False (with *error) for null, objects, arrays and non-finite numbers.
bool scalar_text(const nlohmann::json& value, std::string& out, std::string* error);

}  // namespace weir::core
