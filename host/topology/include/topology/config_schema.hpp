// ConfigSchema: checks a node's config (JSON) against the JSON Schema its node
// type declares (weir_node_type.config_schema).
//
// Supported: type (one name or a list: string, integer, number, boolean,
// object, array, null), properties, required, additionalProperties (false or
// a schema), enum, const, minimum/maximum/exclusiveMinimum/exclusiveMaximum
// (numbers), minLength/maxLength (in characters), pattern (ECMAScript, found
// anywhere in the string unless anchored), items (one schema for every item),
// minItems/maxItems. `default` and `description` are documentation; other
// keywords are ignored. An integral number such as 2.0 counts as an integer.
//
// A broken schema (text that is not JSON, a keyword with a value of the wrong
// kind, a pattern that is no regex) is the node type's fault, found by
// parse(), and the error says so: the user cannot fix it in their topology.
//
// Errors are values. A ConfigSchema is immutable; safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace weir::topology {

// One way a config breaks its schema.
struct SchemaError {
  std::string path;     // JSON pointer of the value at fault; "" = the whole config
  std::string located;  // the part to show the reader: `path`, except for an
                        // unknown key, where it is the key's own pointer
  std::string message;  // e.g. "\"verbose\" is not one of [\"info\",\"warn\"]"
  // "/level: <message>"; the whole config shows as "/".
  std::string to_string() const;
};

class ConfigSchema {
 public:
  // Parses and checks JSON Schema text. The error names every problem of the
  // schema itself and says it is the node type's fault.
  static Result<ConfigSchema> parse(std::string_view text);

  // Every way `config` breaks the schema, in document order; empty = valid.
  std::vector<SchemaError> validate(const nlohmann::json& config) const;

 private:
  explicit ConfigSchema(nlohmann::json schema) : schema_(std::move(schema)) {}
  nlohmann::json schema_;  // an object or a boolean, checked by parse()
};

}  // namespace weir::topology
