#include "mapper_spec.hpp"

#include <algorithm>
#include <cmath>

namespace weir::core {
namespace {

using nlohmann::json;

// Nesting of fields and each; the config itself is bounded by the host, this
// keeps the compiler's recursion bounded for any caller.
constexpr int kMaxDepth = 32;
constexpr int kMaxDecimals = 18;
// How deep mapping_schema() describes nested fields and each.
constexpr int kSchemaDepth = 3;

const std::vector<std::string> kSpecKeys = {"from", "const",    "template", "fields",
                                            "each", "required", "default",  "map",
                                            "type", "decimals", "rounding", "drop_if_empty"};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool has_unknown_key(const json& spec) {
  for (const auto& [key, _] : spec.items()) {
    if (std::find(kSpecKeys.begin(), kSpecKeys.end(), key) == kSpecKeys.end()) return true;
  }
  return false;
}

// The spec's `type`, if it names one (a bad name is reported where read).
std::optional<ValueType> declared_type(const json& spec) {
  auto it = spec.find("type");
  if (it == spec.end() || !it->is_string()) return std::nullopt;
  return value_type_named(it->get<std::string>());
}

class SpecCompiler {
 public:
  explicit SpecCompiler(std::vector<std::string>* errors) : errors_(errors) {}

  // The fields of an object; `owner` is the label of the field holding them
  // ("" for the config's own `fields`).
  std::vector<FieldSpec> fields(const json& v, const std::string& owner, int depth) {
    std::vector<FieldSpec> out;
    const std::string what = owner.empty() ? "'fields'" : "fields";
    if (!v.is_object()) {
      problem(owner, what + " must be an object of output fields, got " + excerpt(v));
    } else if (v.empty()) {
      problem(owner, what + " is empty: name at least one output field");
    }
    if (!v.is_object()) return out;
    for (const auto& [name, spec_config] : v.items()) {
      if (name.empty()) {
        problem(owner, "an output field has an empty name");
        continue;
      }
      const std::string label = owner.empty() ? name : owner + "." + name;
      out.push_back(spec(spec_config, label, name, /*item=*/false, depth));
    }
    return out;
  }

  FieldSpec spec(const json& v, const std::string& label, std::string name, bool item, int depth) {
    FieldSpec s;
    s.name = std::move(name);
    if (!v.is_object()) {
      problem(label, "expected an object such as {from: code} or {const: 1}, got " + excerpt(v));
      return s;
    }
    if (depth > kMaxDepth) {
      problem(label, "fields and each nest deeper than " + std::to_string(kMaxDepth) + " levels");
      return s;
    }
    for (const auto& [key, value] : v.items()) read_key(s, key, value, label, depth);
    check_combination(s, v, label, item);
    convert_values(s, v, label);
    return s;
  }

 private:
  void problem(const std::string& label, const std::string& what) {
    errors_->push_back(label.empty() ? what : "field '" + label + "': " + what);
  }

  bool boolean(const json& value, const std::string& key, const std::string& label) {
    if (value.is_boolean()) return value.get<bool>();
    problem(label, key + " must be true or false, got " + excerpt(value));
    return false;
  }

  void read_key(FieldSpec& s, const std::string& key, const json& value, const std::string& label,
                int depth) {
    std::string why;
    if (key == "from") {
      if (!value.is_string())
        return problem(label, "from must be a path such as stock.qty, got " + excerpt(value));
      s.from = FieldPath::parse(value.get<std::string>(), &why);
      if (!s.from) problem(label, "from " + excerpt(value) + " " + why);
    } else if (key == "const") {
      s.constant = value;
    } else if (key == "template") {
      if (!value.is_string()) return problem(label, "template must be text, got " + excerpt(value));
      s.text = Template::parse(value.get<std::string>(), &why);
      if (!s.text) problem(label, "template " + excerpt(value) + " " + why);
    } else if (key == "fields") {
      s.fields = fields(value, label, depth + 1);
    } else if (key == "each") {
      s.each =
          std::make_unique<FieldSpec>(spec(value, label + "[*]", "", /*item=*/true, depth + 1));
    } else if (key == "required") {
      s.required = boolean(value, key, label);
    } else if (key == "drop_if_empty") {
      s.drop_if_empty = boolean(value, key, label);
    } else if (key == "default") {
      s.fallback = value;
    } else if (key == "map") {
      read_map(s, value, label);
    } else if (key == "type" || key == "decimals" || key == "rounding") {
      read_conversion(s, key, value, label);
    } else {
      problem(label, "unknown key '" + key + "' (known: " + joined(kSpecKeys) + ")");
    }
  }

  void read_map(FieldSpec& s, const json& value, const std::string& label) {
    if (!value.is_object()) {
      return problem(label,
                     "map must be an object of input value to output value, got " + excerpt(value));
    }
    if (value.empty()) return problem(label, "map is empty: it would match no value");
    s.map = value;
  }

  void read_conversion(FieldSpec& s, const std::string& key, const json& value,
                       const std::string& label) {
    if (!s.conversion) s.conversion = Conversion{};
    if (key == "type") {
      std::optional<ValueType> type =
          value.is_string() ? value_type_named(value.get<std::string>()) : std::nullopt;
      if (!type) {
        return problem(
            label, "type " +
                       (value.is_string() ? "'" + value.get<std::string>() + "'" : excerpt(value)) +
                       " is not one of " + kValueTypeNames);
      }
      s.conversion->type = *type;
    } else if (key == "decimals") {
      const bool whole = value.is_number() && std::isfinite(value.get<double>()) &&
                         std::floor(value.get<double>()) == value.get<double>();
      if (!whole || value.get<double>() < 0 || value.get<double>() > kMaxDecimals) {
        return problem(label, "decimals " + excerpt(value) +
                                  " is out of range (a whole number from 0 to " +
                                  std::to_string(kMaxDecimals) + ")");
      }
      s.conversion->decimals = static_cast<int>(value.get<double>());
    } else if (value == "half_up" || value == "half_even") {
      s.conversion->rounding = value == "half_up" ? Rounding::half_up : Rounding::half_even;
    } else {
      problem(label, "rounding " + excerpt(value) + " is not one of half_up, half_even");
    }
  }

  void check_combination(const FieldSpec& s, const json& v, const std::string& label, bool item) {
    auto has = [&](const char* key) { return v.contains(key); };
    auto cannot_go_with = [&](const char* key, std::initializer_list<const char*> others,
                              const std::string& why) {
      if (!has(key)) return;
      for (const char* other : others) {
        if (has(other)) problem(label, std::string(key) + " cannot go with " + other + why);
      }
    };
    cannot_go_with("const", {"from", "template", "fields", "each", "required", "default", "map"},
                   " (const is the value itself)");
    cannot_go_with("template", {"from", "fields", "each"}, " (the template makes the value)");
    cannot_go_with("fields", {"each"}, " (put fields inside each: each: {fields: {...}})");
    for (const char* whole : {"fields", "each"}) {
      cannot_go_with(whole, {"map", "type", "decimals", "rounding"},
                     std::string(" (those convert single values: put them on the ") +
                         (std::string(whole) == "each" ? "spec inside each)" : "inner fields)"));
    }
    cannot_go_with("required", {"default"}, " (with a default the value is never missing)");
    if (has("each") && !has("from"))
      problem(label, "each needs from, the array to map item by item");
    if (has("fields") && s.from && s.from->has_wildcard()) {
      problem(label, "fields needs from to find one object; from \"" + s.from->text() +
                         "\" finds many (use each: {fields: {...}})");
    }
    // each without from is reported above; an unknown key is likely the
    // source misspelt, reported already.
    const bool has_source = has("from") || has("const") || has("template") || has("fields") ||
                            has("each") || has_unknown_key(v);
    if (!item && !has_source) {
      problem(label, "needs one of from, const, template or fields (where its value comes from)");
    }
    const std::optional<ValueType> type = declared_type(v);
    if ((has("decimals") || has("rounding")) &&
        (!has("type") || (type && type != ValueType::decimal))) {
      problem(label, "decimals and rounding are for type decimal only");
    }
  }

  // const, default and map values are converted now, so a bad one is a
  // config error and each message need not convert them again.
  void convert_values(FieldSpec& s, const json& v, const std::string& label) {
    if (!s.conversion || !declared_type(v) || s.fields || s.each) return;
    auto convert_one = [&](json& value, const std::string& what) {
      std::string why;
      json out;
      if (value.is_null()) return;
      // "" stays "" for a decimal: the shops' "no value" (a cleared sale price).
      if (s.conversion->type == ValueType::decimal && value == "") return;
      if (convert(value, *s.conversion, out, &why)) {
        value = std::move(out);
      } else {
        problem(label, what + " " + excerpt(value) + " " + why);
      }
    };
    if (s.constant) convert_one(*s.constant, "const");
    if (s.fallback) convert_one(*s.fallback, "default");
    if (s.map) {
      for (auto& [key, value] : s.map->items()) convert_one(value, "map value for '" + key + "':");
    }
  }

  std::vector<std::string>* errors_;
};

json spec_schema(int depth) {
  const json object = {{"type", "object"}};
  json properties = {
      {"from", {{"type", "string"}, {"minLength", 1}}},
      {"const", json::object()},
      {"template", {{"type", "string"}}},
      {"fields", depth > 0
                     ? json{{"type", "object"}, {"additionalProperties", spec_schema(depth - 1)}}
                     : object},
      {"each", depth > 0 ? spec_schema(depth - 1) : object},
      {"required", {{"type", "boolean"}}},
      {"default", json::object()},
      {"map", object},
      {"type",
       {{"type", "string"},
        {"enum", json::array({"string", "number", "integer", "boolean", "decimal"})}}},
      {"decimals", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxDecimals}}},
      {"rounding", {{"type", "string"}, {"enum", json::array({"half_up", "half_even"})}}},
      {"drop_if_empty", {{"type", "boolean"}}},
  };
  return {{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
}

}  // namespace

std::vector<FieldSpec> compile_fields(const json& config, std::vector<std::string>* errors) {
  if (!config.is_object()) {
    errors->push_back("config must be an object with 'fields', got " + excerpt(config));
    return {};
  }
  for (const auto& [key, value] : config.items()) {
    if (key != "fields") errors->push_back("unknown config key '" + key + "' (known: fields)");
  }
  if (!config.contains("fields")) {
    errors->push_back("config needs 'fields', the output fields to make (e.g. sku: {from: code})");
    return {};
  }
  return SpecCompiler(errors).fields(config["fields"], "", 0);
}

const char* mapping_schema() {
  static const std::string kText =
      json{
          {"type", "object"},
          {"additionalProperties", false},
          {"required", json::array({"fields"})},
          {"properties",
           {{"fields", {{"type", "object"}, {"additionalProperties", spec_schema(kSchemaDepth)}}}}}}
          .dump();
  return kText.c_str();
}

}  // namespace weir::core
