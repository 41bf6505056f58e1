// FieldPath: where core.mapper reads a value in a document.
//
//   code                 the key "code"
//   stock.qty            nested keys
//   lines[0].sku         an array item; lines[-1] is the last one
//   pictures[*].url      every item: the value is an array of what each item
//                        has there (items without it are left out)
//   ["a.b"] / ['x y']    a key with characters the dotted form cannot hold
//   $.currency           from the document's root, also inside `each`
//   @                    the scope itself: inside `each`, the item (a list of
//                        URLs to objects: each: {fields: {src: {from: "@"}}})
//
// A path is relative to its scope: the document, or inside `each` the item.
// A step that finds nothing (no such key, index past the end, a key on a
// number) means the value is missing, as does null; there are no errors at
// lookup time.
//
// Immutable once parsed; safe to share between threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::core {

// A value found in a document and the path that reached it, with concrete
// indices ("groups[2].title"); "" is the document itself.
struct Found {
  const nlohmann::json* value;
  std::string where;
};

// How to show a `where` to a person: the document itself is "$".
inline std::string shown(const std::string& where) { return where.empty() ? "$" : where; }

class FieldPath {
 public:
  // Parses `text`. On failure returns nullopt and sets *error to the reason,
  // phrased to follow the path: "has an empty key at character 3".
  static std::optional<FieldPath> parse(std::string_view text, std::string* error);

  const std::string& text() const { return text_; }
  bool has_wildcard() const;

  // Where this path points from a scope at `scope_where`, as written (for
  // saying where a missing value was looked for): "groups[1].title".
  std::string where_in(const std::string& scope_where) const;

  // The values at this path. Without a wildcard: one, or nullopt when
  // missing or null. With one: every non-null value found (maybe none), or
  // nullopt when what comes before the first [*] is missing or no array.
  // `scope_where` is where `scope` sits in `root`.
  std::optional<std::vector<Found>> resolve(const nlohmann::json& root, const nlohmann::json& scope,
                                            const std::string& scope_where) const;

 private:
  struct Step {
    enum class Kind { key, index, every } kind;
    std::string key;
    std::int64_t index = 0;
  };

  FieldPath(std::string text, bool from_root, std::vector<Step> steps)
      : text_(std::move(text)), from_root_(from_root), steps_(std::move(steps)) {}

  static void walk(const Step& step, const Found& from, std::vector<Found>& into);

  std::string text_;
  bool from_root_ = false;
  std::vector<Step> steps_;
};

}  // namespace weir::core
