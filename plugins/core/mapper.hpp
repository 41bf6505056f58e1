// Mapping: the engine of core.mapper. It turns one JSON document into another
// as a config declares, field by field, e.g. an ERP product into a
// WooCommerce one:
//
//   fields:
//     sku:            {from: code, required: true}
//     name:           {template: "{brand} {name}"}
//     regular_price:  {from: price, type: decimal, decimals: 2}  # 19.9 -> "19.90"
//     stock_quantity: {from: stock.qty, type: integer, default: 0}
//     status:         {from: state, map: {A: publish, D: draft}, default: draft}
//     manage_stock:   {const: true}
//     description:    {from: texts.long, drop_if_empty: true}
//     dimensions:     {fields: {length: {from: dim.l, type: decimal, decimals: 1}}}
//     categories:     {from: groups, each: {fields: {name: {from: title}}}}
//     images:         {from: "pictures[*].url"}
//
// Each output field takes its value from one of:
//   from: PATH        a value of the input (paths: mapper_path.hpp)
//   const: VALUE      this value
//   template: TEXT    text with {path} placeholders (mapper_template.hpp)
//   fields: {...}     an object made of these fields, read in the same scope,
//                     or with `from` in the object found there
//   from + each: SPEC an array: SPEC applied to each item of the array at
//                     `from` (inside SPEC, paths start at the item, and a
//                     SPEC without from/const/template/fields is the item)
// and then, in this order:
//   missing           absent or null (also a template with a missing
//                     placeholder): `default` if given, else an error if
//                     `required: true`, else null
//   map: {IN: OUT}    looks the value's text up (1 and "1" are both "1");
//                     not found: `default` if given, else an error naming
//                     the value and its path
//   type: T           string, number, integer, boolean or decimal
//                     (`decimals`, default 2, 0 to 18; `rounding`, half_up
//                     (default) or half_even): mapper_convert.hpp
//   drop_if_empty     leaves the key out (in `each`, the item) when the
//                     value is null, "", [] or {}
// `map` and `type` apply to each item of an array value (from a [*] path).
// `default`, `const` and map values are outputs: they are converted by
// `type` when the config is compiled, not mapped again ("" stays "" for
// type decimal: `default: ""` clears a shop's sale price).
//
// An error (a required value missing, a value not in the map, text that is
// no number) fails the message it happened in, naming the output field and
// the input path: "field 'categories[1].name' is required, but
// 'groups[1].title' is missing".
//
// No weir host types here: the node in core_plugin.cpp wraps this.
// A Mapping is immutable once compiled; map() may run on many threads at once.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace weir::core {

struct FieldSpec;  // mapper_spec.hpp

class Mapping {
 public:
  // Compiles a node config. On any problem returns nullopt and appends each
  // one to *errors, naming the output field: "field 'regular_price': type
  // 'decmal' is not one of string, number, integer, boolean, decimal".
  static std::optional<Mapping> compile(const nlohmann::json& config,
                                        std::vector<std::string>* errors);

  // The config's JSON Schema text (static), for weir_node_type.config_schema.
  static const char* schema();

  struct Mapped {
    bool ok = false;
    nlohmann::json document;  // when ok
    std::string error;        // when not: what failed, field and path named
  };

  // Maps one input document.
  Mapped map(const nlohmann::json& input) const;

 private:
  explicit Mapping(std::shared_ptr<const std::vector<FieldSpec>> fields)
      : fields_(std::move(fields)) {}

  std::shared_ptr<const std::vector<FieldSpec>> fields_;
};

}  // namespace weir::core
