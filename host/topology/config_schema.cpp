#include "topology/config_schema.hpp"

#include <cmath>
#include <optional>
#include <regex>
#include <set>

#include <weir/payload.hpp>

#include "topology/suggestions.hpp"

namespace weir::topology {
namespace {

using nlohmann::json;
using Pointer = json::json_pointer;

const std::set<std::string> kTypeNames = {"string", "integer", "number", "boolean",
                                          "object", "array",   "null"};

bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool is_non_negative_integer(const json& v) { return is_integral(v) && v.get<double>() >= 0; }

// ---- checking the schema itself (the node type's part) ----

class SchemaCheck {
 public:
  std::vector<std::string> problems;

  void check(const json& schema, const std::string& where) {
    if (schema.is_boolean()) return;
    if (!schema.is_object()) return problem(where, "a schema must be an object or a boolean");
    check_type(schema, where);
    check_kind(schema, where, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
               &json::is_number, "a number");
    check_kind(schema, where, {"minLength", "maxLength", "minItems", "maxItems"},
               &is_non_negative_integer, "a non-negative integer");
    check_kind(schema, where, {"enum"}, &json::is_array, "an array");
    check_kind(schema, where, {"properties"}, &json::is_object, "an object");
    check_required(schema, where);
    check_pattern(schema, where);
    check_subschemas(schema, where);
  }

 private:
  void problem(const std::string& where, const std::string& what) {
    problems.push_back((where.empty() ? "#" : "#" + where) + ": " + what);
  }

  template <class Test>
  void check_kind(const json& schema, const std::string& where,
                  std::initializer_list<const char*> keywords, Test test, const char* kind) {
    for (const char* k : keywords) {
      auto it = schema.find(k);
      if (it != schema.end() && !std::invoke(test, *it)) {
        problem(where, std::string("'") + k + "' must be " + kind + ", got " + it->dump());
      }
    }
  }

  void check_type(const json& schema, const std::string& where) {
    auto it = schema.find("type");
    if (it == schema.end()) return;
    json names = it->is_array() ? *it : json::array({*it});
    for (const json& name : names) {
      if (!name.is_string() || !kTypeNames.count(name.get<std::string>())) {
        problem(where, "'type' " + name.dump() + " is not one of " + json(kTypeNames).dump());
      }
    }
    if (names.empty()) problem(where, "'type' is an empty list");
  }

  void check_required(const json& schema, const std::string& where) {
    auto it = schema.find("required");
    if (it == schema.end()) return;
    bool ok = it->is_array();
    for (const json& name : ok ? *it : json::array()) ok = ok && name.is_string();
    if (!ok) problem(where, "'required' must be an array of key names, got " + it->dump());
  }

  void check_pattern(const json& schema, const std::string& where) {
    auto it = schema.find("pattern");
    if (it == schema.end()) return;
    if (!it->is_string()) return problem(where, "'pattern' must be a string, got " + it->dump());
    try {
      std::regex re(it->get<std::string>(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      problem(where, "'pattern' " + it->dump() + " is not a valid regex (" + e.what() + ")");
    }
  }

  void check_subschemas(const json& schema, const std::string& where) {
    for (const char* k : {"additionalProperties", "items"}) {
      if (schema.contains(k)) check(schema[k], where + "/" + k);
    }
    auto props = schema.find("properties");
    if (props == schema.end() || !props->is_object()) return;
    for (const auto& [name, sub] : props->items()) {
      check(sub, (Pointer(where) / "properties" / name).to_string());
    }
  }
};

// ---- validating a config ----

std::string type_of(const json& v) {
  if (v.is_number()) return is_integral(v) && !v.is_number_float() ? "integer" : "number";
  return v.type_name();
}

std::string describe(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_object() || v.is_array()) return type_of(v);
  return type_of(v) + " " + v.dump();
}

bool has_type(const json& v, const std::string& type) {
  if (type == "integer") return is_integral(v);
  if (type == "number") return v.is_number();
  return type_of(v) == type;
}

std::size_t characters(const std::string& utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

// A count keyword (minLength, maxItems, ...), if the schema has it; parse()
// made sure it is a non-negative integer.
std::optional<std::size_t> count_limit(const json& schema, const char* keyword) {
  auto it = schema.find(keyword);
  if (it == schema.end()) return std::nullopt;
  return static_cast<std::size_t>(it->get<double>());
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

class Validator {
 public:
  std::vector<SchemaError> errors;

  void validate(const json& v, const json& schema, const Pointer& at) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) fail(at, "no value is allowed here");
      return;
    }
    if (!check_type(v, schema, at)) return;
    check_enum_const(v, schema, at);
    if (v.is_number()) check_number(v, schema, at);
    if (v.is_string()) check_string(v.get<std::string>(), schema, at);
    if (v.is_array()) check_array(v, schema, at);
    if (v.is_object()) check_object(v, schema, at);
  }

 private:
  void fail(const Pointer& at, std::string message, const Pointer* located = nullptr) {
    errors.push_back({at.to_string(), (located ? *located : at).to_string(), std::move(message)});
  }

  bool check_type(const json& v, const json& schema, const Pointer& at) {
    auto it = schema.find("type");
    if (it == schema.end()) return true;
    json names = it->is_array() ? *it : json::array({*it});
    std::string expected;
    for (const json& name : names) {
      if (has_type(v, name.get<std::string>())) return true;
      expected += (expected.empty() ? "" : " or ") + name.get<std::string>();
    }
    fail(at, "expected " + expected + ", got " + describe(v));
    return false;
  }

  void check_enum_const(const json& v, const json& schema, const Pointer& at) {
    auto e = schema.find("enum");
    if (e != schema.end() && std::find(e->begin(), e->end(), v) == e->end()) {
      fail(at, v.dump() + " is not one of " + e->dump());
    }
    auto c = schema.find("const");
    if (c != schema.end() && *c != v) fail(at, "must be " + c->dump() + ", got " + v.dump());
  }

  void check_number(const json& v, const json& schema, const Pointer& at) {
    double d = v.get<double>();
    auto bound = [&](const char* key, auto breaks, const char* text) {
      auto it = schema.find(key);
      if (it != schema.end() && breaks(d, it->get<double>())) {
        fail(at, v.dump() + " " + text + " " + it->dump());
      }
    };
    bound("minimum", std::less<double>(), "is less than the minimum");
    bound("maximum", std::greater<double>(), "is more than the maximum");
    bound("exclusiveMinimum", std::less_equal<double>(), "must be greater than");
    bound("exclusiveMaximum", std::greater_equal<double>(), "must be less than");
  }

  void check_string(const std::string& s, const json& schema, const Pointer& at) {
    std::size_t n = characters(s);
    if (auto min = count_limit(schema, "minLength"); min && n < *min) {
      fail(at, json(s).dump() + " is shorter than " + plural(*min, "character"));
    }
    if (auto max = count_limit(schema, "maxLength"); max && n > *max) {
      fail(at, json(s).dump() + " is longer than " + plural(*max, "character"));
    }
    auto p = schema.find("pattern");
    if (p != schema.end() && !std::regex_search(s, std::regex(p->get<std::string>()))) {
      fail(at, json(s).dump() + " does not match the pattern " + p->get<std::string>());
    }
  }

  void check_array(const json& v, const json& schema, const Pointer& at) {
    if (auto min = count_limit(schema, "minItems"); min && v.size() < *min) {
      fail(at,
           "has " + plural(v.size(), "item") + ", fewer than the minimum " + std::to_string(*min));
    }
    if (auto max = count_limit(schema, "maxItems"); max && v.size() > *max) {
      fail(at,
           "has " + plural(v.size(), "item") + ", more than the maximum " + std::to_string(*max));
    }
    auto items = schema.find("items");
    if (items == schema.end()) return;
    for (std::size_t i = 0; i < v.size(); ++i) validate(v[i], *items, at / i);
  }

  void check_object(const json& v, const json& schema, const Pointer& at) {
    static const json kNone = json::object();
    auto props = schema.find("properties");
    const json& properties = props == schema.end() ? kNone : *props;
    for (const json& name : schema.value("required", json::array())) {
      if (!v.contains(name.get<std::string>())) fail(at, "missing required key " + name.dump());
    }
    for (const auto& [key, value] : v.items()) {
      if (properties.contains(key)) {
        validate(value, properties[key], at / key);
      } else if (schema.contains("additionalProperties")) {
        check_additional(key, value, schema["additionalProperties"], properties, at);
      }
    }
  }

  void check_additional(const std::string& key, const json& value, const json& rule,
                        const json& properties, const Pointer& at) {
    if (!rule.is_boolean()) return validate(value, rule, at / key);
    if (rule.get<bool>()) return;
    std::vector<std::string> allowed;
    for (const auto& [name, _] : properties.items()) allowed.push_back(name);
    std::string known = allowed.empty()
                            ? "this config takes no keys"
                            : did_you_mean(key, allowed) + "allowed: " + name_list(allowed);
    Pointer located = at / key;
    fail(at, "unknown key " + json(key).dump() + " (" + known + ")", &located);
  }
};

std::string strip_exception_id(const std::string& what) {
  // nlohmann prefixes "[json.exception.parse_error.101] "; the rest says it all.
  const auto start = what.find("[json.exception.");
  const auto end = what.find("] ", start);
  if (start == std::string::npos || end == std::string::npos) return what;
  return what.substr(0, start) + what.substr(end + 2);
}

}  // namespace

std::string SchemaError::to_string() const { return (path.empty() ? "/" : path) + ": " + message; }

Result<ConfigSchema> ConfigSchema::parse(std::string_view text) {
  const std::string fault =
      "the node type's config_schema is broken (a bug in the plugin, "
      "not in the topology): ";
  json schema;
  try {
    schema = payload::parse_json_text(text);  // bounded: the schema is the plugin's text
  } catch (const PayloadError& e) {
    return Status::error(fault + strip_exception_id(e.what()));
  }
  SchemaCheck check;
  check.check(schema, "");
  if (!check.problems.empty()) return Status::error(fault + name_list(check.problems));
  return ConfigSchema(std::move(schema));
}

std::vector<SchemaError> ConfigSchema::validate(const json& config) const {
  Validator validator;
  validator.validate(config, schema_, Pointer());
  return std::move(validator.errors);
}

}  // namespace weir::topology
