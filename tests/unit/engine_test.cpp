// The engine with real plugins (core, testkit), a real store and real ZeroMQ.
#include <catch2/catch.hpp>

#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "engine/command_queue.hpp"
#include "message/attempt_history.hpp"
#include "support/jsonl.hpp"
#include "support/engine_fixture.hpp"

using namespace weir;
using weir::test::EngineFixture;
using store::ProcessState;

namespace {

using weir::test::read_jsonl;

std::string chain_yaml(const std::string& name, const std::string& extra_b = "") {
  return "name: " + name + R"(
nodes:
  - id: a
    type: core.pass
  - id: b
    type: testkit.act
)" + extra_b + R"(
  - id: c
    type: core.pass
edges:
  - a -> b -> c
)";
}

std::vector<Json> numbered(int n, Json extra = Json::object()) {
  std::vector<Json> out;
  for (int i = 0; i < n; ++i) {
    Json p = extra;
    p["n"] = i;
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE("every message flows through a chain and every process completes exactly once") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto ids = f.run("chain", numbered(2000));
  REQUIRE(f.wait_finished(ids));
  for (auto id : ids) {
    auto p = f.process(id);
    CHECK(p.state == ProcessState::completed);
    CHECK(p.done == 3);
    CHECK(p.outstanding == 0);
  }
  CHECK(f.total_queued() == 0);
  CHECK(f.trash().empty());
}

TEST_CASE("a node takes up to max_batch messages in one call and answers each one") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  f.install(R"(
name: batched
nodes:
  - id: probe
    type: testkit.batch_probe
    max_batch: 50
  - id: sink
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - probe -> sink
)");
  // 500 processes start in one commit, so the node's queue fills at once
  // and calls can take full batches.
  f.start();
  auto ids = f.run("batched", numbered(500));
  REQUIRE(f.wait_finished(ids));
  auto lines = read_jsonl(out);
  REQUIRE(lines.size() == 500);
  int biggest = 0;
  std::set<int> seen;
  for (const auto& l : lines) {
    int size = l["payload"]["batch_size"].get<int>();
    CHECK(size <= 50);
    biggest = std::max(biggest, size);
    seen.insert(l["payload"]["n"].get<int>());
  }
  CHECK(biggest > 1);
  CHECK(seen.size() == 500);  // each message answered once, none lost
}

TEST_CASE("a failed message goes to the trash with its error while the others complete") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto good = f.run("chain", numbered(100));
  auto bad = f.run("chain", {Json{{"order", 7}, {"at", {{"b", {{"fail", "address has no zip"}}}}}}});
  REQUIRE(f.wait_finished(good));
  REQUIRE(f.wait_finished(bad));
  for (auto id : good) CHECK(f.process(id).state == ProcessState::completed);
  auto p = f.process(bad[0]);
  CHECK(p.state == ProcessState::failed);
  CHECK(p.done == 1);
  CHECK(p.failed == 1);
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].node == "b");
  CHECK(trash[0].error == "address has no zip");
  CHECK(payload::to_json(trash[0].payload)["order"] == 7);
}

TEST_CASE("an exception thrown in a node fails that message with the exception's text") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto ids = f.run("chain", {Json{{"at", {{"b", {{"throw", "ERP timeout after 30s"}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].error == "ERP timeout after 30s");
}

TEST_CASE("a plugin that emits garbage or never finishes fails the message with a clear error") {
  EngineFixture f;
  f.install(R"(
name: misbehave
nodes:
  - id: act
    type: testkit.act
  - id: lazy
    type: testkit.unfinished
edges:
  - act -> lazy
)");
  f.start();
  auto garbage = f.run("misbehave", {Json{{"at", {{"act", {{"garbage", true}}}}}}});
  REQUIRE(f.wait_finished(garbage));
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].node == "act");
  CHECK_THAT(trash[0].error, Catch::Contains("the host refuses") && Catch::Contains("invalid type byte at byte 0"));
  auto lazy = f.run("misbehave", {Json{{"n", 1}}});
  REQUIRE(f.wait_finished(lazy));
  trash = f.trash();
  REQUIRE(trash.size() == 2);
  CHECK(trash[1].node == "lazy");
  CHECK_THAT(trash[1].error, Catch::Contains("misbehave/lazy (testkit.unfinished) did not finish"));
}

TEST_CASE("forward sends only to the named follower: an unknown name fails the message") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  f.install(R"(
name: router
nodes:
  - id: route
    type: testkit.act
  - id: left
    type: testkit.record
    config: {path: ")" + out + R"("}
  - id: right
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - route -> left
  - route -> right
)");
  f.start();
  auto ids = f.run("router", {Json{{"forward", {"right"}}}, Json{{"n", 2}}});
  auto bad = f.run("router", {Json{{"forward", {"nowhere"}}}});
  REQUIRE(f.wait_finished(ids));
  REQUIRE(f.wait_finished(bad));
  auto lines = read_jsonl(out);
  int to_left = 0, to_right = 0;
  for (const auto& l : lines) (l["node"] == "left" ? to_left : to_right)++;
  CHECK(to_left == 1);   // only the plain message
  CHECK(to_right == 2);  // the forwarded one and the plain one
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK_THAT(trash[0].error, Catch::Contains("'nowhere'") && Catch::Contains("left, right"));
}

TEST_CASE("stop ends the lineage and the process completes") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto ids = f.run("chain", {Json{{"at", {{"b", {{"stop", true}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.done == 2);  // a and b; c never ran
}

TEST_CASE("a fan-out process completes with exact counts") {
  EngineFixture f;
  f.install(R"(
name: fan
nodes:
  - id: split
    type: testkit.act
  - id: each
    type: testkit.act
  - id: last
    type: core.pass
    max_batch: 100
edges:
  - split -> each -> last
)");
  f.start();
  auto ids = f.run("fan", {Json{{"at", {{"split", {{"fanout", 10}}}, {"each", {{"fanout", 10}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.done == 1 + 10 + 100);  // split once, each 10 times, last 100 times
  CHECK(p.failed == 0);
  CHECK(f.total_queued() == 0);
}

TEST_CASE("a node never has more calls in flight than its concurrency") {
  EngineFixture f(engine::EngineOptions{16});
  f.install(R"(
name: slow
nodes:
  - id: wait
    type: testkit.act
    concurrency: 4
    config: {defaults: {sleep_ms: 300}}
)");
  f.start();
  auto ids = f.run("slow", numbered(12));
  std::int64_t most = 0;
  for (int i = 0; i < 400 && most < 4; ++i) {
    for (const auto& n : f.engine().nodes()) most = std::max(most, n.in_flight);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(most == 4);
  while (!f.wait_finished(ids, std::chrono::seconds(0))) {
    for (const auto& n : f.engine().nodes()) CHECK(n.in_flight <= 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST_CASE("a slow topology does not hold up another one") {
  EngineFixture f(engine::EngineOptions{4});
  f.install(R"(
name: slow
nodes:
  - id: wait
    type: testkit.act
    concurrency: 2
    config: {defaults: {sleep_ms: 5000}}
)");
  f.install(chain_yaml("fast"));
  f.start();
  auto slow = f.run("slow", numbered(2));
  auto fast = f.run("fast", numbered(500));
  REQUIRE(f.wait_finished(fast));
  // All 500 fast processes completed while the slow ones are still running.
  for (auto id : slow) CHECK(f.process(id).state == ProcessState::running);
  REQUIRE(f.wait_finished(slow));
}

TEST_CASE("messages in flight when the engine stops without committing are redelivered") {
  EngineFixture f(engine::EngineOptions{4, 10000, std::chrono::milliseconds(0)});
  const std::string out = f.dir().file("out.jsonl");
  const std::string yaml = R"(
name: slow
nodes:
  - id: wait
    type: testkit.act
    concurrency: 2
    config: {defaults: {sleep_ms: 400, note_attempt: true}}
  - id: sink
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - wait -> sink
)";
  f.install(yaml);
  f.start();
  auto ids = f.run("slow", numbered(2));
  // Stop while both calls sleep: the drain timeout is 0, so nothing is committed.
  while (f.engine().nodes()[0].in_flight < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  f.close();
  f.open();
  CHECK(f.store().recovery().redelivered == 2);
  f.install(yaml);
  f.start();
  REQUIRE(f.wait_finished(ids));
  auto lines = read_jsonl(out);
  REQUIRE(lines.size() == 2);  // each reached the sink once
  std::set<int> seen;
  for (const auto& l : lines) {
    CHECK(l["payload"]["attempt_at"]["wait"] == 2);  // `wait` got them a second time
    seen.insert(l["payload"]["n"].get<int>());
  }
  CHECK(seen == std::set<int>{0, 1});
  for (auto id : ids) CHECK(f.process(id).done == 2);
}

TEST_CASE("state a node writes is committed with its results") {
  EngineFixture f;
  f.install(R"(
name: counting
nodes:
  - id: count
    type: testkit.counter
    config: {key: seen}
)");
  f.start();
  for (int i = 0; i < 5; ++i) REQUIRE(f.wait_finished(f.run("counting", {Json{{"i", i}}})));
  auto v = f.store().state_get("counting", "seen").value();
  REQUIRE(v.has_value());
  CHECK(std::string(v->begin(), v->end()) == "5");
}

TEST_CASE("starting processes on a full disk is refused and nothing is started") {
  EngineFixture f(engine::EngineOptions{}, 512 * 1024);
  f.install(chain_yaml("chain"));
  f.start();
  std::vector<engine::StartRequest> big;
  for (int i = 0; i < 100; ++i) big.push_back({payload::from_json(Json{{"blob", std::string(8000, 'x')}}), {}, ""});
  auto r = f.engine().start_processes("chain", std::move(big));
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.error(), Catch::Contains("full") && Catch::Contains("nothing was started"));
  auto ok = f.run("chain", numbered(3));
  REQUIRE(f.wait_finished(ok));
}

TEST_CASE("starting no processes answers at once with none") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto r = f.engine().start_processes("chain", {});
  REQUIRE(r.is_ok());
  CHECK(r->empty());
  REQUIRE(f.wait_finished(f.run("chain", numbered(1))));  // the engine is unharmed
}

TEST_CASE("a start after the engine stopped is refused, not left waiting") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  f.engine().stop();
  auto r = f.engine().start_processes("chain", {{payload::from_json(Json::object()), {}, ""}});
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.error(), Catch::Contains("not running"));
}

TEST_CASE("results whose commit fails on a full disk are not lost") {
  EngineFixture f(engine::EngineOptions{4, 10000, std::chrono::milliseconds(300)}, 1024 * 1024);
  const std::string yaml = R"(
name: fan
nodes:
  - id: split
    type: testkit.act
  - id: each
    type: core.pass
    max_batch: 100
edges:
  - split -> each
)";
  f.install(yaml);
  f.start();
  // 300 outputs of 8 KB do not fit in 1 MB: every commit of them fails.
  auto ids = f.run("fan", {Json{{"blob", std::string(8000, 'x')}, {"at", {{"split", {{"fanout", 300}}}}}}});
  CHECK_FALSE(f.wait_finished(ids, std::chrono::seconds(2)));
  f.close();  // stops with the acks still uncommitted
  f.set_max_store_bytes(0);
  f.open();
  // split's input was never acknowledged: it is ready again (as it was: its
  // call had finished, so nothing counts it as a crash).
  CHECK(f.store().recovery().redelivered + f.store().recovery().unstarted == 1);
  f.install(yaml);
  f.start();
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.done == 1 + 300);
  CHECK(f.trash().empty());
}

TEST_CASE("starting an unknown topology names the running ones") {
  EngineFixture f;
  f.install(chain_yaml("chain"));
  f.start();
  auto r = f.engine().start_processes("chian", {});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error() == "unknown topology 'chian' (running: chain)");
}

// ---- retry later -------------------------------------------------------------

namespace {

std::string retry_yaml(const std::string& record_path, const std::string& retry) {
  return R"(
name: orders
nodes:
  - id: erp
    type: testkit.act
    concurrency: 4
    retry: )" + retry + R"(
  - id: sink
    type: testkit.record
    config: {path: ")" + record_path + R"("}
edges:
  - erp -> sink
)";
}

std::int64_t retried_at(store::Store& s, const std::string& node) {
  for (const auto& q : s.queues().value()) {
    if (q.node == node) return q.retried;
  }
  return -1;
}

}  // namespace

TEST_CASE("retry later delivers the message again after the policy's wait") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  f.install(retry_yaml(out, "{delay: 20ms, jitter: 0}"));
  f.start();
  auto ids = f.run("orders", {Json{{"at", {{"erp", {{"retry_until_attempt", 3}, {"note_attempt", true}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.done == 2);  // erp once (its last, good attempt) and sink
  auto lines = read_jsonl(out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["payload"]["attempt_at"]["erp"] == 3);
  CHECK(retried_at(f.store(), "erp") == 2);
  CHECK(f.trash().empty());
}

TEST_CASE("a message waiting to retry does not hold up the messages behind it") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  f.install(retry_yaml(out, "{delay: 3s, jitter: 0}"));
  f.start();
  auto slow = f.run("orders", {Json{{"at", {{"erp", {{"retry_until_attempt", 2}}}}}}});
  auto fast = f.run("orders", numbered(100));
  REQUIRE(f.wait_finished(fast));
  CHECK(f.process(slow[0]).state == ProcessState::running);
  auto qs = f.store().queues().value();
  CHECK(std::any_of(qs.begin(), qs.end(), [](const auto& q) { return q.waiting == 1; }));
  REQUIRE(f.wait_finished(slow));
  CHECK(f.process(slow[0]).state == ProcessState::completed);
}

TEST_CASE("after its last attempt a message goes to the trash with every attempt's error") {
  EngineFixture f;
  f.install(retry_yaml(f.dir().file("out.jsonl"), "{max_attempts: 3, delay: 10ms}"));
  f.start();
  auto ids = f.run("orders", {Json{{"order", 9}, {"at", {{"erp", {{"retry", "ERP answered 503"}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::failed);
  CHECK(p.failed == 1);
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].error == "gave up after 3 attempts: ERP answered 503");
  CHECK(trash[0].attempts == 3);
  CHECK(payload::to_json(trash[0].payload)["order"] == 9);
  auto history = message::history_json(trash[0].errors);
  REQUIRE(history.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(history[i]["attempt"] == i + 1);
    CHECK(history[i]["error"] == "ERP answered 503");
  }
  CHECK(trash[0].first_failed_ms == history[0]["at"].get<std::int64_t>());
  CHECK(trash[0].failed_ms >= trash[0].first_failed_ms);
}

TEST_CASE("a node's own delay (Retry-After) wins over a shorter policy wait") {
  EngineFixture f;
  f.install(retry_yaml(f.dir().file("out.jsonl"), "{max_attempts: 2, delay: 10ms, jitter: 0}"));
  f.start();
  auto ids = f.run("orders", {Json{{"at", {{"erp", {{"retry", "429"}, {"retry_after_ms", 600}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto history = message::history_json(f.trash().at(0).errors);
  REQUIRE(history.size() == 2);
  // The second attempt came no sooner than the node asked.
  CHECK(history[1]["at"].get<std::int64_t>() - history[0]["at"].get<std::int64_t>() >= 600);
}

// ---- paging (batch cursor) ------------------------------------------------------

TEST_CASE("a paging node goes through its source a page per commit, each item once") {
  EngineFixture f(engine::EngineOptions{4, 10000, std::chrono::milliseconds(0)});
  const std::string yaml = R"(
name: catalog
nodes:
  - id: source
    type: testkit.pages
  - id: slow
    type: testkit.act
    max_batch: 50
    config: {defaults: {sleep_ms: 1}}
edges:
  - source -> slow
)";
  f.install(yaml);
  f.start();
  auto ids = f.run("catalog", {Json{{"total", 1050}, {"page", 100}}});
  // Stop in the middle (a clean stop; tests/e2e/paging_test.cpp kills the
  // host instead): pages already committed stay committed and the next
  // start goes on from the last cursor.
  std::int64_t done = 0;
  for (int i = 0; i < 2000 && done < 300; ++i) {
    for (const auto& q : f.store().queues().value()) if (q.node == "slow") done = q.done;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(done >= 300);
  REQUIRE(done < 1050);  // really in the middle
  f.close();
  f.open();
  f.install(yaml);
  f.start();
  REQUIRE(f.wait_finished(ids));
  auto p = f.process(ids[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.done == 11 + 1050);  // 11 pages, and each item once: none lost, none twice
  auto visits = f.store().visits(ids[0]).value();
  std::set<std::uint64_t> pages;
  for (const auto& v : visits) {
    if (v.node == "source" && v.outcome == WEIR_OUTCOME_CURSOR) pages.insert(v.message_id);
  }
  CHECK(pages.size() == 10);  // ten "next page" visits, the eleventh page ended it
}

TEST_CASE("a paging node that asks for a next page with no cursor goes to the trash, explained") {
  EngineFixture f;
  f.install("name: bad\nnodes:\n  - {id: source, type: testkit.pages}\n");
  f.start();
  // Without this guard the node would be called from the start again and again.
  auto ids = f.run("bad", {Json{{"total", 30}, {"page", 10}, {"lose_cursor", true}}});
  REQUIRE(f.wait_finished(ids));
  CHECK(f.process(ids[0]).state == ProcessState::failed);
  auto trash = f.store().trash(10).value();
  REQUIRE(trash.size() == 1);
  CHECK_THAT(trash[0].error, Catch::Contains("gave no cursor"));
  CHECK_THAT(trash[0].error, Catch::Contains("bad/source"));
}

// While a commit runs, starts do not wake the pump (CommandQueue quiet): the
// pump must take them when the commit is back, or the last ones of a burst
// would wait for a wake that never comes.
TEST_CASE("a quiet command queue holds starts without a wake until the pump takes them") {
  engine::CommandQueue q;
  q.open();
  auto readable = [&] {
    pollfd p{q.fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  };
  auto start = [] {
    auto cmd = std::make_unique<engine::StartCommand>();
    cmd->topology = "t";
    return cmd;
  };
  q.quiet_starts(true);
  auto a = start();
  REQUIRE(q.push_start(a));
  CHECK_FALSE(readable());  // no wake while quiet
  q.quiet_starts(false);
  CHECK(q.take().starts.size() == 1);  // the pump takes what came
  auto b = start();
  REQUIRE(q.push_start(b));
  CHECK(readable());  // not quiet: the first start wakes it
  CHECK(q.take().starts.size() == 1);
  q.quiet_starts(true);
  auto replay = std::make_unique<engine::ReplayCommand>();
  REQUIRE(q.push_replay(replay));
  CHECK(readable());  // replays (and swaps, and stop) wake it even when quiet
}

TEST_CASE("starts from many threads during running commits are each committed and answered") {
  EngineFixture f;
  f.install("name: hooks\nnodes:\n  - {id: take, type: core.pass, max_batch: 100}\n");
  f.start();
  constexpr int kThreads = 8, kEach = 300;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<store::ProcessId> ids;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        engine::StartRequest req{payload::from_json(Json{{"t", t}, {"i", i}}), {}, ""};
        f.engine().start_processes_async("hooks", {std::move(req)}, [&](engine::StartResult r) {
          std::lock_guard lock(mu);
          if (r && r->size() == 1) ids.push_back(r->front());
          else errors.push_back(r ? "no id" : r.error());
          cv.notify_all();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  std::unique_lock lock(mu);
  // A start left in the queue is never answered: this wait would run out.
  const bool answered = cv.wait_for(lock, std::chrono::seconds(60), [&] {
    return ids.size() + errors.size() == kThreads * kEach;
  });
  REQUIRE(answered);
  CHECK(errors.empty());
  auto unique = ids;
  std::sort(unique.begin(), unique.end());
  CHECK(std::unique(unique.begin(), unique.end()) == unique.end());
  lock.unlock();
  REQUIRE(f.wait_finished(ids));
  CHECK(f.total_queued() == 0);
}

// ---- stops and reloads that race with the pump's own work -------------------

TEST_CASE("a stop while a crash suspect waits for the other calls to finish is clean") {
  // The suspect (b's message, in a call when the host died) waits for a's
  // slow calls to finish before running alone; the stop comes in between.
  // The stop gave back every lease, the suspect's too, and the quarantine
  // once went on with an emptied buffer (a double free).
  EngineFixture f(engine::EngineOptions{4, 10000, std::chrono::milliseconds(5000)});
  const std::string yaml = R"(name: q
nodes:
  - id: a
    type: testkit.act
    concurrency: 2
    config: {defaults: {sleep_ms: 300}}
  - id: b
    type: core.pass
)";
  {
    store::Store& s = f.store();
    const store::QueueId a = s.queue("q", "a").value(), b = s.queue("q", "b").value();
    store::CommitBatch start;
    store::NewProcess suspect{"q", "", {b}, {}, payload::from_json(Json{{"n", 0}}), "", 0};
    start.new_processes.push_back(suspect);
    start.leases = {{b, 1}};
    auto r = s.commit(start);
    REQUIRE(r.is_ok());
    s.note_started(b, r->leased.at(0).seq);
    start = {};
    for (int i = 1; i <= 4; ++i) {
      start.new_processes.push_back(
          store::NewProcess{"q", "", {a}, {}, payload::from_json(Json{{"n", i}}), "", 0});
    }
    REQUIRE(s.commit(start).is_ok());
  }
  f.close();  // the "crash": b's message was in a call
  f.open();
  REQUIRE(f.store().recovery().redelivered == 1);
  f.install(yaml);
  f.start();
  // a's calls run (the suspect now waits for them), then the stop.
  bool running = false;
  for (int i = 0; i < 400 && !running; ++i) {
    for (const auto& n : f.engine().nodes()) running = running || (n.node == "a" && n.in_flight > 0);
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(running);
  f.engine().stop();
  // Nothing lost: every message is done or still queued, the suspect with
  // its crash on record (it runs alone at the next start).
  f.close();
  f.open();
  std::int64_t done = 0, queued = 0;
  for (const auto& q : f.store().queues().value()) {
    done += q.done;
    queued += q.queued;
  }
  CHECK(done + queued == 5);
  CHECK(f.store().recovery().redelivered == 0);
  f.install(yaml);
  f.start();
  bool all_done = false;
  for (int i = 0; i < 1000 && !all_done; ++i) {
    done = 0;
    for (const auto& q : f.store().queues().value()) done += q.done;
    all_done = done == 5;
    if (!all_done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(all_done);
  CHECK(f.trash().empty());
}

TEST_CASE("a replay whose node a reload has just removed stays in the trash, refused") {
  // The control thread checks that the node runs before it asks for a
  // replay; a reload can take the node out before the replay is committed.
  // The check that counts is where the commit is built.
  EngineFixture f;
  const std::string v1 = R"(name: flow
nodes:
  - id: a
    type: core.pass
  - id: b
    type: testkit.act
edges:
  - a -> b
)";
  f.install(v1);
  f.start();
  auto ids = f.run("flow", {Json{{"at", {{"b", {{"fail", "ERP says no"}}}}}}});
  REQUIRE(f.wait_finished(ids));
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  // Version 2 has no b; then the replay arrives (as if it had passed the
  // control thread's check just before).
  f.install(R"(name: flow
nodes:
  - id: a
    type: core.pass
)");
  auto out = f.engine().replay(store::Replay{{trash[0].id}, {}, std::nullopt});
  REQUIRE(out.is_ok());
  CHECK(out->replayed.empty());
  CHECK(out->not_served == std::vector<std::int64_t>{trash[0].id});
  // Still in the trash, and nothing stranded in b's queue.
  CHECK(f.trash().size() == 1);
  for (const auto& q : f.store().queues().value()) {
    if (q.node == "b") CHECK(q.queued == 0);
  }
  CHECK(f.process(ids[0]).state == ProcessState::failed);
}

TEST_CASE("a trash entry carries the version of the topology that ran the call, even after a reload") {
  EngineFixture f;
  const std::string v1 = R"(name: flow
nodes:
  - id: b
    type: testkit.act
)";
  f.install(v1);
  f.start();
  auto ids = f.run("flow", {Json{{"sleep_ms", 400}, {"fail", "ERP says no"}}});
  bool running = false;
  for (int i = 0; i < 400 && !running; ++i) {
    for (const auto& n : f.engine().nodes()) running = running || n.in_flight > 0;
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(running);
  // Version 2 is recorded now; its swap waits for the call, whose failure
  // is committed after it.
  f.install(v1 + "description: version two\n");
  CHECK(f.engine().version("flow") == 2);
  REQUIRE(f.wait_finished(ids));
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].topology_version == 1);
}
