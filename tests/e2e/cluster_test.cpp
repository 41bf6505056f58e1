// End to end: several real `weir serve` hosts on one PostgreSQL database
// (each with its own data directory, the same topology), started by the
// test against the build's test cluster (support/pg_cluster.hpp).
//  - Work started on one host is shared by all (the others hear of it by
//    NOTIFY and lease with SKIP LOCKED). In one run, one host is SIGKILLed
//    between a target's call and its commit, another is paused past its
//    lease and woken after the database restarted hard; the others take
//    over what the two held once their leases expire. Afterwards every
//    process completed exactly once (each node's visit counted once), every
//    queue is empty, and the target after the chain saw each process under
//    one idempotency key.
//  - A cron slot fires once; weir status shows every host; webhooks are
//    accepted by any host; and store-level cases for fenced writes, exact
//    releases, retention, the janitor and a shared prerequisite.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "store/pg/pg_store.hpp"
#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/cluster_home.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
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

// The chain with a target after c that logs every call it gets: testkit.record
// appends a line per message (its id among them) to `path`, shared by all
// hosts. The message id is the idempotency key a connector would send: the
// same on every redelivery, on whichever host.
std::string chain_with_target(const std::string& path) {
  std::string yaml = kChain;
  yaml.replace(yaml.find("edges:"), std::string::npos,
               "  - id: d\n    type: testkit.record\n    max_batch: 20\n    config: {path: \"" +
                   path + "\"}\nedges:\n  - a -> b -> c -> d\n");
  return yaml;
}

// What the target saw: per key (message id), how many calls; and per
// process, its keys. An idempotent target creates once per key.
struct TargetLog {
  std::map<std::int64_t, int> calls_by_key;
  std::map<std::int64_t, std::set<std::int64_t>> keys_by_process;
  int repeats() const {
    int n = 0;
    for (const auto& [key, calls] : calls_by_key) n += calls - 1;
    return n;
  }
};

TargetLog read_target(const std::string& path) {
  TargetLog log;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const Json j = Json::parse(line);
    const std::int64_t key = j["message_id"].get<std::int64_t>();
    ++log.calls_by_key[key];
    log.keys_by_process[j["process_id"].get<std::int64_t>()].insert(key);
  }
  return log;
}

// Every process reached the target with one key, which an idempotent
// target created once: no process made two creates under two keys.
void check_target(const std::string& path, std::size_t processes, int most_repeats) {
  const TargetLog log = read_target(path);
  std::size_t one_key = 0;
  for (const auto& [process, keys] : log.keys_by_process) one_key += keys.size() == 1;
  WARN("the target got " << log.calls_by_key.size() << " key(s), " << log.repeats()
                         << " repeated call(s) (an idempotent target answers them with the first create)");
  CHECK(log.keys_by_process.size() == processes);
  CHECK(one_key == processes);
  CHECK(log.calls_by_key.size() == processes);
  CHECK(log.repeats() <= most_repeats);
}

// A host of the cluster, running the chain (with the target, when given
// its log's path).
std::unique_ptr<WeirHome> chain_home(const std::string& url, const std::string& target = "",
                                     int b_sleep_ms = 1) {
  auto home = weir::test::cluster_home(url);
  std::string yaml = target.empty() ? std::string(kChain) : chain_with_target(target);
  yaml.replace(yaml.find("sleep_ms: 1"), 11, "sleep_ms: " + std::to_string(b_sleep_ms));
  home->add_topology("chain.yaml", yaml);
  return home;
}

// b's sleep per message in the crash case: slow enough (about 400
// messages/s per host) that the flow is still going when the database
// restarts, after a kill and a pause of more than a lease.
constexpr int kSlowB = 5;

// SIGKILLs `host` at a point after the target's call and before its
// commit: stops the host right after the target logged calls from it (the
// log's "pid"), and kills it if one of those messages is still in its queue
// (its ack not committed); otherwise lets it go on and tries again. Returns
// the keys of the calls whose commit never came. `sql` reads one value.
std::set<std::int64_t> kill_between_call_and_commit(
    HostProcess& host, const std::string& target,
    const std::function<std::string(const std::string&)>& sql) {
  const std::int64_t pid = host.pid();
  std::streamoff offset = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    // New calls from this host, read as whole lines.
    std::vector<std::int64_t> keys;
    for (int i = 0; i < 20000 && keys.empty(); ++i) {
      std::ifstream in(target, std::ios::binary);
      in.seekg(offset);
      for (std::string line; std::getline(in, line);) {
        if (in.eof()) break;  // no newline yet: not whole
        offset += static_cast<std::streamoff>(line.size()) + 1;
        const Json j = Json::parse(line);
        if (j["pid"].get<std::int64_t>() == pid) {
          keys.push_back(j["message_id"].get<std::int64_t>());
        }
      }
      if (keys.empty()) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (keys.empty()) return {};
    ::kill(host.pid(), SIGSTOP);
    // A commit already sent finishes on the server meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::string list;
    for (const std::int64_t k : keys) list += (list.empty() ? "" : ",") + std::to_string(k);
    const std::string left = sql("SELECT coalesce(string_agg(id::text, ','), '') FROM messages "
                                 "WHERE id IN (" + list + ")");
    if (!left.empty()) {
      host.kill(SIGKILL);
      std::set<std::int64_t> out;
      std::stringstream ids(left);
      for (std::string id; std::getline(ids, id, ',');) out.insert(std::stoll(id));
      return out;
    }
    ::kill(host.pid(), SIGCONT);
  }
  return {};
}

// The truth, from the store itself, once the hosts stopped: every process
// of `chain` completed with each of its `nodes` counted once (no visit lost
// or doubled), every queue empty, nothing in the trash.
void check_exactly_once(const std::string& url, std::size_t processes, int nodes = 3) {
  auto opened = weir::store::open_pg_store(weir::store::PgOptions{url, "test-reader", 30000});
  INFO(opened.error());
  REQUIRE(opened.is_ok());
  auto& store = *opened;
  auto all = store->processes("chain", processes + 10).value();
  REQUIRE(all.size() == processes);
  std::size_t exact = 0;
  for (const auto& p : all) {
    if (p.state == weir::store::ProcessState::completed && p.done == nodes && p.failed == 0 &&
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

// A store of the cluster as host `name`, `lease_ms` its lease.
std::unique_ptr<weir::store::Store> open_host(const PgDatabase& db, const std::string& name,
                                              std::int64_t lease_ms) {
  auto s = weir::store::open_pg_store(weir::store::PgOptions{db.url(), name, lease_ms});
  INFO(s.error());
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

// A process of topology "t" whose message goes into `queue`.
weir::store::NewProcess start(weir::store::QueueId queue, const std::string& payload) {
  weir::store::NewProcess np;
  np.topology = "t";
  np.entry_queues = {queue};
  np.payload = weir::store::Bytes(payload.begin(), payload.end());
  return np;
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

TEST_CASE("cluster: 3 hosts - one SIGKILLed between a call and its commit and one paused past its lease while the database restarts - every process completes exactly once") {
  weir::test::PgCluster server;  // its own: this test restarts it
  server.exec("postgres", "CREATE DATABASE weir");
  weir::test::TempDir dir;
  const std::string target = dir.file("target.jsonl");
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(chain_home(server.url("weir"), target, kSlowB));
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
    REQUIRE(hosts.back()->start());
  }
  constexpr int kProcesses = 10000;
  {
    std::ofstream lines(homes[0]->path("orders.jsonl"));
    for (int i = 0; i < kProcesses; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  const auto started = Clock::now();
  REQUIRE(homes[0]->cli("run chain", {"--payloads", homes[0]->path("orders.jsonl")}).code == 0);
  REQUIRE(weir::test::wait_done(*homes[0], "c", 1500, std::chrono::seconds(120)));

  // 1. The second host dies after the target's call and before its commit.
  const auto sql = [&](const std::string& q) { return server.value("weir", q); };
  const std::set<std::int64_t> unfinished = kill_between_call_and_commit(*hosts[1], target, sql);
  REQUIRE(!unfinished.empty());
  const auto killed_at = Clock::now();

  // 2. The third host stops (a stopped VM) with leases in hand, longer than
  // its lease and the first host's next sweep.
  ::kill(hosts[2]->pid(), SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));

  // 3. The database goes down hard and comes back while the flow goes on.
  const std::int64_t done_before_restart = done_at(*homes[0], "d");
  server.restart_immediate();
  // The paused host wakes: what it was holding is someone else's now.
  ::kill(hosts[2]->pid(), SIGCONT);
  std::int64_t done_d = 0;
  for (int i = 0; i < 6000 && done_d < kProcesses; ++i) {
    done_d = done_or_down(*homes[0], "d");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  WARN("killed " << std::chrono::duration<double>(killed_at - started).count()
                 << " s in; the restart came with " << done_before_restart << " of " << kProcesses
                 << " processes through; all were through "
                 << std::chrono::duration<double>(Clock::now() - started).count() << " s in");
  REQUIRE(done_before_restart < kProcesses);  // the restart came mid-flow
  if (done_d != kProcesses) {  // what is left, and where
    FAIL_CHECK("left in the queues (queue seq id host lease-left started fence attempts crashes): "
               << sql("SELECT string_agg(concat_ws(' ', queue_id, seq, id, lease_host, "
                      "lease_until - weir_now_ms(), started, fence, attempts, crashes), '; ') "
                      "FROM messages")
               << "\nlogs:\n" << hosts[0]->log() << "\n---\n" << hosts[2]->log());
  }
  REQUIRE(done_d == kProcesses);
  CHECK_THAT(hosts[0]->log() + hosts[2]->log(), Catch::Contains("took over"));
  // Awake, the paused host knows its leases lapsed once its heartbeat gets
  // through (the database restarted meanwhile): it started no call on what
  // it held, and gives it back to lease again.
  const std::string lapsed = "gives back what it holds and leases again";
  for (int i = 0; i < 500 && hosts[2]->log().find(lapsed) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK_THAT(hosts[2]->log(), Catch::Contains(lapsed));
  REQUIRE(hosts[0]->kill(SIGTERM) == 0);
  REQUIRE(hosts[2]->kill(SIGTERM) == 0);

  // The paused host's late commits changed nothing, and nothing was lost.
  check_exactly_once(server.url("weir"), kProcesses, 4);
  // Each process reached the target under one key; the killed host's
  // uncommitted calls were made again by a surviving host under the same keys.
  check_target(target, kProcesses, 1000);
  const TargetLog log = read_target(target);
  for (const std::int64_t key : unfinished) {
    INFO("key " << key);
    CHECK(log.calls_by_key.at(key) >= 2);
  }
  CHECK(server.value("weir", "SELECT count(*) FROM hosts") == "4");  // 3 hosts and the reader
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

// Two hosts' stores on one database, with a short lease. Host A's heartbeat
// is held up (another session locks its row, as a network split from its
// cluster connection would): after 3/4 lease it no longer holds its leases
// (it would stop dispatching), and after the lease host B takes A's message
// over and runs it. A's late commit of the same call, its ack and its state
// and ID writes, changes nothing; B's stands. Once A's heartbeat gets
// through, A counts a lapse (its engine gives back what it holds).
TEST_CASE("cluster: a late host's ack and its call's state and ID writes change nothing once its message was taken over") {
  using namespace weir::store;
  PgDatabase db;
  auto open = [&](const std::string& name) { return open_host(db, name, 900); };
  auto a = open("host-a");
  auto b = open("host-b");
  const QueueId in = a->queue("t", "in").value(), out = a->queue("t", "out").value();
  NewProcess np;
  np.topology = "t";
  np.entry_queues = {in};
  np.payload = {'p'};
  auto started = a->commit(CommitBatch{{np}, {}, {}, {{in, 1}}});
  REQUIRE(started.is_ok());
  REQUIRE(started->leased.size() == 1);
  const QueuedMessage mine = started->leased[0];
  CHECK(a->leases_held());

  // Hold A's heartbeat: a session locks A's row of `hosts`.
  PGconn* lock = PQconnectdb(db.url().c_str());
  REQUIRE(PQstatus(lock) == CONNECTION_OK);
  PQclear(PQexec(lock, "BEGIN"));
  PGresult* locked = PQexec(lock, "SELECT id FROM hosts WHERE name = 'host-a' FOR UPDATE");
  REQUIRE(PQresultStatus(locked) == PGRES_TUPLES_OK);
  PQclear(locked);

  // B takes the message over once A's lease expired, and leases it itself.
  std::optional<QueuedMessage> theirs;
  for (int i = 0; i < 300 && !theirs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto r = b->commit(CommitBatch{{}, {}, {}, {{in, 1}}});
    REQUIRE(r.is_ok());
    if (!r->leased.empty()) theirs = r->leased[0];
  }
  REQUIRE(theirs.has_value());
  CHECK(theirs->id == mine.id);
  CHECK(theirs->fence != mine.fence);
  CHECK_FALSE(a->leases_held());  // A would start no call now

  auto call = [&](const QueuedMessage& m, const std::string& value, const std::string& remote) {
    CommitBatch batch;
    Ack ack;
    ack.input = m;
    ack.outputs.push_back(Output{out, {}, m.payload});
    batch.acks = {ack};
    batch.state_puts = {{"t", "cursor", Bytes(value.begin(), value.end())}};
    batch.id_puts = {{"shop", "product", "SKU-1", remote}};
    batch.calls = {{1, 1, 1}};
    return batch;
  };
  REQUIRE(b->commit(call(*theirs, "from b", "b-1")).is_ok());
  REQUIRE(a->commit(call(mine, "from a", "a-1")).is_ok());  // late: dropped whole
  CHECK(b->state_get("t", "cursor").value() == Bytes{'f', 'r', 'o', 'm', ' ', 'b'});
  CHECK(b->id_get("shop", "product", "SKU-1").value() == std::optional<std::string>("b-1"));
  CHECK(db.value("SELECT queued FROM queues WHERE node = 'out'") == "1");
  CHECK(db.value("SELECT done FROM queues WHERE node = 'in'") == "1");

  // A's heartbeat gets through: it counts the lapse and holds its leases again.
  PQclear(PQexec(lock, "COMMIT"));
  PQfinish(lock);
  for (int i = 0; i < 200 && a->lease_lapses() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(a->lease_lapses() == 1);
  CHECK(a->leases_held());
}

// A host's leases in one queue are not in seq order on PostgreSQL: another
// host commits seqs from a higher block, and a scan from the front later
// finds lower ones. Here host A leases B's message (the higher seq) and
// then its own (the lower), starts a call on the first and gives the rest
// back: the lower one is ready again for B (a release "above the newest
// started seq" would have kept it leased by A, renewed for ever), and the
// started one stays A's, marked started (a crash of A counts it).
TEST_CASE("cluster: a host gives back exactly the leases no call started, whatever their seqs") {
  using namespace weir::store;
  PgDatabase db;
  auto open = [&](const std::string& name) { return open_host(db, name, 30000); };
  auto a = open("host-a");
  auto b = open("host-b");
  const QueueId q = a->queue("t", "q").value(), other = a->queue("t", "other").value();
  // A takes the lower block of ids first; B's message gets the higher.
  REQUIRE(a->commit(CommitBatch{{start(other, "x")}, {}, {}, {}}).is_ok());
  REQUIRE(b->commit(CommitBatch{{start(q, "from b")}, {}, {}, {}}).is_ok());
  auto first = a->commit(CommitBatch{{}, {}, {}, {{q, 1}}});
  REQUIRE(first.is_ok());
  REQUIRE(first->leased.size() == 1);
  const QueuedMessage high = first->leased[0];
  auto second = a->commit(CommitBatch{{start(q, "from a")}, {}, {}, {{q, 1}}});
  REQUIRE(second.is_ok());
  REQUIRE(second->leased.size() == 1);
  const QueuedMessage low = second->leased[0];
  REQUIRE(low.seq < high.seq);  // leased after it, below it

  a->note_call(q, {high.seq});  // a call starts on the first
  CommitBatch give_back;
  give_back.releases = {{q, high.seq, 0}};
  REQUIRE(a->commit(give_back).is_ok());

  auto taken = b->commit(CommitBatch{{}, {}, {}, {{q, 10}}});
  REQUIRE(taken.is_ok());
  REQUIRE(taken->leased.size() == 1);
  CHECK(taken->leased[0].id == low.id);
  CHECK(db.value("SELECT started::text FROM messages WHERE seq = " + std::to_string(high.seq)) == "true");
  CHECK(db.value("SELECT h.name FROM messages m JOIN hosts h ON h.id = m.lease_host WHERE m.seq = " +
                 std::to_string(high.seq)) == "host-a");
}

// Retention on PostgreSQL (store: {keep_processes}): the SQLite store's
// rules, one statement per batch. Six processes, five aged a day: the
// finished ones go with their trace; the running one, the one in the trash
// and the one a message waits for stay, and so does the recent one. The
// process counts follow (the delete trigger).
TEST_CASE("cluster: after a failed commit a host lets go of the leases the database holds for it and it no longer knows of") {
  using namespace weir::store;
  PgDatabase db;
  auto a = open_host(db, "host-a", 30000);
  const QueueId q = a->queue("t", "q").value();
  CommitBatch four;
  for (int i = 0; i < 4; ++i) four.new_processes.push_back(start(q, "m" + std::to_string(i)));
  REQUIRE(a->commit(four).is_ok());
  auto leased = a->commit(CommitBatch{{}, {}, {}, {{q, 4}}});
  REQUIRE(leased.is_ok());
  REQUIRE(leased->leased.size() == 4);
  const std::vector<QueuedMessage> m = leased->leased;
  a->note_call(q, {m[0].seq, m[1].seq});  // two went into calls
  // The host holds m[1] (in a call) and m[2] (in a buffer). m[0] and m[3]
  // are what a commit the host cannot know about left behind: m[0]'s ack
  // was committed and then lost by the database, m[3] came with a lease
  // whose answer never arrived.
  CommitBatch tell;
  tell.held = std::vector<LeaseKey>{{q, m[1].seq}, {q, m[2].seq}};
  REQUIRE(a->commit(tell).is_ok());
  auto row = [&](const QueuedMessage& msg) {
    return db.value("SELECT concat_ws(' ', coalesce(h.name, '-'), started, attempts, crashes) FROM messages m "
                    "LEFT JOIN hosts h ON h.id = m.lease_host WHERE m.id = " + std::to_string(msg.id));
  };
  CHECK(row(m[0]) == "- f 1 1");  // its call ran once more than the store says
  CHECK(row(m[1]) == "host-a t 0 0");
  CHECK(row(m[2]) == "host-a f 0 0");
  CHECK(row(m[3]) == "- f 0 0");
  // Another host finds exactly the two let go.
  auto b = open_host(db, "host-b", 30000);
  auto taken = b->commit(CommitBatch{{}, {}, {}, {{q, 10}}});
  REQUIRE(taken.is_ok());
  REQUIRE(taken->leased.size() == 2);
  CHECK(taken->leased[0].id == m[0].id);
  CHECK(taken->leased[0].crashes == 1);
  CHECK(taken->leased[1].id == m[3].id);
  // The held ones are still the host's: its acks of them commit.
  CommitBatch acks;
  for (int i : {1, 2}) {
    Ack ack;
    ack.input = m[i];
    acks.acks.push_back(ack);
  }
  auto acked = a->commit(acks);
  REQUIRE(acked.is_ok());
  CHECK(db.value("SELECT count(*) FROM messages") == "2");
}

TEST_CASE("postgres: pruning removes finished processes and their trace older than the cutoff, and nothing else") {
  using namespace weir::store;
  PgDatabase db;
  auto opened = weir::store::pg::PgStore::open(PgOptions{db.url(), "host-a", 30000});
  INFO(opened.error());
  REQUIRE(opened.is_ok());
  auto& s = *opened;
  const QueueId q = s->queue("orders", "erp").value();
  CommitBatch start;
  for (int i = 0; i < 6; ++i) {
    NewProcess np;
    np.topology = "orders";
    np.entry_queues = {q};
    np.payload = {0xa1, 'x'};
    start.new_processes.push_back(np);
  }
  start.leases = {{q, 10}};
  auto r = s->commit(start);
  REQUIRE(r.is_ok());
  REQUIRE(r->started.size() == 6);
  const auto& id = r->started;
  auto ack = [&](int i) {
    Ack a;
    a.input = r->leased[static_cast<std::size_t>(i)];
    return a;
  };
  Ack failed = ack(1);
  failed.failed = TrashInfo{"no customer", weir::message::empty_history(), 0};
  REQUIRE(s->commit(CommitBatch{{}, {ack(0), failed, ack(3), ack(4), ack(5)}}).is_ok());
  const std::int64_t day_ago = weir::now_ms() - 24 * 3600 * 1000;
  db.exec("UPDATE processes SET started_ms = " + std::to_string(day_ago) +
          ", finished_ms = CASE WHEN state = 0 THEN 0 ELSE " + std::to_string(day_ago) +
          " END WHERE id < " + std::to_string(id[5]));
  db.exec("INSERT INTO delayed(due_ms, id, queue_id, process_id, parent_id, correlation_id, "
          "attempts, crashes, credit, headers, payload, errors, cursor, waits_for) VALUES (" +
          std::to_string(kWaitsForProcess) + ", 999, " + std::to_string(q) + ", " +
          std::to_string(id[2]) + ", 0, 'w', 0, 0, 0, '', '\\xc0', '\\x90', '', " +
          std::to_string(id[3]) + ")");
  PruneResult total;
  for (ProcessId after = 0;;) {
    auto p = s->prune_processes(weir::now_ms() - 3600 * 1000, after, 2);
    INFO(p.error());
    REQUIRE(p.is_ok());
    total.processes += p->processes;
    total.visits += p->visits;
    if (!p->more) break;
    REQUIRE(p->last > after);
    after = p->last;
  }
  CHECK(total.processes == 2);
  CHECK(total.visits == 2);
  auto ids = [&] { return db.value("SELECT string_agg(id::text, ',' ORDER BY id) FROM processes"); };
  CHECK(ids() == std::to_string(id[1]) + "," + std::to_string(id[2]) + "," + std::to_string(id[3]) +
                     "," + std::to_string(id[5]));
  CHECK(s->visits(id[0]).value().empty());
  CHECK(s->visits(id[1]).value().size() == 1);
  std::int64_t completed = 0;
  for (const auto& c : s->process_counts().value()) {
    if (c.state == ProcessState::completed) completed += c.count;
  }
  CHECK(completed == std::stoll(db.value("SELECT count(*) FROM processes WHERE state = 1")));
  // A second host finds the batch lock free once the first is done, and
  // nothing left to prune.
  auto other = weir::store::pg::PgStore::open(PgOptions{db.url(), "host-b", 30000});
  REQUIRE(other.is_ok());
  auto again = (*other)->prune_processes(weir::now_ms() - 3600 * 1000, 0, 100);
  REQUIRE(again.is_ok());
  CHECK(again->processes == 0);
}

// Any host accepts webhooks: deliveries spread over the 3 hosts' HTTP
// ports each start a process (202 with its id, unique across hosts), and
// every process runs once through to the target, on whichever host leases
// its message.
TEST_CASE("cluster: any host accepts webhooks and each delivery runs once") {
  PgDatabase db;
  weir::test::TempDir dir;
  const std::string target = dir.file("target.jsonl");
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(weir::test::cluster_home(db.url()));
    homes.back()->add_topology("hooks.yaml", R"(name: hooks
triggers:
  - {id: order, webhook: {signature: none}}
nodes:
  - {id: erp, type: testkit.act, config: {defaults: {sleep_ms: 1}}}
  - {id: d, type: testkit.record, config: {path: ")" + target + R"("}}
edges:
  - erp -> d
)");
    hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
    REQUIRE(hosts.back()->start());
    const Json status = Json::parse(homes.back()->cli("status", {"--json"}).out);
    urls.push_back("http://" + status["http"].get<std::string>() + "/hooks/hooks/order");
  }
  constexpr int kDeliveries = 300;
  std::set<std::int64_t> accepted;
  weir::test::HttpClient http;
  for (int i = 0; i < kDeliveries; ++i) {
    auto r = http.post(urls[static_cast<std::size_t>(i % 3)], Json{{"order", i}}.dump());
    REQUIRE(r.status == 202);
    accepted.insert(Json::parse(r.body)["process"].get<std::int64_t>());
  }
  CHECK(accepted.size() == kDeliveries);  // ids unique across the hosts
  REQUIRE(weir::test::wait_done(*homes[1], "d", kDeliveries, std::chrono::seconds(120)));
  for (auto& h : hosts) REQUIRE(h->kill(SIGTERM) == 0);
  const TargetLog log = read_target(target);
  std::set<std::int64_t> reached;
  for (const auto& [process, keys] : log.keys_by_process) reached.insert(process);
  CHECK(reached == accepted);
  CHECK(log.repeats() == 0);  // nobody died: no call was made twice
  CHECK(db.value("SELECT count(*) FROM processes WHERE topology = 'hooks' AND state = 1") ==
        std::to_string(kDeliveries));
}

// The janitor vacuums a churn table once its dead rows pass the threshold
// (autovacuum alone let `messages` bloat under load: pg_janitor.hpp), and
// only one host's janitor works at a time.
TEST_CASE("postgres: the janitor vacuums the queue table once its dead rows pass the threshold") {
  using namespace weir::store;
  PgDatabase db;
  auto opened = open_pg_store(PgOptions{db.url(), "host-a", 30000});
  REQUIRE(opened.is_ok());
  const QueueId q = (*opened)->queue("t", "q").value();
  // 30,000 rows in and out of the queue table: 30,000 dead rows.
  db.exec("INSERT INTO messages(queue_id, seq, id, process_id, parent_id, correlation_id, attempts, "
          "crashes, credit, headers, payload, errors, cursor, created_ms) SELECT " +
          std::to_string(q) + ", g, g, 0, 0, '', 0, 0, 0, '', '', '', '', 0 "
          "FROM generate_series(1000000, 1029999) g");
  db.exec("DELETE FROM messages WHERE seq >= 1000000");
  auto dead = [&] {
    return std::stoll(db.value("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'messages'"));
  };
  for (int i = 0; i < 200 && dead() <= weir::store::pg::PgJanitor::kDeadRows; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the statistics lag a little
  }
  REQUIRE(dead() > weir::store::pg::PgJanitor::kDeadRows);
  // Another host's janitor holds the lock: this one does nothing.
  PGconn* other = PQconnectdb(db.url().c_str());
  PQclear(PQexec(other, "SELECT pg_advisory_lock(7735004)"));
  weir::store::pg::PgJanitor janitor(db.url());
  REQUIRE(janitor.pass().is_ok());
  CHECK(janitor.vacuums() == 0);
  PQfinish(other);
  REQUIRE(janitor.pass().is_ok());
  CHECK(janitor.vacuums() >= 1);
  CHECK(dead() < 1000);
}

// Two hosts park a message on the same prerequisite key at the same moment,
// 20 keys over: each key gets one prerequisite run, which both join (a
// lookup that found none on both hosts would start two).
TEST_CASE("cluster: two hosts needing the same prerequisite at once start it once and both join it") {
  using namespace weir::store;
  PgDatabase db;
  auto open = [&](const std::string& name) { return open_host(db, name, 30000); };
  std::unique_ptr<Store> hosts[2] = {open("host-a"), open("host-b")};
  const QueueId q = hosts[0]->queue("orders", "erp").value();
  const QueueId entry = hosts[0]->queue("customer", "create").value();
  constexpr int kKeys = 20;
  // Each host leases one message per key.
  std::vector<QueuedMessage> leased[2];
  for (int h = 0; h < 2; ++h) {
    CommitBatch start;
    for (int k = 0; k < kKeys; ++k) {
      NewProcess np;
      np.topology = "orders";
      np.entry_queues = {q};
      np.payload = {'o'};
      start.new_processes.push_back(np);
    }
    start.leases = {{q, static_cast<std::size_t>(kKeys)}};
    auto r = hosts[h]->commit(start);
    REQUIRE(r.is_ok());
    REQUIRE(r->leased.size() == static_cast<std::size_t>(kKeys));
    leased[h] = r->leased;
  }
  auto park = [&](int h, int k) {
    Ack a;
    a.input = leased[h][static_cast<std::size_t>(k)];
    a.prerequisite = PrerequisiteInfo{"customer", "buyer-" + std::to_string(k), {entry},
                                      {'c'}, weir::message::empty_history(), "needs its customer"};
    return hosts[h]->commit(CommitBatch{{}, {a}}).status();
  };
  for (int k = 0; k < kKeys; ++k) {
    weir::Status second;
    std::thread other([&] { second = park(1, k); });
    const weir::Status first = park(0, k);
    other.join();
    INFO(first.message() << " / " << second.message());
    REQUIRE(first.is_ok());
    REQUIRE(second.is_ok());
  }
  CHECK(db.value("SELECT count(*) FROM processes WHERE topology = 'customer'") ==
        std::to_string(kKeys));
  // Every parked message waits for its key's one run.
  CHECK(db.value("SELECT count(DISTINCT waits_for) FROM delayed WHERE waits_for <> 0") ==
        std::to_string(kKeys));
  CHECK(db.value("SELECT count(*) FROM delayed WHERE waits_for <> 0") == std::to_string(2 * kKeys));
}
