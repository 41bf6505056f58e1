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

// What the client asked for: the page size and where the page starts.
struct PageRequest {
  long size = 0;
  long page = 0;              // page mode
  long offset = 0;            // offset mode
  std::size_t start_row = 0;  // cursor mode: the first row to look at
  std::size_t skip = 0;       // page and offset modes: matching rows before the page
};

// The matching rows of one page.
struct Page {
  Json items = Json::array();
  std::size_t total = 0;     // page and offset modes: all matching rows
  std::size_t next_row = 0;  // cursor mode: where the next page starts; 0: no next page
  bool more = false;
};

bool read_page_request(const Request& req, const Style& s, PageRequest* p, std::string* err) {
  p->size = s.default_page_size;
  p->page = s.page_base;
  if (!read_int(req, s.size_param, 1, s.max_page_size, &p->size, err)) return false;
  if (s.paging == Paging::kPage) {
    if (!read_int(req, s.page_param, s.page_base, 1L << 30, &p->page, err)) return false;
    p->skip = static_cast<std::size_t>(p->page - s.page_base) * static_cast<std::size_t>(p->size);
  } else if (s.paging == Paging::kOffset) {
    if (!read_int(req, s.offset_param, 0, 1L << 40, &p->offset, err)) return false;
    p->skip = static_cast<std::size_t>(p->offset);
  } else if (req.has_param(s.cursor_param) &&
             !decode_cursor(req.param(s.cursor_param), &p->start_row)) {
    *err = s.cursor_param + ": not a cursor this server gave out";
    return false;
  }
  return true;
}

// Page and offset modes count every match (for the total); cursor mode
// stops at the first match after the page.
Page collect(const Table& table, const std::vector<Condition>& conditions, const Style& s,
             const PageRequest& p) {
  Page page;
  const auto size = static_cast<std::size_t>(p.size);
  for (std::size_t row = p.start_row; row < table.rows; ++row) {
    if (!matches(table, row, conditions)) continue;
    if (s.paging == Paging::kCursor && page.items.size() == size) {
      page.next_row = row;
      break;
    }
    if (page.total >= p.skip && page.items.size() < size) page.items.push_back(table.render(row));
    ++page.total;
  }
  page.more =
      s.paging == Paging::kCursor ? page.next_row != 0 : p.skip + page.items.size() < page.total;
  return page;
}

std::string next_link(const Request& req, const Style& s, const PageRequest& p,
                      const std::string& cursor) {
  switch (s.paging) {
    case Paging::kPage:
      return link_with(req, s.page_param, std::to_string(p.page + 1));
    case Paging::kOffset:
      return link_with(req, s.offset_param, std::to_string(p.offset + p.size));
    case Paging::kCursor:
      return link_with(req, s.cursor_param, cursor);
  }
  return "";
}

Json meta_of(const Style& s, const PageRequest& p, const Page& page, const std::string& cursor) {
  const auto m = [&](const char* canonical) { return s.field("meta", canonical); };
  Json meta;
  if (s.paging == Paging::kPage) {
    const auto size = static_cast<std::size_t>(p.size);
    meta[m("page")] = p.page;
    meta[m("page_size")] = p.size;
    meta[m("total")] = page.total;
    meta[m("total_pages")] = (page.total + size - 1) / size;
  } else if (s.paging == Paging::kOffset) {
    meta[m("offset")] = p.offset;
    meta[m("limit")] = p.size;
    meta[m("total")] = page.total;
  } else {
    meta[m("page_size")] = p.size;
    meta[m("next_cursor")] = page.more ? Json(cursor) : Json(nullptr);
  }
  return meta;
}

Response wrap(const Request& req, const Style& s, const PageRequest& p, Page page) {
  Response r;
  if (s.paging != Paging::kCursor) {
    r.headers.emplace_back("X-Total-Count", std::to_string(page.total));
  }
  const std::string cursor = page.more ? encode_cursor(page.next_row) : "";
  Json body;
  switch (s.envelope) {
    case Envelope::kBare:
      body = std::move(page.items);
      break;
    case Envelope::kValue:
      body["value"] = std::move(page.items);
      if (page.more) body["@odata.nextLink"] = next_link(req, s, p, cursor);
      break;
    case Envelope::kData:
      body["data"] = std::move(page.items);
      body["meta"] = meta_of(s, p, page, cursor);
      break;
  }
  r.body = body.dump();
  return r;
}

}  // namespace

Response list_rows(const Request& req, const Table& table, const Render& render) {
  const Style& s = render.style();
  std::string err;
  std::vector<Condition> conditions;
  PageRequest p;
  if (!read_conditions(req, table, s, &conditions, &err) || !read_page_request(req, s, &p, &err)) {
    return error_response(s, 400, "invalid_query", err);
  }
  Page page = collect(table, conditions, s, p);
  if (page.items.empty() && s.empty_page == EmptyPage::kNotFound) {
    return error_response(s, 404, "not_found", "no " + table.resource + " on this page");
  }
  return wrap(req, s, p, std::move(page));
}

}  // namespace weir::sims::erp
