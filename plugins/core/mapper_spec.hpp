// FieldSpec: one output field of core.mapper as its config declares it,
// checked and compiled (paths and templates parsed, `type` resolved, const,
// default and map values converted once) when the topology is validated.
//
// The config grammar, and which keys go together, is documented on
// mapper.hpp. Compile errors name the field as the config nests it:
// "field 'regular_price': ...", "field 'categories[*].name': ...".
//
// Immutable once compiled; safe to share between threads.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mapper_convert.hpp"
#include "mapper_path.hpp"
#include "mapper_template.hpp"

namespace weir::core {

struct FieldSpec {
  std::string name;  // the output key; empty for the spec of `each`

  // Where the value comes from: one of these, or (for the spec of `each`
  // only) none, meaning the item itself. `from` with `fields` or `each`
  // says where the object or the array is.
  std::optional<FieldPath> from;
  std::optional<nlohmann::json> constant;  // already converted by `conversion`
  std::optional<Template> text;
  std::optional<std::vector<FieldSpec>> fields;  // makes an object
  std::unique_ptr<FieldSpec> each;               // makes an array, item by item

  bool required = false;
  std::optional<nlohmann::json> fallback;  // `default`, already converted
  std::optional<nlohmann::json> map;       // an object; values already converted
  std::optional<Conversion> conversion;    // `type` (+ decimals, rounding)
  bool drop_if_empty = false;
};

// Compiles a whole config ({"fields": {...}}). Every problem is appended to
// *errors (the result is then unusable); none means the config is valid.
std::vector<FieldSpec> compile_fields(const nlohmann::json& config,
                                      std::vector<std::string>* errors);

// The JSON Schema of the config (static text, built once), for
// weir_node_type.config_schema: the host checks a topology's config against
// it and reports each mistake at its line. Nested fields and each are
// described to a fixed depth; compile_fields checks every level.
const char* mapping_schema();

}  // namespace weir::core
