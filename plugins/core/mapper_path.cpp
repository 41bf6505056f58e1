#include "mapper_path.hpp"

#include <algorithm>
#include <charconv>

namespace weir::core {
namespace {

using nlohmann::json;

// Reads one path, reporting the first mistake with its 1-based character.
class PathReader {
 public:
  explicit PathReader(std::string_view text) : text_(text) {}

  std::string error;

  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip() { ++pos_; }

  bool fail(const std::string& what, std::size_t at) {
    error = "has " + what + " at character " + std::to_string(at + 1);
    return false;
  }

  // A dotted key: everything up to the next '.', '[' or ']'.
  bool key(std::string& out) {
    const std::size_t start = pos_;
    while (!at_end() && peek() != '.' && peek() != '[' && peek() != ']') skip();
    if (pos_ == start) return fail("an empty key", start);
    out.assign(text_.substr(start, pos_ - start));
    return true;
  }

  // After '[': `*]`, `N]`, `-N]`, `"key"]` or `'key']`.
  bool bracket(std::string& key, std::int64_t& index, bool& every, bool& is_key) {
    const std::size_t open = pos_ - 1;
    const std::size_t close = text_.find(']', pos_);
    if (!at_end() && (peek() == '"' || peek() == '\'')) {
      const char quote = peek();
      const std::size_t end = text_.find(quote, pos_ + 1);
      if (end == std::string_view::npos || end + 1 >= text_.size() || text_[end + 1] != ']') {
        return fail("an unclosed quoted key", open);
      }
      key.assign(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 2;
      is_key = true;
      return true;
    }
    if (close == std::string_view::npos) return fail("an unclosed '['", open);
    const std::string_view inside = text_.substr(pos_, close - pos_);
    pos_ = close + 1;
    if (inside == "*") {
      every = true;
      return true;
    }
    auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), index);
    if (inside.empty() || ec != std::errc() || end != inside.data() + inside.size()) {
      return fail("a bad index '[" + std::string(inside) + "]' (use [0], [-1], [*] or [\"key\"])",
                  open);
    }
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool is_plain_key(const std::string& key) {
  return !key.empty() && key.find_first_of(".[]\"'$") == std::string::npos;
}

std::string key_where(const std::string& where, const std::string& key) {
  if (is_plain_key(key)) return where.empty() ? key : where + "." + key;
  return where + "[" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}

}  // namespace

std::optional<FieldPath> FieldPath::parse(std::string_view text, std::string* error) {
  if (text.empty()) {
    *error = "is empty";
    return std::nullopt;
  }
  if (text == "@") return FieldPath(std::string(text), false, {});  // the scope itself
  PathReader r(text);
  bool from_root = false;
  std::vector<Step> steps;
  if (r.peek() == '$') {
    from_root = true;
    r.skip();
  }
  bool first = true;
  bool ok = true;
  while (ok && !r.at_end()) {
    Step step{Step::Kind::key, {}, 0};
    const char c = r.peek();
    if (c == '[') {
      r.skip();
      bool every = false, is_key = false;
      ok = r.bracket(step.key, step.index, every, is_key);
      step.kind = is_key ? Step::Kind::key : every ? Step::Kind::every : Step::Kind::index;
    } else if (c == ']') {
      ok = r.fail("a stray ']'", r.pos());
    } else if (c == '.' && (!first || from_root)) {
      r.skip();
      ok = r.key(step.key);
    } else if (first && !from_root) {
      ok = r.key(step.key);
    } else {
      ok =
          r.fail(c == '.' ? "a '.' with no key before it" : "a key with no '.' before it", r.pos());
    }
    first = false;
    if (ok) steps.push_back(std::move(step));
  }
  if (!ok) {
    *error = r.error;
    return std::nullopt;
  }
  return FieldPath(std::string(text), from_root, std::move(steps));
}

bool FieldPath::has_wildcard() const {
  return std::any_of(steps_.begin(), steps_.end(),
                     [](const Step& s) { return s.kind == Step::Kind::every; });
}

std::string FieldPath::where_in(const std::string& scope_where) const {
  if (from_root_) return text_.size() > 2 && text_[1] == '.' ? text_.substr(2) : text_.substr(1);
  if (scope_where.empty()) return text_;
  return scope_where + (text_.front() == '[' ? "" : ".") + text_;
}

void FieldPath::walk(const Step& step, const Found& from, std::vector<Found>& into) {
  const json& v = *from.value;
  switch (step.kind) {
    case Step::Kind::key: {
      if (!v.is_object()) return;
      auto it = v.find(step.key);
      if (it != v.end()) into.push_back({&*it, key_where(from.where, step.key)});
      return;
    }
    case Step::Kind::index: {
      if (!v.is_array()) return;
      const auto size = static_cast<std::int64_t>(v.size());
      const std::int64_t i = step.index < 0 ? size + step.index : step.index;
      if (i < 0 || i >= size) return;
      into.push_back({&v[static_cast<std::size_t>(i)], from.where + "[" + std::to_string(i) + "]"});
      return;
    }
    case Step::Kind::every: {
      if (!v.is_array()) return;
      for (std::size_t i = 0; i < v.size(); ++i) {
        into.push_back({&v[i], from.where + "[" + std::to_string(i) + "]"});
      }
      return;
    }
  }
}

std::optional<std::vector<Found>> FieldPath::resolve(const json& root, const json& scope,
                                                     const std::string& scope_where) const {
  std::vector<Found> frontier{from_root_ ? Found{&root, ""} : Found{&scope, scope_where}};
  bool spread = false;  // past a [*]: a branch that finds nothing just ends
  for (const Step& step : steps_) {
    // Before the first [*] there is exactly one value: it must be there.
    if (!spread && step.kind == Step::Kind::every && !frontier.front().value->is_array()) {
      return std::nullopt;
    }
    std::vector<Found> next;
    for (const Found& f : frontier) walk(step, f, next);
    if (step.kind == Step::Kind::every) spread = true;
    if (next.empty() && !spread) return std::nullopt;
    frontier = std::move(next);
  }
  // null counts as missing: a lone value, or an item of a spread.
  std::erase_if(frontier, [](const Found& f) { return f.value->is_null(); });
  if (frontier.empty() && !spread) return std::nullopt;
  return frontier;
}

}  // namespace weir::core
