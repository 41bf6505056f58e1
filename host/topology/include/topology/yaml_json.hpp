// Turns a YAML value (a node's `config`) into the JSON a plugin receives, and
// remembers the YAML line each part came from, so that a problem found later
// in the JSON (by the config schema) can be reported at the line of its key.
//
// Scalars follow the YAML 1.2 core schema. Plain null, Null, NULL, ~ and an
// empty value are null; true/True/TRUE/false/False/FALSE are booleans;
// [-+]?[0-9]+, 0o17 and 0x1F are integers; 1.5, -2e3, .5 are numbers; every
// other plain scalar, every quoted one and every !!str is a string.
// Values JSON cannot hold are errors: .inf, .nan, integers beyond 64 bits,
// mapping keys that are not scalars, and a key repeated in one mapping (the
// first one is kept).
#pragma once

#include <weir/abi.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace weir::topology {

struct YamlJsonError {
  std::string path;  // JSON pointer of the part at fault ("" = the value itself)
  int line = 0;      // 1-based
  std::string message;
};

struct YamlJson {
  nlohmann::json value;
  // JSON pointer -> 1-based line. For a mapping entry, the line of its key.
  std::map<std::string, int> lines;
  std::vector<YamlJsonError> errors;

  // The line of `pointer`, else of its nearest ancestor that has one; 0 if none.
  int line_of(const std::string& pointer) const;
};

// At most this many values (scalars, lists, mappings) come out of one
// document's conversions, aliases counted every time they are used; and
// nesting stops at WEIR_MAX_NESTING (abi.h), as for every document the host
// accepts.
constexpr std::size_t kMaxYamlValues = 100000;
constexpr std::size_t kMaxNesting = WEIR_MAX_NESTING;

// Converts `node`. `line` (1-based) is recorded for the value itself (pointer
// ""), e.g. the line of the key that holds it; 0 means the node's own line.
// Past either bound, one error says which, and the conversion stops there.
// `budget`: values left for the whole document, shared by its conversions
// (counted down); null: kMaxYamlValues for this one.
YamlJson yaml_to_json(const YAML::Node& node, int line = 0, std::size_t* budget = nullptr);

// A 1-based line for `node`, or 0 if yaml-cpp has no position for it.
int yaml_line(const YAML::Node& node);

}  // namespace weir::topology
