// End to end: cron triggers with the real host and real time (short
// "@every" schedules), one real-time wait a test: a trigger fires on its
// schedule through the real engine, and a run that is still going (the real
// pump's process state) makes the next slot skip unless overlap is allowed.
// The scheduler's decisions (missed fires at start, skips and their counts,
// DST gaps, reloads, refused starts) are unit-tested at times a ManualClock
// sets (tests/unit/scheduler_test.cpp), and what `topology ls` shows of them
// too (tests/unit/control_views_test.cpp).
#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

Json trigger_of(const WeirHome& home, const std::string& topology) {
  const Json ls = json_of(home.cli("topology ls", {"--json"}));
  for (const auto& t : ls["topologies"]) {
    if (t["name"] == topology && !t["triggers"].empty()) return t["triggers"][0];
  }
  return nullptr;
}

// The topology's processes, oldest first.
std::vector<Json> runs_of(const WeirHome& home, const std::string& topology) {
  Json ls = json_of(home.cli("process ls", {"--topology", topology, "--limit", "1000", "--json"}));
  std::vector<Json> out(ls.begin(), ls.end());
  std::sort(out.begin(), out.end(), [](const Json& a, const Json& b) { return a["id"] < b["id"]; });
  return out;
}

bool wait_for(const std::function<bool()>& ok, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ok();
}

}  // namespace

TEST_CASE("a cron trigger fires on schedule in the real host and topology ls shows it") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("ticks.yaml", R"(name: ticks
trigger: {cron: "@every 2s", payload: {tick: true}}
nodes:
  - {id: take, type: core.pass}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  Json trigger = trigger_of(home, "ticks");
  REQUIRE(!trigger.is_null());
  CHECK(trigger["id"] == "cron");
  CHECK(trigger["cron"] == "@every 2s");
  CHECK(trigger["timezone"] == "UTC");
  CHECK_THAT(home.cli("topology ls").out, Catch::Contains("ticks/cron") && Catch::Contains("@every 2s"));

  REQUIRE(wait_for([&] { return runs_of(home, "ticks").size() >= 2; }, std::chrono::seconds(10)));
  auto runs = runs_of(home, "ticks");
  CHECK_THAT(runs[0]["correlation_id"].get<std::string>(), Catch::StartsWith("cron@20"));
  // Two seconds apart, as scheduled.
  const auto gap = runs[1]["started_ms"].get<std::int64_t>() - runs[0]["started_ms"].get<std::int64_t>();
  CHECK(gap >= 1900);
  CHECK(gap <= 2600);
  REQUIRE(wait_for([&] { return runs_of(home, "ticks")[0]["state"] == "completed"; },
                   std::chrono::seconds(10)));
  CHECK(trigger_of(home, "ticks")["fired"].get<int>() >= 2);
  // A manual run works on a cron topology too.
  CHECK(home.cli("run ticks", {"--wait"}).code == 0);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("a slot that comes while the last run still goes is skipped unless overlap is allowed") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("slow.yaml", R"(name: slow
trigger: {cron: "@every 1s"}
nodes:
  - {id: sync, type: testkit.act, config: {defaults: {sleep_ms: 2500}}}
)");
  home.add_topology("eager.yaml", R"(name: eager
triggers:
  - {id: often, cron: "@every 1s", overlap: true}
nodes:
  - {id: sync, type: testkit.act, concurrency: 8, config: {defaults: {sleep_ms: 2500}}}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  Json slow, eager;
  REQUIRE(wait_for(
      [&] {
        slow = trigger_of(home, "slow");
        eager = trigger_of(home, "eager");
        return slow["skipped"].get<int>() >= 2 && slow["fired"].get<int>() >= 2 &&
               eager["fired"].get<int>() >= 4;
      },
      std::chrono::seconds(20)));
  REQUIRE(host.kill(SIGTERM) == 0);  // a clean stop lets the runs in flight finish
  const std::string first_log = host.log();
  REQUIRE(host.start());

  // slow: never two runs at once; the slots in between were skipped.
  auto runs = runs_of(home, "slow");
  REQUIRE(runs.size() >= 2);
  for (std::size_t i = 1; i < runs.size(); ++i) {
    if (runs[i - 1]["state"] == "running") continue;
    CHECK(runs[i]["started_ms"].get<std::int64_t>() >= runs[i - 1]["finished_ms"].get<std::int64_t>());
  }
  CHECK(slow["skipped"].get<int>() >= 2);
  CHECK(slow["fired"].get<int>() >= 2);
  CHECK_THAT(first_log, Catch::Contains("slow/cron skipped its slot") &&
                            Catch::Contains("is still going (set overlap: true to allow)"));

  // eager: overlapping runs, none skipped.
  auto many = runs_of(home, "eager");
  CHECK(eager["skipped"] == 0);
  REQUIRE(many.size() >= 4);
  CHECK(many[1]["started_ms"].get<std::int64_t>() < many[0]["finished_ms"].get<std::int64_t>());
  REQUIRE(host.kill(SIGTERM) == 0);
}
