// Template: text with placeholders for core.mapper's `template:` fields.
//
//   "{brand} {name}"        each {...} is a field path (mapper_path.hpp)
//   "{{literal}}"           {{ and }} stand for { and }
//
// A placeholder takes one value (no [*]); strings go in as they are, numbers
// in plain notation (5, 19.9), booleans as true/false. When any placeholder
// is missing or null the whole value is missing, so that the field's
// default, required or drop_if_empty decides, rather than a half-filled text
// such as " Shoe".
//
// Immutable once parsed; safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapper_path.hpp"

namespace weir::core {

class Template {
 public:
  // Parses `text`. On failure returns nullopt and sets *error to the
  // reason, phrased to follow the template: "has an unclosed '{' at
  // character 8".
  static std::optional<Template> parse(std::string_view text, std::string* error);

  enum class Outcome { text, missing, failed };

  // Fills the placeholders from `scope` (at `scope_where` in `root`).
  // text: *out holds the result. missing: *problem is where the first missing
  // value was looked for. failed: *problem says which value is not text.
  Outcome render(const nlohmann::json& root, const nlohmann::json& scope,
                 const std::string& scope_where, std::string* out, std::string* problem) const;

 private:
  struct Part {
    std::string literal;            // text before the placeholder
    std::optional<FieldPath> path;  // none for the text after the last one
  };
  explicit Template(std::vector<Part> parts) : parts_(std::move(parts)) {}

  std::vector<Part> parts_;
};

}  // namespace weir::core
