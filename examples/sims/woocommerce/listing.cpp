#include "listing.hpp"

#include <cctype>

namespace weir::sims::woo {

std::string not_one_of(const std::string& name, const std::vector<std::string>& values) {
  // wp_sprintf's %l: "a and b", "a, b, and c".
  std::string list;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) list += values.size() == 2 ? " and " : (i + 1 == values.size() ? ", and " : ", ");
    list += values[i];
  }
  return name + " is not one of " + list + ".";
}

std::optional<bool> read_bool(const std::string& text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0" || t.empty()) return false;
  return std::nullopt;
}

std::optional<std::int64_t> read_int(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -v : v;
}

namespace {

std::vector<std::int64_t> id_list(const std::string& text) {
  // wp_parse_id_list: split on commas and spaces, absint each, drop repeats.
  std::vector<std::int64_t> out;
  std::string cur;
  auto flush = [&] {
    if (auto v = read_int(cur); v && *v != 0) {
      const std::int64_t a = *v < 0 ? -*v : *v;
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
    cur.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ' ') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

}  // namespace

std::variant<ListParams, RestError> read_list_params(
    const Request& req, const SiteClock& clock, const std::vector<std::string>& orderbys,
    std::vector<std::pair<std::string, std::string>> errors) {
  ListParams p;
  p.orderby = orderbys.front();
  auto integer = [&](const char* name, std::int64_t min, std::optional<std::int64_t> max,
                     std::int64_t* out) {
    if (!req.has_param(name)) return;
    const auto v = read_int(req.param(name));
    if (!v) {
      errors.emplace_back(name, std::string(name) + " is not of type integer.");
    } else if (*v < min || (max && *v > *max)) {
      errors.emplace_back(
          name,
          max ? std::string(name) + " must be between " + std::to_string(min) +
                    " (inclusive) and " + std::to_string(*max) + " (inclusive)"
              : std::string(name) + " must be greater than or equal to " + std::to_string(min));
    } else {
      *out = *v;
    }
  };
  integer("page", 1, std::nullopt, &p.page);
  integer("per_page", 1, 100, &p.per_page);
  if (req.has_param("offset")) {
    std::int64_t off = 0;
    integer("offset", 0, std::nullopt, &off);
    p.offset = off;
  }
  if (req.has_param("order")) {
    const std::string o = req.param("order");
    if (o != "asc" && o != "desc") {
      errors.emplace_back("order", not_one_of("order", {"asc", "desc"}));
    } else {
      p.descending = o == "desc";
    }
  }
  if (req.has_param("orderby")) {
    const std::string o = req.param("orderby");
    if (std::find(orderbys.begin(), orderbys.end(), o) == orderbys.end()) {
      errors.emplace_back("orderby", not_one_of("orderby", orderbys));
    } else {
      p.orderby = o;
    }
  }
  if (req.has_param("dates_are_gmt")) {
    if (auto b = read_bool(req.param("dates_are_gmt"))) {
      p.dates_are_gmt = *b;
    } else {
      errors.emplace_back("dates_are_gmt", "dates_are_gmt is not of type boolean.");
    }
  }
  auto date = [&](const char* name, std::optional<std::int64_t>* out) {
    if (!req.has_param(name)) return;
    *out = clock.query_threshold(req.param(name));
    if (!*out) errors.emplace_back(name, "Invalid date.");
  };
  date("after", &p.after);
  date("before", &p.before);
  date("modified_after", &p.modified_after);
  date("modified_before", &p.modified_before);
  p.search = req.param("search");
  p.include = id_list(req.param("include"));
  p.exclude = id_list(req.param("exclude"));
  if (!errors.empty()) return invalid_params(errors);
  return p;
}

bool ListParams::dates_match(const SiteClock& clock, std::int64_t created,
                             std::int64_t modified) const {
  const std::int64_t c = clock.column(created, dates_are_gmt);
  const std::int64_t m = clock.column(modified, dates_are_gmt);
  if (after && !(c > *after)) return false;
  if (before && !(c < *before)) return false;
  if (modified_after && !(m > *modified_after)) return false;
  if (modified_before && !(m < *modified_before)) return false;
  return true;
}

bool ListParams::id_match(std::int64_t id) const {
  if (!include.empty() && std::find(include.begin(), include.end(), id) == include.end()) {
    return false;
  }
  return exclude.empty() || std::find(exclude.begin(), exclude.end(), id) == exclude.end();
}

void add_page_headers(Response& res, const Request& req, const std::string& site,
                      const std::string& route, const ListParams& p, std::size_t total) {
  const auto pages = static_cast<std::int64_t>((total + p.per_page - 1) / p.per_page);
  res.headers.emplace_back("X-WP-Total", std::to_string(total));
  res.headers.emplace_back("X-WP-TotalPages", std::to_string(pages));
  auto link = [&](std::int64_t page) {
    std::string query;
    bool replaced = false;
    auto add = [&](const std::string& pair) { query += (query.empty() ? "" : "&") + pair; };
    for (const auto& [k, v] : req.query) {
      if (k != "page") {
        add(k + "=" + v);  // raw, as add_query_arg() writes it
      } else if (!replaced) {
        add("page=" + std::to_string(page));
        replaced = true;
      }
    }
    if (!replaced) add("page=" + std::to_string(page));
    return site + "/wp-json" + route + "?" + query;
  };
  std::string header;
  if (p.page > 1) {
    header = "<" + link(std::min(p.page - 1, pages)) + ">; rel=\"prev\"";
  }
  if (pages > p.page) {
    header += (header.empty() ? "" : ", ") + ("<" + link(p.page + 1) + ">; rel=\"next\"");
  }
  if (!header.empty()) res.headers.emplace_back("Link", header);
}

}  // namespace weir::sims::woo
