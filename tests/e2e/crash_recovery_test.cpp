// End to end: the real `weir serve`, killed with SIGKILL in the middle of
// 10,000 processes, restarted; the store must then show every process
// completed exactly once and every queue empty.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "message/attempt_history.hpp"
#include "store/store.hpp"
#include "support/home_store.hpp"
#include "support/host_process.hpp"

using namespace weir;
using weir::test::HostProcess;
using weir::test::WeirHome;
using Json = nlohmann::json;

namespace {

// b sleeps 1 ms per message so the flow takes a few seconds and the kill
// lands while messages are in flight between every pair of nodes.
const char* kChain = R"(name: chain
nodes:
  - id: a
    type: core.pass
    max_batch: 20
  - id: b
    type: testkit.act
    concurrency: 2
    max_batch: 10
    config: {defaults: {sleep_ms: 1}}
  - id: c
    type: core.pass
    max_batch: 20
edges:
  - a -> b -> c
)";

Json status_json(const WeirHome& home) {
  auto r = home.cli("status", {"--json"});
  REQUIRE(r.code == 0);
  return Json::parse(r.out);
}

// The same, but null when the host does not answer (it may be crashing
// right now, which the caller checks for next).
Json status_if_up(const WeirHome& home) {
  auto r = home.cli("status", {"--json"});
  return r.code == 0 ? Json::parse(r.out) : Json();
}

std::int64_t done_at(const Json& status, const std::string& node) {
  for (const auto& t : status["topologies"]) {
    for (const auto& n : t["nodes"]) {
      if (n["id"] == node) return n["done"].get<std::int64_t>();
    }
  }
  return -1;
}

bool all_idle(const Json& status) {
  for (const auto& t : status["topologies"]) {
    for (const auto& n : t["nodes"]) {
      if (n["queued"].get<int>() != 0 || n["in_flight"].get<int>() != 0) return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("10,000 processes survive a SIGKILL mid-flow and each completes exactly once") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("chain.yaml", kChain);
  {
    std::ofstream lines(home.path("orders.jsonl"));
    for (int i = 0; i < 10000; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  HostProcess host(home);
  REQUIRE(host.start());
  auto run = home.cli("run chain", {"--payloads", home.path("orders.jsonl"), "--json"});
  INFO(run.out);
  REQUIRE(run.code == 0);
  REQUIRE(Json::parse(run.out)["processes"].size() == 10000);

  // Kill once a good part, but not all, has gone through.
  std::int64_t done_c = 0;
  for (int i = 0; i < 600 && done_c < 2000; ++i) {
    done_c = done_at(status_json(home), "c");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  host.kill(SIGKILL);
  INFO("c had finished " << done_c << " when the host was killed");
  REQUIRE(done_c >= 2000);
  REQUIRE(done_c < 10000);

  REQUIRE(host.start());
  INFO(host.log());
  CHECK_THAT(host.log(), Catch::Contains("after an unclean stop"));
  bool idle = false;
  for (int i = 0; i < 1200 && !idle; ++i) {
    idle = all_idle(status_json(home)) && done_at(status_json(home), "c") >= 10000;
    if (!idle) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(idle);
  REQUIRE(host.kill(SIGTERM) == 0);

  // Read the truth from the store itself.
  auto store = weir::test::open_home_store(home);
  CHECK(store->recovery().redelivered == 0);  // the clean stop left nothing in flight
  auto processes = store->processes("chain", 20000).value();
  REQUIRE(processes.size() == 10000);
  std::set<store::ProcessId> ids;
  for (const auto& p : processes) {
    ids.insert(p.id);
    CHECK(p.state == store::ProcessState::completed);
    CHECK(p.done == 3);  // a, b and c exactly once each: no visit lost or doubled
    CHECK(p.failed == 0);
    CHECK(p.outstanding == 0);
  }
  CHECK(ids.size() == 10000);
  for (const auto& q : store->queues().value()) {
    CHECK(q.queued == 0);
    CHECK(q.done == 10000);  // each node acknowledged each message once
  }
  CHECK(store->trash(10).value().empty());
}

TEST_CASE("a clean stop under load counts no delivery attempt and loses nothing") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("chain.yaml", kChain);
  {
    std::ofstream lines(home.path("orders.jsonl"));
    for (int i = 0; i < 5000; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run chain", {"--payloads", home.path("orders.jsonl")}).code == 0);
  std::int64_t done_c = 0;
  for (int i = 0; i < 600 && done_c < 1000; ++i) {
    done_c = done_at(status_json(home), "c");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(host.kill(SIGTERM) == 0);  // drains the calls in flight, releases the rest
  REQUIRE(done_c < 5000);

  auto store = weir::test::open_home_store(home);
  CHECK(store->recovery().redelivered == 0);
  std::int64_t queued = 0;
  for (const auto& q : store->queues().value()) queued += q.queued;
  CHECK(queued > 0);  // it really stopped mid-flow
  store.reset();

  REQUIRE(host.start());
  bool idle = false;
  for (int i = 0; i < 1200 && !idle; ++i) {
    auto s = status_json(home);
    idle = all_idle(s) && done_at(s, "c") >= 5000;
    if (!idle) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(idle);
  REQUIRE(host.kill(SIGTERM) == 0);
  auto after = weir::test::open_home_store(home);
  for (const auto& p : after->processes("chain", 10000).value()) {
    CHECK(p.state == store::ProcessState::completed);
    CHECK(p.done == 3);
  }
}

TEST_CASE("a message that crashes the host is set aside after its attempts: all others complete") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("poison.yaml", R"(name: poison
nodes:
  - id: a
    type: core.pass
    max_batch: 20
  - id: boom
    type: testkit.act
    concurrency: 2
    max_batch: 10
    retry: {max_attempts: 3}
    config: {defaults: {sleep_ms: 1}}
  - id: c
    type: core.pass
    max_batch: 20
edges:
  - a -> boom -> c
)");
  {
    // The poison is early, so many good messages are in flight or leased
    // when it first crashes the host (they must not be blamed). It sleeps
    // first, so every process has been started before the host dies.
    std::ofstream lines(home.path("orders.jsonl"));
    for (int i = 0; i < 2000; ++i) {
      if (i == 200) {
        lines << Json{{"order", "poison"}, {"at", {{"boom", {{"sleep_ms", 1000}, {"crash", true}}}}}}
                     .dump()
              << '\n';
      }
      lines << Json{{"order", i}}.dump() << '\n';
    }
  }
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run poison", {"--payloads", home.path("orders.jsonl")}).code == 0);
  int crashes = 0;
  bool finished = false;
  for (int round = 0; round < 20 && !finished; ++round) {
    if (host.exited(std::chrono::milliseconds(200))) {
      ++crashes;
      REQUIRE(host.start());
      continue;
    }
    auto s = status_if_up(home);
    finished = !s.is_null() && all_idle(s) && done_at(s, "c") >= 2000;
  }
  for (int i = 0; i < 200 && !finished; ++i) {  // the last stretch, with no more crashes
    if (host.exited(std::chrono::milliseconds(50))) {
      ++crashes;
      REQUIRE(host.start());
    }
    auto s = status_if_up(home);
    finished = !s.is_null() && all_idle(s) && done_at(s, "c") >= 2000;
  }
  REQUIRE(finished);
  CHECK(crashes == 3);  // the poison message's three attempts, and nothing else crashed it
  CHECK_THAT(host.log(), Catch::Contains("after an unclean stop"));
  REQUIRE(host.kill(SIGTERM) == 0);

  auto store = weir::test::open_home_store(home);
  auto trash = store->trash(10).value();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].node == "boom");
  CHECK_THAT(trash[0].error, Catch::StartsWith("crashed the host 3 time(s) in 3 attempt(s)"));
  auto history = message::history_json(trash[0].errors);
  REQUIRE(history.size() == 3);
  for (const auto& h : history) CHECK(h["kind"] == "crash");
  int completed = 0, with_failures = 0;
  for (const auto& p : store->processes("poison", 5000).value()) {
    if (p.state == store::ProcessState::completed) {
      ++completed;
      CHECK(p.done == 3);
    } else {
      ++with_failures;
      CHECK(p.state == store::ProcessState::failed);
      CHECK(p.failed == 1);
    }
  }
  CHECK(completed == 2000);
  CHECK(with_failures == 1);
}

TEST_CASE("after a SIGKILL, messages that were only prefetched are not blamed for the crash") {
  // One call of 10 at a time, 20 ms a message, and up to 20 more prefetched.
  // With max_attempts 1, a message blamed for the crash goes to the trash
  // unrun; only the ones in the call at the kill may.
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("slow.yaml", R"(name: slow
nodes:
  - id: slow
    type: testkit.act
    concurrency: 1
    max_batch: 10
    retry: {max_attempts: 1}
    config: {defaults: {sleep_ms: 20}}
)");
  {
    std::ofstream lines(home.path("orders.jsonl"));
    for (int i = 0; i < 100; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run slow", {"--payloads", home.path("orders.jsonl")}).code == 0);
  std::int64_t done = 0;
  for (int i = 0; i < 500 && done < 10; ++i) {
    done = done_at(status_json(home), "slow");
    if (done < 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  host.kill(SIGKILL);
  INFO("slow had finished " << done << " when the host was killed");
  REQUIRE(done >= 10);
  REQUIRE(done < 100);

  REQUIRE(host.start());
  const std::string log = host.log();
  INFO(log);
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex(R"((\d+) were in a call and count it as an attempt, (\d+) only prefetched)")));
  const int in_call = std::stoi(m[1]), prefetched = std::stoi(m[2]);
  CHECK(in_call <= 10);      // at most the one call of 10
  CHECK(prefetched >= 1);    // the buffer behind it
  bool idle = false;
  for (int i = 0; i < 600 && !idle; ++i) {
    const Json s = status_json(home);
    idle = all_idle(s) && done_at(s, "slow") + in_call >= 100;
    if (!idle) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(idle);
  REQUIRE(host.kill(SIGTERM) == 0);

  auto store = weir::test::open_home_store(home);
  // Exactly the messages that were in the call: set aside, unrun, as crashes.
  auto trash = store->trash(1000).value();
  CHECK(trash.size() == static_cast<std::size_t>(in_call));
  for (const auto& t : trash) CHECK_THAT(t.error, Catch::StartsWith("crashed the host 1 time(s)"));
  int completed = 0;
  for (const auto& p : store->processes("slow", 1000).value()) {
    if (p.state == store::ProcessState::completed) ++completed;
  }
  CHECK(completed == 100 - in_call);
}
