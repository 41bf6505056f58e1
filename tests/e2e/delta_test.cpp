// End to end: delta sync in the real `weir serve`, against a loopback ERP
// that filters its item list by `updated_since`. The first run of a delta
// topology is full; it completes with one item in the trash (the since
// moves all the same, and the item stays in the trash); the second run
// fetches only what changed since the first began, including an item
// changed while the first ran; `weir topology ls` shows where the next run
// starts; `weir sync reset` makes the next run full again.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/jsonl.hpp"
#include "support/remote.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An ERP whose items carry the time they last changed. GET /api/items lists
// them all, or with ?updated_since=MS those changed after MS. The first list
// it answers, it changes B's price right after (a change during that run).
class Erp {
 public:
  Erp() : remote_([this](const weir::http::Request& r) { return answer(r); }) {
    const std::int64_t hour_ago = now_ms() - 3600 * 1000;
    items_ = Json::parse(R"([{"sku": "A", "price": "1.00"}, {"sku": "B", "price": "2.00"},
                             {"sku": "C", "price": "3.00", "fail": "C is broken in the ERP"}])");
    for (auto& item : items_) item["modified_ms"] = hour_ago;
  }
  std::string base() const { return remote_.base(); }
  std::vector<weir::http::Request> seen() const { return remote_.seen(); }

 private:
  weir::http::Response answer(const weir::http::Request& r) {
    std::lock_guard lock(mu_);
    std::int64_t since = -1;
    if (auto q = r.target.find("updated_since="); q != std::string::npos) {
      since = std::stoll(r.target.substr(q + 14));
    }
    Json list = Json::array();
    for (const auto& item : items_) {
      if (item["modified_ms"].get<std::int64_t>() > since) list.push_back(item);
    }
    if (lists_++ == 0) {  // B changes while the first run is under way
      items_[1]["price"] = "2.50";
      items_[1]["modified_ms"] = now_ms();
    }
    weir::http::Response out;
    out.content_type = "application/json";
    out.body = list.dump();
    return out;
  }

  std::mutex mu_;
  Json items_;
  int lists_ = 0;
  Remote remote_;  // last: stopped first
};

std::string items_topology(const std::string& record) {
  return R"(name: items
delta: {overlap: 1s}
nodes:
  - id: erp
    type: testkit.list
    app: erp
  - id: check
    type: testkit.act
    max_batch: 100
  - id: got
    type: testkit.record
    config: {path: ")" +
         record + R"("}
edges:
  - erp -> check -> got
)";
}

// The lines recorded by `got` for process `pid`.
std::vector<Json> got_in(const std::string& record, std::int64_t pid) {
  std::vector<Json> out;
  for (auto& line : read_jsonl(record)) {
    if (line["process_id"] == pid) out.push_back(std::move(line));
  }
  return out;
}

std::int64_t run_items(const WeirHome& home, int expected_code) {
  auto r = home.cli("run", {"items", "--wait", "--json"});
  INFO(r.out);
  REQUIRE(r.code == expected_code);
  const Json out = Json::parse(r.out);
  return out.is_array() ? out[0]["id"].get<std::int64_t>() : out["processes"][0]["id"].get<std::int64_t>();
}

Json delta_of(const WeirHome& home) {
  const Json ls = json_of(home.cli("topology ls", {"--json"}));  // named: the loop reads into it
  for (const auto& t : ls["topologies"]) {
    if (t["name"] == "items") return t["delta"];
  }
  return nullptr;
}

}  // namespace

TEST_CASE("delta: the first run is full, the next fetches only what changed since it began") {
  Erp erp;
  WeirHome home({"core.so", "testkit.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: http\nbase_url: " + erp.base() + "/api\n");
  const std::string record = home.path("got.jsonl");
  home.add_topology("items.yaml", items_topology(record));
  HostProcess host(home);
  REQUIRE(host.start());
  CHECK(delta_of(home) == Json{{"overlap_ms", 1000}, {"since_ms", nullptr}, {"set_ms", nullptr}});

  // First run: full (no updated_since); C fails into the trash.
  const std::int64_t first = run_items(home, 2);
  auto got = got_in(record, first);
  REQUIRE(got.size() == 2);
  CHECK(got[0]["headers"].count("weir-sync-since") == 0);
  const std::int64_t until = std::stoll(got[0]["headers"]["weir-sync-until"].get<std::string>());
  CHECK(erp.seen()[0].target == "/api/items");
  // Completed with a failure, the since moved all the same: to its start
  // less the overlap.
  CHECK(delta_of(home)["since_ms"] == until - 1000);
  CHECK(json_of(home.cli("trash ls", {"--json"})).size() == 1);

  // Second run: only B, which changed while the first ran (at its list).
  // It starts more than the overlap (1 s) after that change, so that the
  // third run's window (from the second's start less 1 s) no longer holds it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::int64_t second = run_items(home, 0);
  CHECK(erp.seen()[1].target == "/api/items?updated_since=" + std::to_string(until - 1000));
  got = got_in(record, second);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["payload"]["sku"] == "B");
  CHECK(got[0]["payload"]["price"] == "2.50");
  CHECK(std::stoll(got[0]["headers"]["weir-sync-since"].get<std::string>()) == until - 1000);
  // C is still in the trash, for a replay; nothing new went there.
  CHECK(json_of(home.cli("trash ls", {"--json"})).size() == 1);

  // Nothing changed: the third run gets nothing.
  const std::int64_t third = run_items(home, 0);
  CHECK(got_in(record, third).empty());

  // `weir topology ls` shows it; `weir sync reset` makes the next run full.
  auto ls = home.cli("topology ls");
  CHECK_THAT(ls.out, Catch::Contains("DELTA") && Catch::Contains("CHANGES SINCE (UTC)"));
  auto reset = home.cli("sync reset", {"items"});
  INFO(reset.out);
  CHECK(reset.code == 0);
  CHECK_THAT(reset.out, Catch::Contains("forgot where items left off: its next run is a full sync"));
  CHECK(delta_of(home)["since_ms"].is_null());
  const std::int64_t full = run_items(home, 2);
  CHECK(got_in(record, full).size() == 2);  // A and B again (C to the trash again)
  CHECK(erp.seen().back().target == "/api/items");

  auto not_delta = home.cli("sync reset", {"nope"});
  CHECK(not_delta.code == 1);
  CHECK_THAT(not_delta.out, Catch::Contains("no topology 'nope' is in effect"));
}
