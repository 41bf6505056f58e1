#include "listing.hpp"

#include <cstdio>
#include <set>

#include "errors.hpp"
#include "filter_expr.hpp"

namespace weir::sims::erp {
namespace {

constexpr std::uint64_t kCursorMask = 0x5bd1e9955bd1e995ull;

// Opaque to clients on purpose: they must hand back what they were given.
std::string encode_cursor(std::size_t row) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c1%016llx",
                static_cast<unsigned long long>(static_cast<std::uint64_t>(row) ^ kCursorMask));
  return buf;
}

bool decode_cursor(const std::string& text, std::size_t* row) {
  if (text.size() != 18 || !text.starts_with("c1")) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 2; i < text.size(); ++i) {
    const char c = text[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  *row = static_cast<std::size_t>(v ^ kCursorMask);
  return *row < (std::size_t{1} << 40);
}

bool read_int(const Request& req, const std::string& name, long lo, long hi, long* out,
              std::string* err) {
  if (!req.has_param(name)) return true;
  const std::string v = req.param(name);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || end != v.c_str() + v.size() || n < lo || n > hi) {
    *err = name + " must be a whole number from " + std::to_string(lo) + " to " +
           std::to_string(hi) + ", not \"" + v + "\"";
    return false;
  }
  *out = n;
  return true;
}

// The parameters this style knows for `table`, and their conditions.
bool read_conditions(const Request& req, const Table& table, const Style& s,
                     std::vector<Condition>* out, std::string* err) {
  std::set<std::string> known{s.size_param};
  if (s.paging == Paging::kPage) known.insert(s.page_param);
  if (s.paging == Paging::kOffset) known.insert(s.offset_param);
  if (s.paging == Paging::kCursor) known.insert(s.cursor_param);
  known.insert(s.since == SinceForm::kParam ? s.since_param : s.filter_param);
  const TableField* updated = nullptr;
  for (const auto& f : table.fields) {
    if (f.canonical == "updated_at") updated = &f;
    if (s.since == SinceForm::kParam) known.insert(s.field(table.resource, f.canonical));
  }
  for (const auto& [name, value] : req.query) {
    if (known.count(name)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    *err = "unknown query parameter \"" + name + "\" (known here: " + list + ")";
    return false;
  }
  if (s.since == SinceForm::kFilter) {
    if (!req.has_param(s.filter_param)) return true;
    if (parse_filter(req.param(s.filter_param), table, s, out, err)) return true;
    *err = s.filter_param + ": " + *err;
    return false;
  }
  for (const auto& [name, value] : req.query) {
    Condition c;
    if (name == s.since_param && updated != nullptr) {
      if (!make_condition(*updated, Op::kGe, value, s, &c, err)) {
        *err = name + ": " + *err;
        return false;
      }
      out->push_back(std::move(c));
      continue;
    }
    for (const auto& f : table.fields) {
      if (s.field(table.resource, f.canonical) != name) continue;
      if (!make_condition(f, Op::kEq, value, s, &c, err)) {
        *err = name + ": " + *err;
        return false;
      }
      out->push_back(std::move(c));
    }
  }
  return true;
}

// This request's URL with `name` set to `value` (for @odata.nextLink).
std::string link_with(const Request& req, const std::string& name, const std::string& value) {
  std::string q;
  bool set = false;
  for (const auto& [k, v] : req.query) {
    const bool ours = k == name;
    if (ours && set) continue;
    q += (q.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(ours ? value : v);
    set = set || ours;
  }
  if (!set) q += (q.empty() ? "?" : "&") + url_encode(name) + "=" + url_encode(value);
  const std::string host = req.header("host");
  return "http://" + (host.empty() ? std::string("127.0.0.1") : host) + req.path + q;
}

}  // namespace

Response list_rows(const Request& req, const Table& table, const Render& render) {
  const Style& s = render.style();
  std::string err;
  std::vector<Condition> conditions;
  long size = s.default_page_size;
  long page = s.page_base;
  long offset = 0;
  std::size_t start = 0;
  if (!read_conditions(req, table, s, &conditions, &err) ||
      !read_int(req, s.size_param, 1, s.max_page_size, &size, &err) ||
      (s.paging == Paging::kPage &&
       !read_int(req, s.page_param, s.page_base, 1L << 30, &page, &err)) ||
      (s.paging == Paging::kOffset && !read_int(req, s.offset_param, 0, 1L << 40, &offset, &err))) {
    return error_response(s, 400, "invalid_query", err);
  }
  if (s.paging == Paging::kCursor && req.has_param(s.cursor_param) &&
      !decode_cursor(req.param(s.cursor_param), &start)) {
    return error_response(s, 400, "invalid_cursor",
                          s.cursor_param + ": not a cursor this server gave out");
  }
  const std::size_t skip = s.paging == Paging::kPage
                               ? static_cast<std::size_t>(page - s.page_base) * size
                           : s.paging == Paging::kOffset ? static_cast<std::size_t>(offset)
                                                         : 0;
  Json items = Json::array();
  std::size_t total = 0;
  std::size_t next_row = 0;  // cursor: where the next page starts; 0: no next page
  for (std::size_t row = start; row < table.rows; ++row) {
    if (!matches(table, row, conditions)) continue;
    if (s.paging == Paging::kCursor && items.size() == static_cast<std::size_t>(size)) {
      next_row = row;
      break;
    }
    if (total >= skip && items.size() < static_cast<std::size_t>(size)) {
      items.push_back(table.render(row));
    }
    ++total;
  }
  if (items.empty() && s.empty_page == EmptyPage::kNotFound) {
    return error_response(s, 404, "not_found", "no " + table.resource + " on this page");
  }
  const bool more = s.paging == Paging::kCursor ? next_row != 0 : skip + items.size() < total;
  Response r;
  if (s.paging != Paging::kCursor) r.headers.emplace_back("X-Total-Count", std::to_string(total));
  const std::string next_cursor = more ? encode_cursor(next_row) : "";
  if (s.envelope == Envelope::kBare) {
    r.body = items.dump();
    return r;
  }
  Json body;
  if (s.envelope == Envelope::kValue) {
    body["value"] = std::move(items);
    if (more) {
      body["@odata.nextLink"] = s.paging == Paging::kPage
                                    ? link_with(req, s.page_param, std::to_string(page + 1))
                                : s.paging == Paging::kOffset
                                    ? link_with(req, s.offset_param, std::to_string(offset + size))
                                    : link_with(req, s.cursor_param, next_cursor);
    }
    r.body = body.dump();
    return r;
  }
  Json meta;
  const auto m = [&](const char* canonical) { return s.field("meta", canonical); };
  if (s.paging == Paging::kPage) {
    meta[m("page")] = page;
    meta[m("page_size")] = size;
    meta[m("total")] = total;
    meta[m("total_pages")] =
        (total + static_cast<std::size_t>(size) - 1) / static_cast<std::size_t>(size);
  } else if (s.paging == Paging::kOffset) {
    meta[m("offset")] = offset;
    meta[m("limit")] = size;
    meta[m("total")] = total;
  } else {
    meta[m("page_size")] = size;
    meta[m("next_cursor")] = more ? Json(next_cursor) : Json(nullptr);
  }
  body["data"] = std::move(items);
  body["meta"] = std::move(meta);
  r.body = body.dump();
  return r;
}

}  // namespace weir::sims::erp
