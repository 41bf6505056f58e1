// `weir trash ...` and `weir audit ls`: the operator's view of what failed.
// Filters are resolved here, page by page, into ids; the host then replays
// or discards by id (1,000 per request), so a large trash never becomes one
// giant request, and each item goes back atomically with its removal.
#include <ctime>
#include <iostream>

#include "commands.hpp"
#include "table.hpp"
#include "common/clock.hpp"
#include "common/duration.hpp"

namespace weir::cli {
namespace {

using Json = nlohmann::json;
constexpr std::size_t kPage = 1000;

std::string shortened(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

bool has_filter(const TrashOptions& t) {
  return !t.topology.empty() || !t.node.empty() || !t.since.empty() || !t.grep.empty();
}

Result<Json> filter_json(const TrashOptions& t) {
  Json f = Json::object();
  if (!t.topology.empty()) f["topology"] = t.topology;
  if (!t.node.empty()) f["node"] = t.node;
  if (!t.grep.empty()) f["grep"] = t.grep;
  if (!t.since.empty()) {
    auto d = parse_duration(t.since);
    if (!d) return Status::error("--since '" + t.since + "' is not a duration (e.g. 30m, 2h, 1d)");
    f["since_ms"] = now_ms() - d->count();
  }
  return f;
}

// Calls `each(entry)` for every entry the filter matches, page by page.
template <class Fn>
Status each_entry(const Common& c, const Json& filter, bool full, Fn each) {
  std::int64_t after = 0;
  for (;;) {
    Json req = filter;
    req["cmd"] = "trash.ls";
    req["after_id"] = after;
    req["limit"] = kPage;
    req["full"] = full;
    auto page = ask(c, req);
    if (!page) return page.status();
    for (const auto& e : (*page)["entries"]) each(e);
    if ((*page)["entries"].size() < kPage) return Status::ok();
    after = (*page)["last_id"].get<std::int64_t>();
  }
}

// The ids a replay/discard means: as given, or every match of the filter.
Result<std::vector<std::int64_t>> chosen_ids(const Common& c, const TrashOptions& t, Json* filter) {
  if (!t.ids.empty()) {
    if (has_filter(t) || t.all) return Status::error("give ids or a filter, not both");
    return t.ids;
  }
  if (!has_filter(t) && !t.all) {
    return Status::error("name the entries: ids, a filter (--topology, --node, --since, --grep), "
                         "or --all");
  }
  auto f = filter_json(t);
  if (!f) return f.status();
  *filter = *f;
  std::vector<std::int64_t> ids;
  Status st = each_entry(c, *f, false, [&](const Json& e) { ids.push_back(e["id"].get<std::int64_t>()); });
  if (!st) return st;
  return ids;
}

// Sends ids in chunks; returns the merged "done" and "not_in_trash" lists.
Result<Json> act_on(const Common& c, const std::string& cmd, const std::string& done_key,
                    const std::vector<std::int64_t>& ids, Json extra) {
  Json merged = {{done_key, Json::array()}, {"not_in_trash", Json::array()},
                 {"refused", Json::array()}};
  for (std::size_t i = 0; i < ids.size(); i += kPage) {
    Json req = extra;
    req["cmd"] = cmd;
    req["ids"] = std::vector<std::int64_t>(ids.begin() + i, ids.begin() + std::min(ids.size(), i + kPage));
    auto r = ask(c, req);
    if (!r) return r.status().prefixed(std::to_string(merged[done_key].size()) + " done before");
    for (const auto& id : (*r)[done_key]) merged[done_key].push_back(id);
    for (const auto& id : (*r)["not_in_trash"]) merged["not_in_trash"].push_back(id);
    for (const auto& x : r->value("refused", Json::array())) merged["refused"].push_back(x);
  }
  return merged;
}

// Exit code 1 when some entry was not acted on, in either output format.
int report(const Json& out, const std::string& done_key, const std::string& verb, bool json) {
  const int code = out["not_in_trash"].empty() && out["refused"].empty() ? 0 : 1;
  if (json) return std::cout << out.dump(2, ' ', false, Json::error_handler_t::replace) << '\n', code;
  std::cout << verb << " " << out[done_key].size() << " entr" << (out[done_key].size() == 1 ? "y" : "ies");
  if (!out["not_in_trash"].empty()) std::cout << "; not in the trash: " << out["not_in_trash"].dump(-1, ' ', false, Json::error_handler_t::replace);
  std::cout << '\n';
  for (const auto& x : out["refused"]) {
    std::cout << "not replayed: " << str(x["id"]) << ": " << str(x["reason"]) << '\n';
  }
  return code;
}

}  // namespace

int trash_ls(const Common& c, const TrashOptions& t) {
  auto f = filter_json(t);
  if (!f) return fail(f.error());
  Json req = *f;
  req["cmd"] = "trash.ls";
  req["limit"] = t.limit;
  auto page = ask(c, req);
  if (!page) return fail(page.error());
  if (c.json) return std::cout << (*page)["entries"].dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& e : (*page)["entries"]) {
    rows.push_back({str(e["id"]), str(e["topology"]), str(e["node"]), str(e["process_id"]),
                    str(e["attempts"]), utc_ms(e["failed_ms"].get<std::int64_t>()),
                    shortened(str(e["error"]), 70)});
  }
  print_table(std::cout, {"ID", "TOPOLOGY", "NODE", "PROCESS", "ATTEMPTS", "LAST FAILED", "ERROR"},
              rows);
  if (rows.size() == t.limit) std::cout << "(first " << t.limit << "; --limit shows more)\n";
  return 0;
}

int trash_show(const Common& c, std::int64_t id) {
  auto e = ask(c, Json{{"cmd", "trash.show"}, {"id", id}});
  if (!e) return fail(e.error());
  if (c.json) return std::cout << e->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  const Json& j = *e;
  std::cout << "trash entry " << str(j["id"]) << ": " << str(j["topology"]) << "/" << str(j["node"])
            << "\n  process " << str(j["process_id"]) << " (correlation " << str(j["correlation_id"])
            << "), message " << str(j["message_id"]) << ", parent " << str(j["parent_id"])
            << "\n  first failed " << utc_ms(j["first_failed_ms"].get<std::int64_t>())
            << ", last failed " << utc_ms(j["failed_ms"].get<std::int64_t>()) << ", "
            << str(j["attempts"]) << " attempt(s)\n  error: " << str(j["error"]) << "\n\nheaders:\n"
            << j["headers"].dump(2, ' ', false, Json::error_handler_t::replace) << "\n\npayload:\n" << j["payload"].dump(2, ' ', false, Json::error_handler_t::replace) << "\n\nattempts:\n";
  std::vector<Row> rows;
  for (const auto& h : j["history"]) {
    rows.push_back({str(h.value("attempt", Json(0))), utc_ms(h.value("at", std::int64_t{0})),
                    str(h.value("kind", Json(""))), str(h.value("error", Json("")))});
  }
  print_table(std::cout, {"ATTEMPT", "AT", "KIND", "ERROR"}, rows);
  return 0;
}

int trash_replay(const Common& c, const TrashOptions& t) {
  Json filter;
  auto ids = chosen_ids(c, t, &filter);
  if (!ids) return fail(ids.error());
  Json extra = filter.is_null() ? Json::object() : Json{{"filter", filter}};
  auto out = act_on(c, "trash.replay", "replayed", *ids, extra);
  if (!out) return fail(out.error());
  return report(*out, "replayed", "replayed", c.json);
}

int trash_discard(const Common& c, const TrashOptions& t) {
  Json filter;
  auto ids = chosen_ids(c, t, &filter);
  if (!ids) return fail(ids.error());
  Json extra = filter.is_null() ? Json::object() : Json{{"filter", filter}};
  if (!t.reason.empty()) extra["reason"] = t.reason;
  auto out = act_on(c, "trash.discard", "discarded", *ids, extra);
  if (!out) return fail(out.error());
  return report(*out, "discarded", "discarded", c.json);
}

int trash_export(const Common& c, const TrashOptions& t) {
  auto f = filter_json(t);
  if (!f) return fail(f.error());
  Status st = each_entry(c, *f, true, [](const Json& e) { std::cout << e.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n'; });
  return st ? 0 : fail(st.message());
}

int audit_ls(const Common& c, std::size_t limit) {
  auto r = ask(c, Json{{"cmd", "audit.ls"}, {"limit", limit}});
  if (!r) return fail(r.error());
  if (c.json) return std::cout << (*r)["entries"].dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& e : (*r)["entries"]) {
    rows.push_back({str(e["id"]), utc_ms(e["at_ms"].get<std::int64_t>()), str(e["actor"]),
                    str(e["action"]), shortened(e["detail"].dump(-1, ' ', false, Json::error_handler_t::replace), 80)});
  }
  print_table(std::cout, {"ID", "AT", "WHO", "ACTION", "DETAIL"}, rows);
  return 0;
}

}  // namespace weir::cli
