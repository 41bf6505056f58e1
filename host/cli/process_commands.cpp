// `weir process ls` and `weir process show ID`: what a trigger firing caused,
// and each node visit of it, as a tree along message lineage (a fan-out's
// children under the message they came from).
#include <ctime>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "table.hpp"

namespace weir::cli {
namespace {

using Json = nlohmann::json;

std::string micros(std::int64_t us) {
  char buf[32];
  if (us < 1000) std::snprintf(buf, sizeof buf, "%lld us", static_cast<long long>(us));
  else std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

// Rows for `visits` of message `id` and, indented under them, its children.
void tree_rows(const std::multimap<std::uint64_t, const Json*>& by_parent, std::uint64_t parent,
               int depth, std::vector<Row>& rows) {
  auto [first, last] = by_parent.equal_range(parent);
  for (auto it = first; it != last; ++it) {
    const Json& v = *it->second;
    rows.push_back({std::string(2 * depth, ' ') + str(v["node"]), str(v["attempt"]),
                    str(v["outcome"]), utc_ms(v["at_ms"].get<std::int64_t>()),
                    micros(v["duration_us"].get<std::int64_t>()), str(v["outputs"]), str(v["error"])});
    // Children hang off the visit that sent them on (the last attempt).
    if (v["outputs"].get<std::int64_t>() > 0) {
      tree_rows(by_parent, v["message_id"].get<std::uint64_t>(), depth + 1, rows);
    }
  }
}

}  // namespace

int process_ls(const Common& c, const std::string& topology, const std::string& state,
               std::size_t limit) {
  Json req = {{"cmd", "process.ls"}, {"limit", limit}};
  if (!topology.empty()) req["topology"] = topology;
  if (!state.empty()) req["state"] = state;
  auto r = ask(c, req);
  if (!r) return fail(r.error());
  if (c.json) return std::cout << (*r)["processes"].dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& p : (*r)["processes"]) {
    rows.push_back({str(p["id"]), str(p["topology"]), str(p["state"]), str(p["done"]),
                    str(p["failed"]), str(p["outstanding"]), utc_ms(p["started_ms"].get<std::int64_t>()),
                    p["finished_ms"].get<std::int64_t>() ? str(p["duration_ms"]) + " ms" : "-"});
  }
  print_table(std::cout, {"ID", "TOPOLOGY", "STATE", "DONE", "FAILED", "LIVE", "STARTED", "TOOK"},
              rows);
  return 0;
}

int process_show(const Common& c, std::uint64_t id) {
  auto r = ask(c, Json{{"cmd", "process.show"}, {"id", id}});
  if (!r) return fail(r.error());
  if (c.json) return std::cout << r->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  const Json& p = (*r)["process"];
  std::cout << "process " << str(p["id"]) << " of " << str(p["topology"]) << ": " << str(p["state"])
            << "\n  correlation " << str(p["correlation_id"]) << ", started "
            << utc_ms(p["started_ms"].get<std::int64_t>()) << ", finished "
            << utc_ms(p["finished_ms"].get<std::int64_t>()) << "\n  " << str(p["done"])
            << " node visit(s) done, " << str(p["failed"]) << " failed, " << str(p["outstanding"])
            << " message(s) still live\n";
  if (p.value("needed_by", 0) != 0) {
    std::cout << "  a prerequisite: started for a message of process " << str(p["needed_by"])
              << "\n";
  }
  std::cout << '\n';
  std::multimap<std::uint64_t, const Json*> by_parent;
  for (const auto& v : (*r)["visits"]) by_parent.emplace(v["parent_id"].get<std::uint64_t>(), &v);
  std::vector<Row> rows;
  tree_rows(by_parent, 0, 0, rows);
  print_table(std::cout, {"NODE", "ATTEMPT", "RESULT", "AT", "CALL", "SENT ON", "ERROR"}, rows);
  return 0;
}

}  // namespace weir::cli
