#include "mapper_template.hpp"

#include "mapper_convert.hpp"

namespace weir::core {

using nlohmann::json;

std::optional<Template> Template::parse(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& what, std::size_t at) {
    *error = "has " + what + " at character " + std::to_string(at + 1);
    return std::nullopt;
  };
  std::vector<Part> parts;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;  // {{ or }}
      ++i;
      continue;
    }
    if (c == '}') return fail("a '}' that closes nothing (write }} for a literal one)", i);
    if (c != '{') {
      literal += c;
      continue;
    }
    const std::size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      return fail("an unclosed '{' (write {{ for a literal one)", i);
    }
    const std::string_view inside = text.substr(i + 1, close - i - 1);
    if (inside.empty()) return fail("an empty placeholder {}", i);
    std::string why;
    std::optional<FieldPath> path = FieldPath::parse(inside, &why);
    if (!path) return fail("a placeholder {" + std::string(inside) + "} that " + why, i);
    if (path->has_wildcard()) {
      return fail("a placeholder {" + std::string(inside) + "} with [*] (one value only)", i);
    }
    parts.push_back(Part{std::move(literal), std::move(path)});
    literal.clear();
    i = close;
  }
  parts.push_back(Part{std::move(literal), std::nullopt});
  return Template(std::move(parts));
}

Template::Outcome Template::render(const json& root, const json& scope,
                                   const std::string& scope_where, std::string* out,
                                   std::string* problem) const {
  std::string text;
  for (const Part& part : parts_) {
    text += part.literal;
    if (!part.path) continue;
    std::optional<std::vector<Found>> found = part.path->resolve(root, scope, scope_where);
    if (!found || found->empty()) {
      *problem = part.path->where_in(scope_where);
      return Outcome::missing;
    }
    std::string value, why;
    const Found& f = found->front();
    if (!scalar_text(*f.value, value, &why)) {
      *problem =
          "placeholder {" + part.path->text() + "}: the value at '" + shown(f.where) + "' " + why;
      return Outcome::failed;
    }
    text += value;
  }
  *out = std::move(text);
  return Outcome::text;
}

}  // namespace weir::core
