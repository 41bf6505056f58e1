// End to end: several real `weir serve` hosts on one PostgreSQL database
// (each with its own data directory, the same topology), started by the
// test against the build's test cluster (support/pg_cluster.hpp).
//  - Work started on one host is shared by all (the others hear of it by
//    NOTIFY and lease with SKIP LOCKED); one host is SIGKILLed mid-flow and
//    the others take over its leases once they expire; afterwards every
//    process completed exactly once (each node's visit counted once) and
//    every queue is empty.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/cluster_home.hpp"
#include "support/host_process.hpp"
#include "support/pg_cluster.hpp"

using weir::test::done_at;
using weir::test::HostProcess;
using weir::test::PgDatabase;
using weir::test::WeirHome;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// b sleeps 1 ms per message, so the flow lasts long enough to kill a host
// in the middle of it.
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

// A host of the cluster, running the chain.
std::unique_ptr<WeirHome> chain_home(const std::string& url) {
  auto home = weir::test::cluster_home(url);
  home->add_topology("chain.yaml", kChain);
  return home;
}

// The truth, from the store itself, once the hosts stopped: every process
// of `chain` completed with a, b and c each counted once (no visit lost or
// doubled), every queue empty, nothing in the trash.
void check_exactly_once(const std::string& url, std::size_t processes) {
  auto opened = weir::store::open_pg_store(weir::store::PgOptions{url, "test-reader", 30000});
  INFO(opened.error());
  REQUIRE(opened.is_ok());
  auto& store = *opened;
  auto all = store->processes("chain", processes + 10).value();
  REQUIRE(all.size() == processes);
  std::size_t exact = 0;
  for (const auto& p : all) {
    if (p.state == weir::store::ProcessState::completed && p.done == 3 && p.failed == 0 &&
        p.outstanding == 0) {
      ++exact;
    }
  }
  CHECK(exact == processes);
  for (const auto& q : store->queues().value()) {
    INFO("node " << q.node);
    CHECK(q.queued == 0);
    CHECK(q.done == static_cast<std::int64_t>(processes));
  }
  CHECK(store->trash(10).value().empty());
}

// Like done_at, but -1 when the host cannot answer right now (the database
// is restarting under it).
std::int64_t done_or_down(const WeirHome& home, const std::string& node) {
  const auto r = home.cli("status", {"--json"});
  if (r.code != 0) return -1;
  const Json status = Json::parse(r.out);  // named: the loops below refer into it
  for (const auto& t : status["topologies"]) {
    for (const auto& n : t["nodes"]) {
      if (n["id"] == node) return n["done"].get<std::int64_t>();
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("cluster: 3 hosts share the work, one is SIGKILLed mid-flow, every process completes exactly once") {
  PgDatabase db;
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(chain_home(db.url()));
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
    REQUIRE(hosts.back()->start());
  }
  constexpr int kProcesses = 10000;
  {
    std::ofstream lines(homes[0]->path("orders.jsonl"));
    for (int i = 0; i < kProcesses; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  REQUIRE(homes[0]->cli("run chain", {"--payloads", homes[0]->path("orders.jsonl")}).code == 0);
  // Mid-flow: the second host dies with calls and prefetched leases in hand.
  std::int64_t done_c = 0;
  for (int i = 0; i < 1500 && done_c < 2000; ++i) {
    done_c = done_at(*homes[0], "c");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(done_c >= 2000);
  REQUIRE(done_c < kProcesses);
  hosts[1]->kill(SIGKILL);
  const auto killed_at = Clock::now();
  for (int i = 0; i < 3000 && done_c < kProcesses; ++i) {
    done_c = done_at(*homes[0], "c");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double after_kill = std::chrono::duration<double>(Clock::now() - killed_at).count();
  WARN("the 2 surviving hosts finished " << after_kill << " s after the kill");
  REQUIRE(done_c == kProcesses);

  // Every host worked: the third never had a process started on it, so it
  // had only what it heard of by NOTIFY.
  const std::string log2 = hosts[2]->log();
  CHECK_THAT(hosts[0]->log() + log2, Catch::Contains("took over"));
  REQUIRE(hosts[0]->kill(SIGTERM) == 0);
  REQUIRE(hosts[2]->kill(SIGTERM) == 0);

  check_exactly_once(db.url(), kProcesses);
  // Which hosts ran calls: the visits' rows do not say, the hosts' logs do not
  // either; the heartbeat rows say all three joined.
  CHECK(db.value("SELECT count(*) FROM hosts") == "4");  // 3 hosts and this reader
}

TEST_CASE("cluster: a host paused past its lease commits nothing late, and a database restart mid-flow loses nothing") {
  weir::test::PgCluster server;  // its own: this test restarts it
  server.exec("postgres", "CREATE DATABASE weir");
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(chain_home(server.url("weir")));
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
    REQUIRE(hosts.back()->start());
  }
  constexpr int kProcesses = 10000;
  {
    std::ofstream lines(homes[0]->path("orders.jsonl"));
    for (int i = 0; i < kProcesses; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  REQUIRE(homes[0]->cli("run chain", {"--payloads", homes[0]->path("orders.jsonl")}).code == 0);
  REQUIRE(weir::test::wait_done(*homes[0], "c", 1500, std::chrono::seconds(120)));
  // The third host stops (a stopped VM) with leases in hand, longer than
  // its lease and the others' next sweep.
  ::kill(hosts[2]->pid(), SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  // The database goes down hard and comes back while the flow goes on.
  server.restart_immediate();
  // The paused host wakes: what it was holding is someone else's now.
  ::kill(hosts[2]->pid(), SIGCONT);
  std::int64_t done_c = 0;
  for (int i = 0; i < 6000 && done_c < kProcesses; ++i) {
    done_c = done_or_down(*homes[0], "c");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(done_c == kProcesses);
  CHECK_THAT(hosts[0]->log() + hosts[1]->log(), Catch::Contains("took over"));
  for (auto& h : hosts) REQUIRE(h->kill(SIGTERM) == 0);

  check_exactly_once(server.url("weir"), kProcesses);  // the paused host's late commits changed nothing
}

TEST_CASE("cluster: a cron trigger fires once per slot across 3 hosts") {
  PgDatabase db;
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(chain_home(db.url()));
    homes.back()->add_topology("tick.yaml",
                               "name: tick\ntrigger: {cron: \"@every 1s\"}\n"
                               "nodes:\n  - {id: a, type: core.pass}\n");
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
    REQUIRE(hosts.back()->start());
  }
  std::this_thread::sleep_for(std::chrono::seconds(6));
  for (auto& h : hosts) REQUIRE(h->kill(SIGTERM) == 0);
  // Each process's correlation id names its slot ("<trigger>@<time>"): one
  // process per slot, whichever host started it.
  const std::int64_t processes = std::stoll(
      db.value("SELECT count(*) FROM processes WHERE topology = 'tick'"));
  const std::int64_t slots = std::stoll(
      db.value("SELECT count(DISTINCT correlation_id) FROM processes WHERE topology = 'tick'"));
  const std::int64_t fired = std::stoll(db.value("SELECT fired FROM triggers WHERE topology = 'tick'"));
  WARN(processes << " process(es) for " << slots << " slot(s); fired " << fired);
  INFO(db.value("SELECT string_agg(correlation_id || ' #' || id, ', ' ORDER BY id) FROM processes"));
  CHECK(processes >= 4);
  CHECK(processes == slots);
  CHECK(fired == processes);
  int said_other = 0;
  for (auto& h : hosts) said_other += h->log().find("was fired by another host") != std::string::npos;
  CHECK(said_other >= 1);  // the race for a slot was lost by some host, and it said so
}

// `weir status` on any host shows every host with its heartbeat and what it
// runs, and a topology whose content differs between live hosts is a
// problem there (and in the log of the host that loaded it) until the
// files agree again.
TEST_CASE("cluster: weir status on any host shows every host and a topology that differs between them") {
  PgDatabase db;
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 2; ++i) {
    homes.push_back(chain_home(db.url()));
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
  }
  // The second host's chain is another content: a later edit of one file.
  std::string edited = kChain;
  edited.replace(edited.find("max_batch: 20"), 13, "max_batch: 25");
  homes[1]->add_topology("chain.yaml", edited);
  for (auto& h : hosts) REQUIRE(h->start());

  auto status_of = [](const WeirHome& home) {
    const auto r = home.cli("status", {"--json"});
    REQUIRE(r.code == 0);
    return Json::parse(r.out);
  };
  auto problems_of = [](const Json& status) {
    std::string all;
    for (const auto& p : status["problems"]) all += p.get<std::string>() + "\n";
    return all;
  };
  for (int asked = 0; asked < 2; ++asked) {
    const Json status = status_of(*homes[asked]);
    INFO(status.dump(2));
    REQUIRE(status["hosts"].size() == 2);
    int self = 0;
    for (const auto& h : status["hosts"]) {
      CHECK(h["alive"] == true);
      CHECK(h["silent_ms"].get<std::int64_t>() < 3000);
      self += h["self"].get<bool>();
      REQUIRE(h["topologies"].size() == 1);
      CHECK(h["topologies"][0]["name"] == "chain");
    }
    CHECK(self == 1);
    CHECK_THAT(problems_of(status), Catch::Contains("topology chain differs between hosts") &&
                                        Catch::Contains("version 2") && Catch::Contains("version 1"));
  }
  CHECK_THAT(hosts[1]->log(), Catch::Contains("cluster: topology chain differs between hosts"));
  // The text view has a HOSTS table.
  CHECK_THAT(homes[0]->cli("status").out, Catch::Contains("HEARTBEAT") && Catch::Contains("(this host)"));

  // The first host gets the same file: the difference is gone.
  homes[0]->add_topology("chain.yaml", edited);
  REQUIRE(homes[0]->cli("reload").code == 0);
  const Json agreed = status_of(*homes[1]);
  INFO(agreed.dump(2));
  CHECK_THAT(problems_of(agreed), !Catch::Contains("differs between hosts"));
  for (const auto& h : agreed["hosts"]) CHECK(h["topologies"][0]["version"] == 2);

  // A host that dies stops heartbeating: after a lease it is shown silent.
  hosts[1]->kill(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  const Json after = status_of(*homes[0]);
  INFO(after.dump(2));
  int silent = 0;
  for (const auto& h : after["hosts"]) {
    if (!h["self"].get<bool>()) {
      CHECK(h["alive"] == false);
      CHECK(h["silent_ms"].get<std::int64_t>() >= 3000);
      ++silent;
    }
  }
  CHECK(silent == 1);
  REQUIRE(hosts[0]->kill(SIGTERM) == 0);
}
