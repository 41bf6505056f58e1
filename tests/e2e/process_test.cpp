// End to end: process counters and traces. Fan-out processes (1 -> 100 ->
// 1,000 messages each) complete with exact counts across a SIGKILL, and
// `weir process ls / show` report them.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/home_store.hpp"
#include "support/host_process.hpp"

using namespace weir;
using weir::test::HostProcess;
using namespace weir::test;
using weir::test::WeirHome;
using Json = nlohmann::json;

namespace {

const char* kFan = R"(name: fan
nodes:
  - id: split
    type: testkit.act
  - id: each
    type: testkit.act
    max_batch: 10
  - id: last
    type: core.pass
    max_batch: 100
edges:
  - split -> each -> last
)";

}  // namespace

TEST_CASE("fan-out processes (1 -> 100 -> 1,000) keep exact counts across a SIGKILL") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("fan.yaml", kFan);
  HostProcess host(home);
  REQUIRE(host.start());
  const Json payload = {{"at", {{"split", {{"fanout", 100}}}, {"each", {{"fanout", 10}, {"sleep_ms", 4}}}}}};
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    Json r = json_of(home.cli("run fan", {"--payload", payload.dump(), "--json"}));
    ids.push_back(r["processes"][0].get<std::uint64_t>());
  }
  std::int64_t last = 0;
  for (int i = 0; i < 600 && last < 1000; ++i) {
    last = done_at(home, "last");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  host.kill(SIGKILL);
  INFO("last had " << last << " of 5000 when the host was killed");
  REQUIRE(last >= 1000);
  REQUIRE(last < 5000);

  REQUIRE(host.start());
  Json waited = json_of(home.cli("run fan", {"--payload", "{}", "--json"}));  // the host is live
  auto all = json_of(home.cli("process ls", {"--json", "--topology", "fan"}));
  REQUIRE(all.size() == 6);
  for (int i = 0; i < 600 && done_at(home, "last") < 5001; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Json completed = json_of(home.cli("process ls", {"--json", "--state", "completed"}));
  CHECK(completed.size() == 6);
  CHECK(json_of(home.cli("process ls", {"--json", "--state", "running"})).empty());
  CHECK(json_of(home.cli("process ls", {"--json", "--topology", "other"})).empty());
  for (auto id : ids) {
    Json shown = json_of(home.cli("process show " + std::to_string(id), {"--json"}));
    const Json& p = shown["process"];
    CHECK(p["state"] == "completed");
    CHECK(p["done"] == 1 + 100 + 1000);  // every visit exactly once, crash or not
    CHECK(p["failed"] == 0);
    CHECK(p["total"] == 1101);
    // The trace: one committed visit per message, and the lineage is a tree.
    std::multiset<std::string> nodes;
    std::set<std::uint64_t> messages;
    for (const auto& v : shown["visits"]) {
      nodes.insert(v["node"].get<std::string>());
      messages.insert(v["message_id"].get<std::uint64_t>());
    }
    CHECK(nodes.count("split") == 1);
    CHECK(nodes.count("each") == 100);
    CHECK(nodes.count("last") == 1000);
    CHECK(messages.size() == 1101);
  }
  auto text = home.cli("process show " + std::to_string(ids[0]));
  CHECK_THAT(text.out, Catch::Contains("process " + std::to_string(ids[0]) + " of fan: completed") &&
                           Catch::Contains("\n  each") && Catch::Contains("\n    last"));
  REQUIRE(host.kill(SIGTERM) == 0);
  auto store = weir::test::open_home_store(home);
  for (const auto& q : store->queues().value()) CHECK(q.queued == 0);
}

TEST_CASE("a retried message keeps its id: its attempts form one line of the trace") {
  WeirHome home({"core.so", "testkit.so"});
  home.write("weir.yaml", weir::test::kBaseConfig + "retry: {delay: 10ms}\n");
  home.add_topology("fan.yaml", kFan);
  home.add_topology("quiet.yaml", "name: quiet\ntrace: failures\nnodes:\n  - {id: x, type: testkit.act}\n");
  HostProcess host(home);
  REQUIRE(host.start());
  Json r = json_of(home.cli("run fan", {"--payload", R"({"at": {"each": {"retry_until_attempt": 3}}})",
                                        "--wait", "--json"}));
  const auto id = r["processes"][0]["id"].get<std::uint64_t>();
  Json shown = json_of(home.cli("process show " + std::to_string(id), {"--json"}));
  std::vector<Json> each;
  for (const auto& v : shown["visits"]) {
    if (v["node"] == "each") each.push_back(v);
  }
  REQUIRE(each.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(each[i]["message_id"] == each[0]["message_id"]);
    CHECK(each[i]["attempt"] == i + 1);
    CHECK(each[i]["outcome"] == (i < 2 ? "retry" : "success"));
  }
  CHECK(each[0]["error"] == "not yet: attempt 1");
  // trace: failures keeps only what went wrong.
  Json ok = json_of(home.cli("run quiet", {"--wait", "--json"}));
  auto bad_run = home.cli("run quiet", {"--payload", R"({"fail": "no"})", "--wait", "--json"});
  CHECK(bad_run.code == 2);  // completed with failures
  Json bad = Json::parse(bad_run.out);
  auto visits_of = [&](const Json& run) {
    auto pid = run["processes"][0]["id"].get<std::uint64_t>();
    return json_of(home.cli("process show " + std::to_string(pid), {"--json"}))["visits"];
  };
  CHECK(visits_of(ok).empty());
  REQUIRE(visits_of(bad).size() == 1);
  CHECK(visits_of(bad)[0]["outcome"] == "failed");
}
