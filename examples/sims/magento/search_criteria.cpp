#include "search_criteria.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

std::string snake(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "searchCriteria[a][0][b]" -> {"a", "0", "b"}; nullopt: not searchCriteria.
std::optional<std::vector<std::string>> key_path(const std::string& key) {
  static const std::string kRoot = "searchCriteria";
  if (key.rfind(kRoot, 0) != 0) return std::nullopt;
  std::vector<std::string> out;
  std::size_t at = kRoot.size();
  while (at < key.size()) {
    if (key[at] != '[') return std::vector<std::string>{};  // malformed: ignored
    const auto close = key.find(']', at);
    if (close == std::string::npos) return std::vector<std::string>{};
    out.push_back(key.substr(at + 1, close - at - 1));
    at = close + 1;
  }
  return out;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return v;
}

MageError bad_type(const std::string& value, const std::string& type) {
  return error(400, "The \"" + value + "\" value's type is invalid. The \"" + type +
                        "\" type was expected. Verify and try again.");
}

// Ordered by first appearance, as PHP arrays keep insertion order.
template <typename T>
T& slot(std::vector<std::pair<std::string, T>>& v, const std::string& key) {
  for (auto& [k, item] : v) {
    if (k == key) return item;
  }
  v.emplace_back(key, T{});
  return v.back().second;
}

}  // namespace

std::vector<std::string> SearchCriteria::fields() const {
  std::vector<std::string> out;
  for (const auto& g : groups) {
    for (const auto& f : g) out.push_back(f.field);
  }
  for (const auto& s : sort) out.push_back(s.field);
  return out;
}

std::variant<SearchCriteria, MageError> read_search_criteria(const Request& req, bool required) {
  using FilterSlots = std::vector<std::pair<std::string, std::map<std::string, std::string>>>;
  std::vector<std::pair<std::string, FilterSlots>> groups;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> sorts;
  SearchCriteria sc;
  bool seen = false;
  std::optional<std::string> page_size, current_page;
  for (const auto& [key, value] : req.query) {
    auto path = key_path(key);
    if (!path) continue;
    seen = true;
    for (auto& p : *path) p = snake(p);
    if (path->size() == 1 && (*path)[0] == "page_size") page_size = value;
    if (path->size() == 1 && (*path)[0] == "current_page") current_page = value;
    if (path->size() == 5 && (*path)[0] == "filter_groups" && (*path)[2] == "filters") {
      slot(slot(groups, (*path)[1]), (*path)[3])[(*path)[4]] = value;
    }
    if (path->size() == 3 && (*path)[0] == "sort_orders")
      slot(sorts, (*path)[1])[(*path)[2]] = value;
  }
  if (!seen && required) return required_field("searchCriteria");
  Json echo_groups = Json::array();
  for (const auto& [gk, filters] : groups) {
    std::vector<Filter> group;
    Json echo_filters = Json::array();
    for (const auto& [fk, parts] : filters) {
      Filter f;
      const auto& given = parts;
      auto get = [&given](const char* name) {
        auto it = given.find(name);
        return it == given.end() ? std::optional<std::string>() : it->second;
      };
      if (!get("field")) return required_field("field");
      f.field = *get("field");
      f.value = get("value").value_or("");
      if (get("condition_type") && !get("condition_type")->empty())
        f.condition_type = *get("condition_type");
      Json ef = {{"field", f.field}};
      if (get("value")) ef["value"] = f.value;
      ef["condition_type"] = f.condition_type;
      echo_filters.push_back(ef);
      group.push_back(std::move(f));
    }
    sc.groups.push_back(std::move(group));
    echo_groups.push_back({{"filters", echo_filters}});
  }
  sc.echo = {{"filter_groups", echo_groups}};
  if (!sorts.empty()) {
    Json echo_sorts = Json::array();
    for (const auto& [sk, parts] : sorts) {
      SortOrder s;
      auto it = parts.find("field");
      if (it != parts.end()) s.field = it->second;
      std::string direction = "ASC";
      if (auto d = parts.find("direction"); d != parts.end()) direction = d->second;
      const std::string upper = [&] {
        std::string u = direction;
        for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return u;
      }();
      if (upper != "ASC" && upper != "DESC") {
        return error(400,
                     "The sort order provided is invalid. Verify the sort order and try again.");
      }
      s.descending = upper == "DESC";
      Json es = Json::object();
      if (!s.field.empty()) es["field"] = s.field;
      es["direction"] = direction;
      echo_sorts.push_back(es);
      if (!s.field.empty()) sc.sort.push_back(std::move(s));
    }
    sc.echo["sort_orders"] = echo_sorts;
  }
  if (page_size) {
    auto v = to_int(*page_size);
    if (!v) return bad_type(*page_size, "int");
    sc.page_size = *v;
    sc.echo["page_size"] = *v;
  }
  if (current_page) {
    auto v = to_int(*current_page);
    if (!v) return bad_type(*current_page, "int");
    sc.current_page = *v;
    sc.echo["current_page"] = *v;
  }
  return sc;
}

namespace {

// MySQL's LIKE: % any run, _ one character, \ escapes; case-insensitive.
bool like(const std::string& text, const std::string& pattern) {
  const std::string t = lower(text), p = lower(pattern);
  std::size_t ti = 0, pi = 0, star_p = std::string::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '\\' && pi + 1 < p.size() && p[pi + 1] == t[ti]) {
      pi += 2;
      ++ti;
    } else if (pi < p.size() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == t[ti]))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '%') {
      star_p = pi++;
      star_t = ti;
    } else if (star_p != std::string::npos) {
      pi = star_p + 1;
      ti = ++star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

// <0, 0, >0 as MySQL compares the column with the literal.
int compare(const FieldValue& v, const std::string& literal) {
  switch (v.kind) {
    case FieldValue::Kind::kNumber: {
      const double x = std::strtod(literal.c_str(), nullptr);
      return v.number < x ? -1 : v.number > x ? 1 : 0;
    }
    case FieldValue::Kind::kTime: {
      const std::string t = format_time(v.time);
      return t.compare(literal) < 0 ? -1 : t.compare(literal) > 0 ? 1 : 0;
    }
    default: {
      const int c = lower(v.text).compare(lower(literal));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
  }
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    const auto next = s.find(',', at);
    out.push_back(s.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return out;
}

}  // namespace

bool matches(const FieldValue& v, const Filter& f) {
  const std::string& c = f.condition_type;
  const bool is_null = v.kind == FieldValue::Kind::kNull;
  if (c == "null") return is_null;
  if (c == "notnull") return !is_null;
  if (is_null) return false;
  if (v.kind == FieldValue::Kind::kSet) {  // addCategoriesFilter: eq/in, neq/nin
    bool any = false;
    for (const auto& item : split_commas(f.value)) {
      any = any || std::find(v.set.begin(), v.set.end(), item) != v.set.end();
    }
    return (c == "neq" || c == "nin") ? !any : any;
  }
  if (c == "neq") return compare(v, f.value) != 0;
  if (c == "gt") return compare(v, f.value) > 0;
  if (c == "gteq" || c == "moreq" || c == "from") return compare(v, f.value) >= 0;
  if (c == "lt") return compare(v, f.value) < 0;
  if (c == "lteq" || c == "to") return compare(v, f.value) <= 0;
  if (c == "like" || c == "nlike") {
    const std::string text = v.kind == FieldValue::Kind::kTime   ? format_time(v.time)
                             : v.kind == FieldValue::Kind::kText ? v.text
                                                                 : Json(v.number).dump();
    return like(text, f.value) == (c == "like");
  }
  if (c == "in" || c == "nin") {
    bool found = false;
    for (const auto& item : split_commas(f.value)) found = found || compare(v, item) == 0;
    return found == (c == "in");
  }
  if (c == "finset") {
    const std::string text = v.kind == FieldValue::Kind::kText ? v.text : Json(v.number).dump();
    for (const auto& item : split_commas(text)) {
      if (lower(item) == lower(f.value)) return true;
    }
    return false;
  }
  return compare(v, f.value) == 0;  // eq, and what the adapter does with the unknown
}

std::vector<std::int64_t> select_rows(const std::vector<std::int64_t>& candidates,
                                      const SearchCriteria& sc, const FieldLookup& lookup,
                                      std::size_t* total) {
  std::vector<std::int64_t> rows;
  for (std::int64_t row : candidates) {
    bool all = true;
    for (const auto& group : sc.groups) {
      bool any = group.empty();
      for (const auto& f : group) {
        if (matches(lookup(row, f.field), f)) {
          any = true;
          break;
        }
      }
      if (!any) {
        all = false;
        break;
      }
    }
    if (all) rows.push_back(row);
  }
  if (!sc.sort.empty()) {
    auto less = [&](std::int64_t a, std::int64_t b) {
      for (const auto& s : sc.sort) {
        const FieldValue x = lookup(a, s.field), y = lookup(b, s.field);
        int c = 0;
        if (x.kind != y.kind) {
          c = static_cast<int>(x.kind) < static_cast<int>(y.kind) ? -1 : 1;  // NULL first
        } else if (x.kind == FieldValue::Kind::kNumber) {
          c = x.number < y.number ? -1 : x.number > y.number ? 1 : 0;
        } else if (x.kind == FieldValue::Kind::kTime) {
          c = x.time < y.time ? -1 : x.time > y.time ? 1 : 0;
        } else if (x.kind == FieldValue::Kind::kText) {
          c = lower(x.text).compare(lower(y.text));
        }
        if (c != 0) return s.descending ? c > 0 : c < 0;
      }
      return false;
    };
    std::stable_sort(rows.begin(), rows.end(), less);
  }
  *total = rows.size();
  if (!sc.page_size || *sc.page_size <= 0) return rows;
  const auto size = static_cast<std::size_t>(*sc.page_size);
  const std::size_t last = rows.empty() ? 1 : (rows.size() + size - 1) / size;
  std::int64_t page = sc.current_page.value_or(1);
  if (page < 1) page = 1;
  if (static_cast<std::size_t>(page) > last) page = static_cast<std::int64_t>(last);
  const std::size_t first = (static_cast<std::size_t>(page) - 1) * size;
  if (first >= rows.size()) return {};
  return {rows.begin() + static_cast<std::ptrdiff_t>(first),
          rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), first + size))};
}

Json search_result(Json items, const SearchCriteria& sc, std::size_t total) {
  return Json{{"items", std::move(items)}, {"search_criteria", sc.echo}, {"total_count", total}};
}

}  // namespace weir::sims::mage
