// Reloading topologies and plugins while the engine runs (Engine::install
// and uninstall on a started engine), with real plugins, store and ZeroMQ.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "support/jsonl.hpp"
#include "support/engine_fixture.hpp"

using namespace weir;
using weir::test::EngineFixture;
using store::ProcessState;

namespace {

using weir::test::read_jsonl;

namespace fs = std::filesystem;

// a -> b (tags its output with the testkit build) -> r (records each message)
std::string tagged_chain(const std::string& out, int concurrency = 2) {
  return R"(name: flow
nodes:
  - id: a
    type: core.pass
  - id: b
    type: testkit.act
    concurrency: )" + std::to_string(concurrency) + R"(
  - id: r
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - a -> b -> r
)";
}

std::size_t lines(const std::string& path) { return read_jsonl(path).size(); }

bool wait_for(const std::function<bool()>& ok, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::vector<Json> tagged(int n, int sleep_ms) {
  std::vector<Json> out;
  for (int i = 0; i < n; ++i) out.push_back(Json{{"n", i}, {"tag", true}, {"sleep_ms", sleep_ms}});
  return out;
}

// Replaces the fixture's testkit.so with another build and loads it.
void replace_testkit(EngineFixture& f, const std::string& build) {
  const std::string target = f.plugins_dir() + "/testkit.so";
  fs::copy_file(std::string(WEIR_TEST_PLUGINS_DIR) + "/" + build + "/testkit.so", target + ".new");
  fs::rename(target + ".new", target);
  auto loaded = f.registry().load_file(target);
  INFO(loaded.error());
  REQUIRE(loaded.is_ok());
}

bool still_mapped(const std::string& path) {
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h) ::dlclose(h);
  return h != nullptr;
}

}  // namespace

TEST_CASE("a plugin replaced twice while messages flow: each message once and new calls on the new build") {
  EngineFixture f({}, 0, true);
  const std::string out = f.dir().file("out.jsonl");
  f.install(tagged_chain(out));
  f.start();
  std::string first_copy;  // testkit's copy (plugins() is in name order; others may follow it)
  for (const auto& p : f.registry().plugins()) {
    if (p->name == "testkit") first_copy = p->loaded_path;
  }
  REQUIRE_FALSE(first_copy.empty());
  auto ids = f.run("flow", tagged(1500, 1));
  REQUIRE(wait_for([&] { return lines(out) >= 300; }));
  replace_testkit(f, "v2");
  f.install(tagged_chain(out));  // the same topology, on the new build
  // The old build's last object went with the old nodes: it is unloaded.
  CHECK_FALSE(still_mapped(first_copy));
  REQUIRE(wait_for([&] { return lines(out) >= 900; }));
  replace_testkit(f, "v3");
  f.install(tagged_chain(out));
  REQUIRE(f.wait_finished(ids));

  std::map<std::int64_t, std::string> by_process;
  std::vector<std::string> order;
  for (const auto& line : read_jsonl(out)) {
    const std::int64_t pid = line["process_id"];
    CHECK(by_process.count(pid) == 0);  // exactly once
    by_process[pid] = line["payload"]["tagged_by"];
    order.push_back(line["payload"]["tagged_by"]);
  }
  CHECK(by_process.size() == ids.size());
  std::map<std::string, int> per_build;
  for (const auto& [_, tag] : by_process) ++per_build[tag];
  CHECK(per_build["1"] >= 300);
  CHECK(per_build["2"] > 0);
  CHECK(per_build["3"] > 0);
  // Once a build took over, the older one never ran again (its calls ended first).
  CHECK(std::is_sorted(order.begin(), order.end()));
  for (auto id : ids) CHECK(f.process(id).state == ProcessState::completed);
  CHECK(f.trash().empty());
}

TEST_CASE("a topology edit while running: the new version takes over and messages at a removed node go to the trash") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  const std::string outage = f.dir().file("down");
  std::ofstream(outage) << "down";
  const std::string v1 = R"(name: flow
nodes:
  - id: a
    type: core.pass
  - id: b
    type: testkit.act
    retry: {max_attempts: 1000, delay: 20ms, max_delay: 20ms}
  - id: r
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - a -> b -> r
)";
  f.install(v1);
  f.start();
  // Ten messages wait at b (it retries while the "ERP" is down).
  std::vector<Json> waiting;
  for (int i = 0; i < 10; ++i) waiting.push_back(Json{{"n", i}, {"retry_while_exists", outage}});
  auto stuck = f.run("flow", waiting);
  REQUIRE(wait_for([&] {
    for (const auto& q : f.store().queues().value()) {
      if (q.node == "b" && q.waiting + q.queued == 10) return true;
    }
    return false;
  }));
  const int version_before = f.engine().version("flow");
  // Version 2 drops b: a -> r.
  f.install(R"(name: flow
nodes:
  - id: a
    type: core.pass
  - id: r
    type: testkit.record
    config: {path: ")" + out + R"("}
edges:
  - a -> r
)");
  CHECK(f.engine().version("flow") == version_before + 1);
  REQUIRE(f.wait_finished(stuck));
  auto trash = f.trash();
  REQUIRE(trash.size() == 10);
  for (const auto& t : trash) {
    CHECK_THAT(t.error, Catch::Contains("node 'b' is not in topology flow any more"));
  }
  // New processes take the new path.
  auto ids = f.run("flow", {Json{{"n", 100}}});
  REQUIRE(f.wait_finished(ids));
  auto lines = read_jsonl(out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["payload"]["n"] == 100);
  CHECK(f.process(ids[0]).state == ProcessState::completed);
}

TEST_CASE("an uninstalled topology keeps its messages and a reinstall runs them") {
  EngineFixture f;
  const std::string out = f.dir().file("out.jsonl");
  f.install(tagged_chain(out, 1));
  f.start();
  auto ids = f.run("flow", tagged(300, 2));
  REQUIRE(wait_for([&] { return lines(out) >= 20; }));
  REQUIRE(f.engine().uninstall("flow").is_ok());
  CHECK(f.engine().nodes().empty());
  const std::size_t done_at_removal = lines(out);
  auto refused = f.engine().start_processes("flow", {{payload::from_json(Json{{"n", -1}}), {}, ""}});
  CHECK_FALSE(refused.is_ok());
  // A fixed wait, only to show that something does NOT happen.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(lines(out) == done_at_removal);  // nothing runs while it is out
  CHECK(f.total_queued() > 0);           // and nothing was dropped
  f.install(tagged_chain(out, 1));
  REQUIRE(f.wait_finished(ids));
  std::set<std::int64_t> seen;
  for (const auto& line : read_jsonl(out)) CHECK(seen.insert(line["process_id"].get<std::int64_t>()).second);
  CHECK(seen.size() == ids.size());
  CHECK(f.trash().empty());
}

TEST_CASE("a removed plugin pauses its nodes and they resume when it is back") {
  EngineFixture f({}, 0, true);
  const std::string out = f.dir().file("out.jsonl");
  // b is the only testkit node here, so removing testkit pauses b alone.
  const std::string yaml = R"(name: flow
nodes:
  - id: a
    type: core.pass
  - id: b
    type: testkit.act
  - id: c
    type: core.pass
edges:
  - a -> b -> c
)";
  f.install(yaml);
  f.start();
  const topology::Topology running =
      *topology::load_topology_text(yaml, "test.yaml", f.registry()).topology;
  const std::string path = f.plugins_dir() + "/testkit.so";
  fs::remove(path);
  REQUIRE(f.registry().unload_file(path));
  // The running version again, on what the registry has now: b pauses.
  REQUIRE(f.engine().install(running, f.registry()).is_ok());
  bool paused = false;
  for (const auto& n : f.engine().nodes()) {
    if (n.node == "b") {
      paused = !n.paused.empty();
      CHECK_THAT(n.paused, Catch::Contains("testkit.act is not loaded"));
    }
  }
  CHECK(paused);
  auto ids = f.run("flow", tagged(50, 0));
  REQUIRE(wait_for([&] {
    for (const auto& q : f.store().queues().value()) {
      if (q.node == "b" && q.queued == 50) return true;
    }
    return false;
  }));
  // A fixed wait, only to show that something does NOT happen: b, paused, takes none of them.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (auto id : ids) CHECK(f.process(id).state == ProcessState::running);
  fs::copy_file(std::string(WEIR_TEST_PLUGINS_DIR) + "/v2/testkit.so", path);
  REQUIRE(f.registry().load_file(path).is_ok());
  f.install(yaml);
  REQUIRE(f.wait_finished(ids));
  for (auto id : ids) CHECK(f.process(id).state == ProcessState::completed);
}
