#include "topology/yaml_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace weir::topology {
namespace {

using nlohmann::json;
using Pointer = json::json_pointer;

const char kStrTag[] = "tag:yaml.org,2002:str";

// A plain scalar's value, or std::nullopt with `error` set. The integer and
// float resolvers answer a JSON null for "not of my kind" (they never
// produce a real null), so resolve_plain can try them in turn.
using Resolved = std::optional<json>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

template <class Pred>
bool all_are(std::string_view s, Pred pred) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

// Moves `i` past the characters that satisfy `pred`; returns how many.
template <class Pred>
std::size_t skip(std::string_view s, std::size_t& i, Pred pred) {
  std::size_t start = i;
  while (i < s.size() && pred(s[i])) ++i;
  return i - start;
}

void skip_sign(std::string_view s, std::size_t& i) {
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float_text(std::string_view s) {
  std::size_t i = 0;
  skip_sign(s, i);
  std::size_t whole = skip(s, i, is_digit);
  std::size_t fraction = 0;
  if (i < s.size() && s[i] == '.') fraction = skip(s, ++i, is_digit);
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    skip_sign(s, ++i);
    if (skip(s, i, is_digit) == 0) return false;
  }
  return i == s.size();
}

// [-+]?\.(inf|Inf|INF) or \.(nan|NaN|NAN)
bool is_inf_or_nan_text(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s == ".inf" || s == ".Inf" || s == ".INF";
}

Resolved integer_from(std::string_view digits, bool negative, int base, std::string* error) {
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  const std::uint64_t int64_limit = std::uint64_t{1} << 63;
  if (ec == std::errc() && end == digits.data() + digits.size()) {
    if (!negative && magnitude < int64_limit) return json(static_cast<std::int64_t>(magnitude));
    if (!negative) return json(magnitude);
    if (magnitude <= int64_limit) return json(static_cast<std::int64_t>(0 - magnitude));
  }
  *error = "integer is out of range (64 bits)";
  return std::nullopt;
}

Resolved resolve_integer(std::string_view text, std::string* error) {
  if (text.starts_with("0o") && all_are(text.substr(2), is_octal_digit)) {
    return integer_from(text.substr(2), false, 8, error);
  }
  if (text.starts_with("0x") && all_are(text.substr(2), is_hex_digit)) {
    return integer_from(text.substr(2), false, 16, error);
  }
  bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  if (!all_are(text, is_digit)) return json();  // null json = "not an integer"
  return integer_from(text, negative, 10, error);
}

Resolved resolve_float(const std::string& text, std::string* error) {
  if (is_inf_or_nan_text(text)) {
    *error = text + " has no JSON form (infinity and NaN are not JSON numbers)";
    return std::nullopt;
  }
  if (!is_float_text(text)) return json();
  double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) {
    *error = text + " is too large for a JSON number";
    return std::nullopt;
  }
  return json(value);
}

Resolved resolve_plain(const std::string& text, std::string* error) {
  if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) {
    return json(nullptr);
  }
  if (text == "true" || text == "True" || text == "TRUE") return json(true);
  if (text == "false" || text == "False" || text == "FALSE") return json(false);
  Resolved number = resolve_integer(text, error);
  if (number && number->is_null()) number = resolve_float(text, error);
  if (number && number->is_null()) return json(text);
  return number;
}

// Bounds on what one value may become. yaml-cpp shares an aliased node
// instead of copying it, so ten lines of anchors can stand for billions of
// values ("billion laughs"); the JSON would hold them all. So the walk
// counts every value it makes and stops at kMaxYamlValues, and refuses
// nesting past kMaxNesting (which is also as deep as it recurses).
class Converter {
 public:
  Converter(YamlJson& out, std::size_t* budget) : out_(out), budget_(budget) {}

  json convert(const YAML::Node& node, const Pointer& at, int line, std::size_t depth = 0) {
    if (over_budget(at, line, depth)) return json(nullptr);
    out_.lines[at.to_string()] = line;
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return convert_map(node, at, depth + 1);
      case YAML::NodeType::Sequence:
        return convert_sequence(node, at, depth + 1);
      case YAML::NodeType::Scalar:
        return convert_scalar(node, at, line);
      default:
        return node.Tag() == kStrTag ? json("") : json(nullptr);
    }
  }

 private:
  json convert_scalar(const YAML::Node& node, const Pointer& at, int line) {
    if (node.Tag() == "!" || node.Tag() == kStrTag) return json(node.Scalar());
    std::string error;
    Resolved value = resolve_plain(node.Scalar(), &error);
    if (value) return *value;
    fail(at, line, error);
    return json(nullptr);
  }

  bool over_budget(const Pointer& at, int line, std::size_t depth) {
    if (stopped_) return true;
    std::string why;
    if (*budget_ == 0) {
      why = "expands to more than " + std::to_string(kMaxYamlValues) +
            " values (an alias repeated many times?); refused rather than expanded";
    } else if (depth > kMaxNesting) {
      why = "nests deeper than " + std::to_string(kMaxNesting) + " levels";
    } else {
      --*budget_;
      return false;
    }
    fail(at, line, why);
    stopped_ = true;
    return true;
  }

  json convert_sequence(const YAML::Node& node, const Pointer& at, std::size_t depth) {
    json out = json::array();
    for (const YAML::Node& item : node) {
      out.push_back(convert(item, at / out.size(), yaml_line(item), depth));
      if (stopped_) break;
    }
    return out;
  }

  json convert_map(const YAML::Node& node, const Pointer& at, std::size_t depth) {
    json out = json::object();
    for (const auto& entry : node) {
      int line = yaml_line(entry.first);
      if (!entry.first.IsScalar()) {
        fail(at, line, "a mapping key must be a plain name, not a list, mapping or null");
        continue;
      }
      const std::string& key = entry.first.Scalar();
      Pointer child = at / key;
      if (out.contains(key)) {
        int first = out_.lines[child.to_string()];
        fail(child, line,
             "key '" + key + "' appears twice (first at line " + std::to_string(first) + ")");
      } else {
        out[key] = convert(entry.second, child, line, depth);
      }
      if (stopped_) break;
    }
    return out;
  }

  // A path 256 levels deep says nothing more than its first levels do.
  void fail(const Pointer& at, int line, std::string message) {
    std::string path = at.to_string();
    if (path.size() > 80) path = path.substr(0, path.rfind('/', 80)) + "/...";
    out_.errors.push_back({std::move(path), line, std::move(message)});
  }

  YamlJson& out_;
  std::size_t* budget_;   // values this conversion may still make
  bool stopped_ = false;  // a bound was hit: the rest is not read
};

}  // namespace

int yaml_line(const YAML::Node& node) {
  int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

int YamlJson::line_of(const std::string& pointer) const {
  Pointer at(pointer);
  while (true) {
    auto it = lines.find(at.to_string());
    if (it != lines.end() && it->second > 0) return it->second;
    if (at.empty()) return 0;
    at = at.parent_pointer();
  }
}

YamlJson yaml_to_json(const YAML::Node& node, int line, std::size_t* budget) {
  YamlJson out;
  std::size_t own = kMaxYamlValues;
  Converter converter(out, budget ? budget : &own);
  out.value = converter.convert(node, Pointer(), line > 0 ? line : yaml_line(node));
  return out;
}

}  // namespace weir::topology
