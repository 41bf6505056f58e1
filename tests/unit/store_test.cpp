// The store, on a real SQLite file in a temp directory, or (WEIR_TEST_STORE=
// postgres: the suite's second registration) on a real PostgreSQL database
// of the test's own (support/pg_cluster.hpp). Cases tagged [sqlite] are about
// SQLite's file alone (its pragmas, its dispatch-marks file, its size cap).
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include <weir/payload.hpp>

#include "store/schema.hpp"
#include "store/store.hpp"
#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

using namespace weir::store;
using weir::test::TempDir;

namespace {

bool on_postgres() { return weir::test::store_under_test() == "postgres"; }

// On PostgreSQL, a TempDir stands for a database of its own (made at its
// first open, kept across reopens, dropped when the program ends).
weir::test::PgDatabase& database_of(const TempDir& dir) {
  static std::map<std::string, std::unique_ptr<weir::test::PgDatabase>> dbs;
  auto& db = dbs[dir.path().string()];
  if (!db) db = std::make_unique<weir::test::PgDatabase>();
  return *db;
}

std::unique_ptr<Store> open_store(const TempDir& dir, std::int64_t max_bytes = 0) {
  auto s = on_postgres()
               ? open_pg_store(PgOptions{database_of(dir).url(), "test-host", 30000})
               : open_sqlite_store(SqliteOptions{dir.file("weir.db"), true, max_bytes});
  INFO(s.error());
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

NewProcess new_process(std::vector<QueueId> entries, const std::string& payload = "p") {
  NewProcess np;
  np.topology = "t";
  np.entry_queues = std::move(entries);
  np.payload = bytes(payload);
  return np;
}

CommitResult commit(Store& s, const CommitBatch& b) {
  auto r = s.commit(b);
  INFO(r.error());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

// Acknowledges `m`, sending one output per queue in `to`.
Ack ack_to(const QueuedMessage& m, std::vector<QueueId> to) {
  Ack a;
  a.input = m;
  for (QueueId q : to) a.outputs.push_back(Output{q, {}, m.payload});
  return a;
}

std::int64_t queued(Store& s, QueueId q) {
  auto qs = s.queues();
  REQUIRE(qs.is_ok());
  for (const auto& info : *qs) {
    if (info.id == q) return info.queued;
  }
  return -1;
}

std::int64_t sqlite_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// `sql`'s one number, from the store's database (SQLite or PostgreSQL).
std::int64_t db_int(const TempDir& dir, const std::string& sql) {
  if (on_postgres()) return std::stoll(database_of(dir).value(sql));
  return sqlite_int(dir.file("weir.db"), sql);
}

std::int64_t schema_version_of(const TempDir& dir) {
  return on_postgres() ? db_int(dir, "SELECT value FROM meta WHERE key = 'schema_version'")
                       : db_int(dir, "PRAGMA user_version");
}

}  // namespace

TEST_CASE("a new store gets the latest schema version and reopening keeps its data") {
  TempDir dir;
  QueueId q;
  {
    auto s = open_store(dir);
    q = s->queue("t", "a").value();
    commit(*s, CommitBatch{{new_process({q})}, {}, {}, {}});
  }
  CHECK(schema_version_of(dir) == latest_schema_version());
  auto s = open_store(dir);
  CHECK(s->queue("t", "a").value() == q);
  CHECK(queued(*s, q) == 1);
}

TEST_CASE("a database written by a newer weir is refused and left untouched") {
  TempDir dir;
  { open_store(dir); }
  const int newer = latest_schema_version() + 1;
  if (on_postgres()) {
    database_of(dir).exec("UPDATE meta SET value = " + std::to_string(newer) +
                          " WHERE key = 'schema_version'");
    auto s = open_pg_store(PgOptions{database_of(dir).url(), "test-host", 30000});
    REQUIRE_FALSE(s.is_ok());
    CHECK_THAT(s.error(), Catch::Contains("database " + database_of(dir).name()));
    CHECK_THAT(s.error(), Catch::Contains("newer than this weir knows"));
    CHECK(schema_version_of(dir) == newer);
    return;
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("weir.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, ("PRAGMA user_version=" + std::to_string(newer)).c_str(), nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = open_sqlite_store(SqliteOptions{dir.file("weir.db")});
  REQUIRE_FALSE(s.is_ok());
  CHECK_THAT(s.error(), Catch::Contains(dir.file("weir.db")));
  CHECK_THAT(s.error(), Catch::Contains("newer than this weir knows"));
  CHECK(sqlite_int(dir.file("weir.db"), "PRAGMA user_version") == newer);
}

TEST_CASE("starting a process puts one message in each entry queue, ready to lease") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  auto r = commit(*s, CommitBatch{{new_process({a, b}, "hello")}, {}, {}, {{a, 10}, {b, 10}}});
  REQUIRE(r.started.size() == 1);
  REQUIRE(r.leased.size() == 2);
  CHECK(r.leased[0].queue == a);
  CHECK(r.leased[1].queue == b);
  for (const auto& m : r.leased) {
    CHECK(m.process_id == r.started[0]);
    CHECK(m.correlation_id == std::to_string(r.started[0]));
    CHECK(m.attempt == 1);
    CHECK(m.payload == bytes("hello"));
  }
  auto p = s->process(r.started[0]).value();
  REQUIRE(p.has_value());
  CHECK(p->outstanding == 2);
  CHECK(p->state == ProcessState::running);
}

TEST_CASE("leasing hands each message out once, in order, until acknowledged") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  CommitBatch start;
  for (int i = 0; i < 5; ++i) start.new_processes.push_back(new_process({a}, std::to_string(i)));
  commit(*s, start);
  auto first = commit(*s, CommitBatch{{}, {}, {}, {{a, 3}}});
  auto second = commit(*s, CommitBatch{{}, {}, {}, {{a, 3}}});
  auto third = commit(*s, CommitBatch{{}, {}, {}, {{a, 3}}});
  REQUIRE(first.leased.size() == 3);
  REQUIRE(second.leased.size() == 2);
  CHECK(third.leased.empty());
  CHECK(first.leased[0].payload == bytes("0"));
  CHECK(second.leased[1].payload == bytes("4"));
}

TEST_CASE("a hop acknowledges the input and enqueues its output in one commit") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  auto r = commit(*s, CommitBatch{{new_process({a})}, {}, {}, {{a, 1}}});
  auto hop = commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {{b, 1}}});
  CHECK(queued(*s, a) == 0);
  CHECK(queued(*s, b) == 1);
  REQUIRE(hop.leased.size() == 1);
  CHECK(hop.leased[0].parent_id == r.leased[0].id);
  CHECK(hop.leased[0].process_id == r.leased[0].process_id);
  CHECK(hop.leased[0].credit == 1);  // the finished visit rides along
  CHECK(hop.finished.empty());
}

TEST_CASE("a process completes in the commit of its last acknowledgement, with exact counts") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  QueueId c = s->queue("t", "c").value();
  auto r = commit(*s, CommitBatch{{new_process({a})}, {}, {}, {{a, 10}}});
  // a -> b (1:1), b -> three copies to c (fan-out), each c ends the lineage.
  auto r1 = commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {{b, 10}}});
  auto r2 = commit(*s, CommitBatch{{}, {ack_to(r1.leased[0], {c, c, c})}, {}, {{c, 10}}});
  REQUIRE(r2.leased.size() == 3);
  auto r3 = commit(*s, CommitBatch{{}, {ack_to(r2.leased[0], {}), ack_to(r2.leased[1], {})}, {}, {}});
  CHECK(r3.finished.empty());
  auto r4 = commit(*s, CommitBatch{{}, {ack_to(r2.leased[2], {})}, {}, {}});
  REQUIRE(r4.finished.size() == 1);
  const ProcessRecord& p = r4.finished[0];
  CHECK(p.id == r.started[0]);
  CHECK(p.state == ProcessState::completed);
  CHECK(p.outstanding == 0);
  CHECK(p.done == 5);  // a, b, and three visits of c
  CHECK(p.failed == 0);
  CHECK(p.finished_ms >= p.started_ms);
}

TEST_CASE("a failed message goes to the trash as it was, and its process completes with failures") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  auto r = commit(*s, CommitBatch{{new_process({a}, "order-7")}, {}, {}, {{a, 1}}});
  auto r1 = commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {{b, 1}}});
  Ack fail = ack_to(r1.leased[0], {});
  fail.failed = TrashInfo{"ERP said: unknown customer"};
  auto r2 = commit(*s, CommitBatch{{}, {fail}, {}, {}});
  REQUIRE(r2.finished.size() == 1);
  CHECK(r2.finished[0].state == ProcessState::failed);
  CHECK(r2.finished[0].done == 1);
  CHECK(r2.finished[0].failed == 1);
  auto trash = s->trash(10).value();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].node == "b");
  CHECK(trash[0].topology == "t");
  CHECK(trash[0].error == "ERP said: unknown customer");
  CHECK(trash[0].payload == bytes("order-7"));
  CHECK(trash[0].process_id == r.started[0]);
  CHECK(trash[0].parent_id == r.leased[0].id);
  CHECK(trash[0].message_id == r1.leased[0].id);
  CHECK(trash[0].attempts == 1);
}

TEST_CASE("a message survives a crash between dispatch and commit and comes back as attempt 2") {
  TempDir dir;
  MessageId id;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    auto r = commit(*s, CommitBatch{{new_process({a})}, {}, {}, {{a, 1}}});
    id = r.leased[0].id;
    s->note_call(a, {r.leased[0].seq});  // handed to a worker
    // The host stops here: the message was handed out, never acknowledged.
  }
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 1);
  QueueId a = s->queue("t", "a").value();
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{a, 1}}});
  REQUIRE(r.leased.size() == 1);
  CHECK(r.leased[0].id == id);
  CHECK(r.leased[0].attempt == 2);
}

TEST_CASE("a clean restart does not count an attempt for messages never handed out") {
  TempDir dir;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    commit(*s, CommitBatch{{new_process({a})}, {}, {}, {}});
  }
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 0);
  CHECK(s->recovery().queued == 1);
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{s->queue("t", "a").value(), 1}}});
  CHECK(r.leased.at(0).attempt == 1);
}

TEST_CASE("after a crash only messages a call had started count an attempt, and prefetched ones do not") {
  TempDir dir;
  std::vector<MessageId> ids;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    CommitBatch start;
    for (int i = 0; i < 10; ++i) start.new_processes.push_back(new_process({a}));
    start.leases = {{a, 10}};
    auto r = commit(*s, start);
    REQUIRE(r.leased.size() == 10);
    for (const auto& m : r.leased) ids.push_back(m.id);
    // Two calls went to workers (messages 1-2 and 3); 4-10 were prefetched.
    s->note_call(a, {r.leased[0].seq, r.leased[1].seq});
    s->note_call(a, {r.leased[2].seq});
    // SIGKILL: nothing more is written (the store object just goes away).
  }
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 3);
  CHECK(s->recovery().unstarted == 7);
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{s->queue("t", "a").value(), 10}}});
  REQUIRE(r.leased.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) {
    INFO("message " << i + 1);
    CHECK(r.leased[i].id == ids[i]);
    CHECK(r.leased[i].attempt == (i < 3 ? 2u : 1u));
    CHECK(r.leased[i].crashes == (i < 3 ? 1u : 0u));
    CHECK(weir::message::history_json(r.leased[i].errors).size() == (i < 3 ? 1u : 0u));
  }
}

// SQLite's marks are a cursor per queue, set back when leases are given
// back; PostgreSQL marks each row a call started, and its releases spare
// them (a call's rows are never given back).
TEST_CASE("marks say nothing after leases are given back", "[sqlite]") {
  TempDir dir;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    auto r = commit(*s, CommitBatch{{new_process({a}), new_process({a})}, {}, {}, {{a, 2}}});
    s->note_started(a, r.leased[1].seq);
    s->note_started(a, 0);  // both given back: no call holds any of them
  }
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 0);
  CHECK(s->recovery().unstarted == 2);
}

TEST_CASE("marks say nothing for another database's file", "[sqlite]") {
  TempDir dir;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    auto r = commit(*s, CommitBatch{{new_process({a}), new_process({a})}, {}, {}, {{a, 2}}});
    s->note_started(a, r.leased[1].seq);
    s->note_started(a, 0);  // both given back: no call holds any of them
  }
  {
    auto s = open_store(dir);
    CHECK(s->recovery().redelivered == 0);
    CHECK(s->recovery().unstarted == 2);
    QueueId a = s->queue("t", "a").value();
    auto r = commit(*s, CommitBatch{{}, {}, {}, {{a, 2}}});
    s->note_started(a, r.leased[1].seq);
  }
  // The database is replaced by another one that has leased messages too
  // (a restored backup, say): the marks file beside it is not its own.
  TempDir other;
  {
    auto s = open_store(other);
    QueueId a = s->queue("t", "a").value();
    commit(*s, CommitBatch{{new_process({a}), new_process({a})}, {}, {}, {{a, 2}}});
  }
  std::filesystem::copy_file(other.file("weir.db"), dir.file("weir.db"),
                             std::filesystem::copy_options::overwrite_existing);
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 0);
  CHECK(s->recovery().unstarted == 2);
}

TEST_CASE("acknowledging the same message twice counts it once") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  auto r = commit(*s, CommitBatch{{new_process({a})}, {}, {}, {{a, 1}}});
  commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {}});
  commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {}});
  CHECK(queued(*s, b) == 1);
  auto qs = s->queues().value();
  CHECK(qs[0].done == 1);
}

// A call that ran twice (its message redelivered after a crash, or on
// PostgreSQL taken over by another host) writes its state and ID mappings
// once: the second ack is dropped whole, and so are the writes of its call.
TEST_CASE("a duplicate ack drops its call's state and ID writes, and another call's in the same commit stand") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
  auto r = commit(*s, CommitBatch{{new_process({a}), new_process({a})}, {}, {}, {{a, 2}}});
  REQUIRE(r.leased.size() == 2);
  CommitBatch first;
  first.acks = {ack_to(r.leased[0], {b})};
  first.state_puts = {{"t", "cursor", bytes("first")}};
  first.id_puts = {{"shop", "product", "SKU-1", "11"}};
  first.calls = {{1, 1, 1}};
  commit(*s, first);
  // The same call again (its ack a duplicate) and another call, in one commit.
  CommitBatch again;
  again.acks = {ack_to(r.leased[0], {b}), ack_to(r.leased[1], {b})};
  again.state_puts = {{"t", "cursor", bytes("second")}, {"t", "other", bytes("kept")}};
  again.id_puts = {{"shop", "product", "SKU-1", "12"}, {"shop", "product", "SKU-2", "21"}};
  again.calls = {{1, 1, 1}, {1, 1, 1}};
  commit(*s, again);
  CHECK(s->state_get("t", "cursor").value() == bytes("first"));
  CHECK(s->state_get("t", "other").value() == bytes("kept"));
  CHECK(s->id_get("shop", "product", "SKU-1").value() == std::optional<std::string>("11"));
  CHECK(s->id_get("shop", "product", "SKU-2").value() == std::optional<std::string>("21"));
  CHECK(queued(*s, b) == 2);
}

TEST_CASE("a commit that hits a full disk applies nothing and the store keeps working", "[sqlite]") {
  TempDir dir;
  auto s = open_store(dir, 512 * 1024);
  QueueId a = s->queue("t", "a").value();
  std::string big(8000, 'x');
  CommitBatch fill;
  for (int i = 0; i < 200; ++i) fill.new_processes.push_back(new_process({a}, big));
  auto failed = s->commit(fill);
  REQUIRE_FALSE(failed.is_ok());
  CHECK_THAT(failed.error(), Catch::Contains("full"));
  CHECK_THAT(failed.error(), Catch::Contains(dir.file("weir.db")));
  CHECK(queued(*s, a) == 0);
  // Smaller commits still go through, and ids continue without a gap.
  auto r = commit(*s, CommitBatch{{new_process({a}, "small")}, {}, {}, {{a, 5}}});
  REQUIRE(r.leased.size() == 1);
  CHECK(r.started[0] == 1);
  CHECK(r.leased[0].id == 1);
}

TEST_CASE("state writes commit with the batch and read back per topology") {
  TempDir dir;
  auto s = open_store(dir);
  commit(*s, CommitBatch{{}, {}, {{"t", "last_sync", bytes("2026-11-26")}}, {}});
  commit(*s, CommitBatch{{}, {}, {{"t", "last_sync", bytes("2026-11-27")}}, {}});
  CHECK(s->state_get("t", "last_sync").value() == bytes("2026-11-27"));
  CHECK_FALSE(s->state_get("other", "last_sync").value().has_value());
}

TEST_CASE("an operator deletes state by prefix or by key, audited, and other keys stay") {
  TempDir dir;
  auto s = open_store(dir);
  CommitBatch b;
  for (const char* k : {"cmp/x/A", "cmp/x/B", "cmp/x0", "cmp/y/A", "cmp/x\xff"}) {
    b.state_puts.push_back({"t", k, bytes("h")});
  }
  b.state_puts.push_back({"u", "cmp/x/A", bytes("h")});
  commit(*s, b);
  AuditEntry who;
  who.actor = "alice";
  who.action = "comparator.reset";
  who.detail = R"({"node": "x"})";
  // A prefix is a range: "cmp/x/" takes cmp/x/A and cmp/x/B, not cmp/x0
  // (the next byte after '/') nor another topology's keys.
  CHECK(s->delete_state("t", "cmp/x/", {}, who).value() == 2);
  CHECK_FALSE(s->state_get("t", "cmp/x/A").value().has_value());
  CHECK(s->state_get("t", "cmp/x0").value().has_value());
  CHECK(s->state_get("t", "cmp/y/A").value().has_value());
  CHECK(s->state_get("u", "cmp/x/A").value().has_value());
  // By key: only those named (one is not there).
  CHECK(s->delete_state("t", "", {"cmp/y/A", "cmp/y/Z"}, who).value() == 1);
  CHECK_FALSE(s->state_get("t", "cmp/y/A").value().has_value());
  const auto audit = s->audit(10).value();
  REQUIRE(audit.size() == 2);
  CHECK(audit[1].actor == "alice");
  CHECK(audit[1].action == "comparator.reset");
  CHECK(nlohmann::json::parse(audit[1].detail) == nlohmann::json{{"node", "x"}, {"deleted", 2}});
}

TEST_CASE("a delta process carries its window and, completed, moves the since, never back") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  auto start = [&](std::int64_t overlap) {
    NewProcess np = new_process({a});
    np.delta_overlap_ms = overlap;
    np.headers = weir::payload::encode_headers({{"x-from", "cron"}, {"weir-sync-since", "1"}});
    auto r = commit(*s, CommitBatch{{np}, {}, {}, {{a, 5}}});
    REQUIRE(r.leased.size() == 1);
    return r.leased[0];
  };
  auto header = [](const QueuedMessage& m, const char* name) {
    auto h = weir::payload::decode_headers(m.headers);
    return h.count(name) ? h.at(name) : std::string("none");
  };
  // The first run: no since (the starter's own is dropped), until = now.
  const QueuedMessage first = start(1000);
  CHECK(header(first, "x-from") == "cron");
  CHECK(header(first, kSyncSinceHeader) == "none");
  const std::int64_t until1 = std::stoll(header(first, kSyncUntilHeader));
  CHECK(s->sync_windows().value().empty());  // not before it completes
  // A second run starts before the first completes: still no since.
  const QueuedMessage second = start(1000);
  CHECK(header(second, kSyncSinceHeader) == "none");
  const std::int64_t until2 = std::stoll(header(second, kSyncUntilHeader));
  // The second completes first (with a failure: the since moves all the same).
  Ack failed;
  failed.input = second;
  failed.failed = TrashInfo{"broken", {}, 0};
  commit(*s, CommitBatch{{}, {failed}, {}, {}});
  auto w = s->sync_windows().value();
  REQUIRE(w.size() == 1);
  CHECK(w[0].topology == "t");
  CHECK(w[0].since_ms == until2 - 1000);
  // The first completes later: its older start does not move the since back.
  commit(*s, CommitBatch{{}, {ack_to(first, {})}, {}, {}});
  CHECK(s->sync_windows().value()[0].since_ms == until2 - 1000);
  CHECK(until1 <= until2);
  // The next run carries it; a topology that is not delta carries nothing.
  CHECK(header(start(1000), kSyncSinceHeader) == std::to_string(until2 - 1000));
  CHECK(header(start(-1), kSyncUntilHeader) == "none");
  // Reset: audited, and the next run is full.
  AuditEntry who;
  who.action = "sync.reset";
  CHECK(s->reset_sync_window("t", who).value());
  CHECK_FALSE(s->reset_sync_window("t", who).value());
  CHECK(header(start(1000), kSyncSinceHeader) == "none");
  CHECK(s->audit(10).value().size() == 2);
}

TEST_CASE("a STOP is counted as stopped on its queue, beside done") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  auto r = commit(*s, CommitBatch{{new_process({a}, "1"), new_process({a}, "2")}, {}, {}, {{a, 5}}});
  REQUIRE(r.leased.size() == 2);
  Ack stop = ack_to(r.leased[0], {});
  stop.stopped = true;
  commit(*s, CommitBatch{{}, {stop, ack_to(r.leased[1], {})}, {}, {}});
  for (const auto& q : s->queues().value()) {
    if (q.id != a) continue;
    CHECK(q.done == 2);
    CHECK(q.stopped == 1);
  }
}

TEST_CASE("released leases are ready again and a crash does not count them as an attempt") {
  TempDir dir;
  MessageId first_id;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    CommitBatch start;
    for (int i = 0; i < 3; ++i) start.new_processes.push_back(new_process({a}));
    start.leases = {{a, 3}};
    auto r = commit(*s, start);
    REQUIRE(r.leased.size() == 3);
    first_id = r.leased[0].id;
    s->note_call(a, {r.leased[0].seq});
    // Only the first went to a worker; the other two are given back.
    CommitBatch give_back;
    give_back.releases = {{a, first_id}};
    commit(*s, give_back);
    auto again = commit(*s, CommitBatch{{}, {}, {}, {{a, 10}}});
    REQUIRE(again.leased.size() == 2);
    CHECK(again.leased[0].attempt == 1);
    commit(*s, give_back);
  }
  auto s = open_store(dir);
  CHECK(s->recovery().redelivered == 1);  // only the one a worker had
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{s->queue("t", "a").value(), 10}}});
  REQUIRE(r.leased.size() == 3);
  CHECK(r.leased[0].attempt == 2);
  CHECK(r.leased[1].attempt == 1);
  CHECK(r.leased[2].attempt == 1);
}

TEST_CASE("a release and a lease of one queue in one commit: the lease stands") {
  // A hot reload can leave a release pending (its commit failed) when the
  // queue's node comes back and leases again: the new lease must hold.
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  CommitBatch start;
  for (int i = 0; i < 4; ++i) start.new_processes.push_back(new_process({a}));
  commit(*s, start);
  CommitBatch both;
  both.leases = {{a, 4}};
  both.releases = {{a, 0}};
  auto r = commit(*s, both);
  REQUIRE(r.leased.size() == 4);
  CHECK(commit(*s, CommitBatch{{}, {}, {}, {{a, 10}}}).leased.empty());  // none twice
  // The same with messages that arrive in the commit (leased as they are inserted).
  CommitBatch more;
  more.new_processes.push_back(new_process({a}));
  more.leases = {{a, 10}};
  more.releases = {{a, 0}};
  auto m = commit(*s, more);
  CHECK(m.leased.size() >= 1);
  CHECK(commit(*s, CommitBatch{{}, {}, {}, {{a, 10}}}).leased.empty());
}

// ---- retries (schema 2) ----------------------------------------------------

namespace {

Ack retry_at(const QueuedMessage& m, std::int64_t due_ms, const std::string& why) {
  Ack a;
  a.input = m;
  a.retry = RetryInfo{due_ms, weir::message::append_attempt(m.errors, 1000, m.attempt, "retry", why)};
  return a;
}

std::int64_t waiting(Store& s, QueueId q) {
  for (const auto& info : s.queues().value()) {
    if (info.id == q) return info.waiting;
  }
  return -1;
}

}  // namespace

TEST_CASE("a message to retry waits outside its queue and the messages behind it go on") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  CommitBatch start;
  for (int i = 0; i < 3; ++i) start.new_processes.push_back(new_process({a}, std::to_string(i)));
  start.leases = {{a, 1}};
  auto r = commit(*s, start);
  REQUIRE(r.leased.size() == 1);
  const std::int64_t due = weir::now_ms() + 60000;
  auto parked = commit(*s, CommitBatch{{}, {retry_at(r.leased[0], due, "ERP down")}, {}, {{a, 10}}});
  CHECK(parked.next_due_ms == due);
  CHECK(queued(*s, a) == 2);
  CHECK(waiting(*s, a) == 1);
  REQUIRE(parked.leased.size() == 2);  // the two behind it
  CHECK(parked.leased[0].payload == bytes("1"));
  CHECK(s->queues().value()[0].retried == 1);
  auto p = s->process(r.started[0]).value();
  CHECK(p->outstanding == 1);  // still alive
  CHECK(p->state == ProcessState::running);
}

TEST_CASE("a due retry comes back at the end of its queue with its attempts and history") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  auto r = commit(*s, CommitBatch{{new_process({a}, "order")}, {}, {}, {{a, 1}}});
  commit(*s, CommitBatch{{}, {retry_at(r.leased[0], 5000, "ERP down")}, {}, {}});
  commit(*s, CommitBatch{{new_process({a}, "later")}, {}, {}, {}});
  CommitBatch promote;
  promote.promote_until_ms = 4999;  // not yet due
  auto early = commit(*s, promote);
  CHECK(early.promoted.empty());
  CHECK(early.next_due_ms == 5000);
  promote.promote_until_ms = weir::now_ms();
  promote.leases = {{a, 10}};
  auto back = commit(*s, promote);
  REQUIRE(back.promoted == std::vector<QueueId>{a});
  CHECK(back.next_due_ms == 0);
  REQUIRE(back.leased.size() == 2);
  CHECK(back.leased[0].payload == bytes("later"));  // it went to the end
  const QueuedMessage& m = back.leased[1];
  CHECK(m.payload == bytes("order"));
  CHECK(m.id == r.leased[0].id);    // the same message
  CHECK(m.seq > r.leased[0].seq);  // at a new place: the lease cursor only moves forward
  CHECK(m.attempt == 2);
  CHECK(m.process_id == r.started[0]);
  auto history = weir::message::history_json(m.errors);
  REQUIRE(history.size() == 1);
  CHECK(history[0]["error"] == "ERP down");
  CHECK(history[0]["attempt"] == 1);
  CHECK(waiting(*s, a) == 0);
}

TEST_CASE("the trash keeps every attempt's error and the first and last failure time") {
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  auto r = commit(*s, CommitBatch{{new_process({a}, "order")}, {}, {}, {{a, 1}}});
  Ack fail = ack_to(r.leased[0], {});
  auto errors = weir::message::append_attempt({}, 1000, 1, "retry", "timeout");
  errors = weir::message::append_attempt(errors, 2000, 2, "failed", "rejected");
  fail.failed = TrashInfo{"rejected", errors, 1000};
  commit(*s, CommitBatch{{}, {fail}, {}, {}});
  auto t = s->trash(10).value();
  REQUIRE(t.size() == 1);
  CHECK(t[0].first_failed_ms == 1000);
  CHECK(t[0].failed_ms >= t[0].first_failed_ms);
  auto history = weir::message::history_json(t[0].errors);
  REQUIRE(history.size() == 2);
  CHECK(history[0]["error"] == "timeout");
  CHECK(history[1]["kind"] == "failed");
}

TEST_CASE("a delivery cut short by a crash is counted, as a crash, in the message's history") {
  TempDir dir;
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value();
    auto r = commit(*s, CommitBatch{{new_process({a})}, {}, {}, {{a, 1}}});
    s->note_call(a, {r.leased.at(0).seq});
  }
  auto s = open_store(dir);
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{s->queue("t", "a").value(), 1}}});
  REQUIRE(r.leased.size() == 1);
  CHECK(r.leased[0].attempt == 2);
  CHECK(r.leased[0].crashes == 1);
  auto history = weir::message::history_json(r.leased[0].errors);
  REQUIRE(history.size() == 1);
  CHECK(history[0]["kind"] == "crash");
  CHECK(history[0]["attempt"] == 1);
}

TEST_CASE("a version 1 database is migrated to the latest and keeps its messages", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("weir.db");
  {
    Db db;
    REQUIRE(db.open(path).is_ok());
    REQUIRE(migrate(db, 1).is_ok());
    REQUIRE(db.exec("INSERT INTO queues(id, topology, node) VALUES (1, 't', 'a');"
                    "INSERT INTO processes(id, topology, correlation_id, state, outstanding, done, "
                    "failed, started_ms) VALUES (7, 't', 'c', 0, 1, 0, 0, 1);"
                    "INSERT INTO messages VALUES (1, 1, 7, 0, 'c', 0, 0, x'80', x'a3616263', 1);"
                    "UPDATE meta SET value = 2 WHERE key = 'next_message_id';"
                    "UPDATE meta SET value = 8 WHERE key = 'next_process_id';")
                .is_ok());
  }
  CHECK(sqlite_int(path, "PRAGMA user_version") == 1);
  auto s = open_store(dir);
  CHECK(sqlite_int(path, "PRAGMA user_version") == latest_schema_version());
  auto r = commit(*s, CommitBatch{{}, {}, {}, {{1, 10}}});
  REQUIRE(r.leased.size() == 1);
  CHECK(r.leased[0].process_id == 7);
  CHECK(r.leased[0].crashes == 0);
  CHECK(weir::message::history_json(r.leased[0].errors).empty());
}

// ---- the trash as an operator tool (schema 3) -----------------------------------

namespace {

// Fails `n` fresh processes at node `node` of topology `t`; returns trash ids.
std::vector<std::int64_t> fill_trash(Store& s, const std::string& t, const std::string& node,
                                     int n, const std::string& error) {
  QueueId q = s.queue(t, node).value();
  CommitBatch start;
  for (int i = 0; i < n; ++i) {
    NewProcess np = new_process({q}, "{\"sku\":\"SKU-" + std::to_string(i) + "\"}");
    np.topology = t;
    np.payload = weir::payload::from_json(weir::Json{{"sku", "SKU-" + std::to_string(i)}});
    start.new_processes.push_back(np);
  }
  start.leases = {{q, static_cast<std::size_t>(n)}};
  auto r = commit(s, start);
  CommitBatch fail;
  for (const auto& m : r.leased) {
    Ack a = ack_to(m, {});
    a.failed = TrashInfo{error, weir::message::append_attempt({}, 1, 1, "failed", error), 1};
    fail.acks.push_back(a);
  }
  commit(s, fail);
  std::vector<std::int64_t> ids;
  for (const auto& e : s.trash(TrashFilter{100000}).value()) {
    if (e.topology == t && e.node == node) ids.push_back(e.id);
  }
  return ids;
}

}  // namespace

TEST_CASE("trash listings filter by topology, node, time and text, and page by id") {
  TempDir dir;
  auto s = open_store(dir);
  fill_trash(*s, "orders", "erp", 3, "customer unknown");
  fill_trash(*s, "orders", "shop", 2, "timeout");
  fill_trash(*s, "products", "shop", 4, "timeout");
  CHECK(s->trash(TrashFilter{100, 0, "orders"}).value().size() == 5);
  CHECK(s->trash(TrashFilter{100, 0, "", "shop"}).value().size() == 6);
  CHECK(s->trash(TrashFilter{100, 0, "orders", "shop"}).value().size() == 2);
  CHECK(s->trash(TrashFilter{100, 0, "", "", weir::now_ms() + 60000}).value().empty());
  CHECK(s->trash(TrashFilter{100, 0, "", "", 0, "unknown"}).value().size() == 3);
  CHECK(s->trash(TrashFilter{100, 0, "", "", 0, "SKU-3"}).value().size() == 1);  // in the payload
  auto page1 = s->trash(TrashFilter{4}).value();
  auto page2 = s->trash(TrashFilter{4, page1.back().id}).value();
  auto page3 = s->trash(TrashFilter{4, page2.back().id}).value();
  CHECK(page1.size() == 4);
  CHECK(page2.size() == 4);
  CHECK(page3.size() == 1);
  CHECK(page2.front().id > page1.back().id);
}

TEST_CASE("a replay puts the message back at its node and its process runs again") {
  TempDir dir;
  auto s = open_store(dir);
  auto ids = fill_trash(*s, "orders", "erp", 1, "customer unknown");
  auto entry = s->trash_entry(ids[0]).value();
  REQUIRE(entry.has_value());
  CHECK(s->process(entry->process_id).value()->state == ProcessState::failed);
  QueueId erp = s->queue("orders", "erp").value();
  CommitBatch replay;
  replay.replays = {{{ids[0], 424242}, {0, 0, "alice", "ipc:///x", "trash.replay", "{}"}}};
  replay.leases = {{erp, 10}};
  auto r = commit(*s, replay);
  CHECK(r.replayed == std::vector<std::int64_t>{ids[0]});
  CHECK(r.not_in_trash == std::vector<std::int64_t>{424242});
  CHECK_FALSE(s->trash_entry(ids[0]).value().has_value());
  auto p = s->process(entry->process_id).value();
  CHECK(p->state == ProcessState::running);
  CHECK(p->failed == 0);
  CHECK(p->finished_ms == 0);
  REQUIRE(r.leased.size() == 1);
  const QueuedMessage& m = r.leased[0];
  CHECK(m.process_id == entry->process_id);
  CHECK(m.parent_id == entry->parent_id);
  CHECK(m.attempt == 1);  // the counter starts again
  CHECK(weir::message::history_json(m.errors).size() == 1);  // the history stays
  // The fixed node now succeeds: the process completes, without failures.
  auto done = commit(*s, CommitBatch{{}, {ack_to(m, {})}, {}, {}});
  REQUIRE(done.finished.size() == 1);
  CHECK(done.finished[0].state == ProcessState::completed);
  CHECK(done.finished[0].failed == 0);
  // The trace keeps the failed visit and adds the replayed one as the
  // message's second delivery (the attempt counter started again, the
  // trace does not write over the first visit).
  auto visits = s->visits(entry->process_id).value();
  REQUIRE(visits.size() == 2);
  CHECK(visits[0].attempt == 1);
  CHECK(visits[0].error == "customer unknown");
  CHECK(visits[1].attempt == 2);
  CHECK(visits[1].error.empty());
  auto audit = s->audit(10).value();
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].action == "trash.replay");
  CHECK(audit[0].actor == "alice");
}

TEST_CASE("a discard removes entries for good and is audited with what it removed") {
  TempDir dir;
  auto s = open_store(dir);
  auto ids = fill_trash(*s, "orders", "erp", 3, "duplicate order");
  auto gone = s->discard_trash({ids[0], ids[2], 999999},
                               {0, 0, "bob", "ipc:///x", "trash.discard", R"({"reason":"dupes"})"})
                  .value();
  CHECK(gone == std::vector<std::int64_t>{ids[0], ids[2]});
  auto left = s->trash(TrashFilter{}).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == ids[1]);
  auto audit = s->audit(10).value();
  REQUIRE(audit.size() == 1);
  auto detail = weir::Json::parse(audit[0].detail);
  CHECK(detail["reason"] == "dupes");
  CHECK(detail["discarded"] == weir::Json::array({ids[0], ids[2]}));
  CHECK(audit[0].at_ms > 0);
}

// ---- topology versions (schema 6) ----------------------------------------------

TEST_CASE("a topology gets a new version only when its content changes, across restarts") {
  TempDir dir;
  {
    auto s = open_store(dir);
    CHECK(s->topology_version("orders", "hash-a", "orders.yaml").value() == 1);
    CHECK(s->topology_version("orders", "hash-a", "orders.yaml").value() == 1);
    CHECK(s->topology_version("orders", "hash-b", "orders.yaml").value() == 2);
    CHECK(s->topology_version("catalog", "hash-a", "catalog.yaml").value() == 1);
  }
  auto s = open_store(dir);
  CHECK(s->topology_version("orders", "hash-b", "orders.yaml").value() == 2);
  CHECK(s->topology_version("orders", "hash-a", "orders.yaml").value() == 3);  // back is new too
}

TEST_CASE("retiring a removed node's queue trashes its messages, explained, with exact counts") {
  TempDir dir;
  auto s = open_store(dir);
  REQUIRE(s->topology_version("orders", "v1", "orders.yaml").value() == 1);
  QueueId a = s->queue("orders", "a").value(), gone = s->queue("orders", "gone").value();
  auto r = commit(*s, CommitBatch{{new_process({a}, "1"), new_process({a}, "2")}, {}, {}, {{a, 2}}});
  // One message moves on to the node that will go; the other waits there to be retried.
  auto hop = commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {gone}), ack_to(r.leased[1], {gone})},
                                    {}, {{gone, 2}}});
  REQUIRE(hop.leased.size() == 2);
  commit(*s, CommitBatch{{}, {retry_at(hop.leased[1], weir::now_ms() + 60000, "later")}, {}, {}});
  REQUIRE(s->topology_version("orders", "v2", "orders.yaml").value() == 2);
  CommitBatch retire;
  retire.retirements = {{gone, "node 'gone' is not in topology orders any more", 1}};
  auto done = commit(*s, retire);
  CHECK(queued(*s, gone) == 0);
  CHECK(waiting(*s, gone) == 0);
  REQUIRE(done.finished.size() == 2);
  for (const auto& p : done.finished) {
    CHECK(p.state == ProcessState::failed);
    CHECK(p.done == 1);  // a
    CHECK(p.failed == 1);
  }
  auto trash = s->trash(TrashFilter{}).value();
  REQUIRE(trash.size() == 2);
  for (const auto& t : trash) {
    CHECK(t.node == "gone");
    CHECK(t.error == "node 'gone' is not in topology orders any more");
    CHECK(t.topology_version == 1);
    auto history = weir::message::history_json(t.errors);
    CHECK(history.back()["kind"] == "removed");
  }
}

TEST_CASE("every column of a message survives its trip through queue, delayed, trash and back") {
  // One codec per table (rows.hpp): a column read from the wrong place would
  // show here as a field that changed on the way.
  TempDir dir;
  auto s = open_store(dir);
  QueueId a = s->queue("t", "a").value();
  NewProcess np = new_process({a}, "payload-bytes");
  np.correlation_id = "order-77";
  np.headers = bytes("header-bytes");
  auto start = commit(*s, CommitBatch{{np}, {}, {}, {{a, 1}}});
  REQUIRE(start.leased.size() == 1);
  const QueuedMessage first = start.leased[0];
  // A paging continuation gives it a cursor and a credit; lease that one.
  Ack page = ack_to(first, {});
  page.outputs = {Output{a, bytes("header-bytes"), bytes("payload-bytes"), bytes("cursor-1")}};
  auto paged = commit(*s, CommitBatch{{}, {page}, {}, {{a, 1}}});
  REQUIRE(paged.leased.size() == 1);
  QueuedMessage m = paged.leased[0];
  CHECK(m.cursor == bytes("cursor-1"));
  CHECK(m.correlation_id == "order-77");
  CHECK(m.headers == bytes("header-bytes"));
  CHECK(m.payload == bytes("payload-bytes"));
  CHECK(m.credit == 1);
  // To `delayed` (a retry) and back.
  Ack retry = ack_to(m, {});
  retry.outputs.clear();
  const Bytes history = weir::message::append_attempt({}, 5, 1, "retry", "later");
  retry.retry = RetryInfo{1, history, "later"};
  commit(*s, CommitBatch{{}, {retry}, {}, {}});
  CommitBatch promote;
  promote.promote_until_ms = weir::now_ms() + 1000;
  promote.leases = {{a, 1}};
  auto back = commit(*s, promote);
  REQUIRE(back.leased.size() == 1);
  const QueuedMessage& r = back.leased[0];
  CHECK(r.id == m.id);
  CHECK(r.process_id == m.process_id);
  CHECK(r.parent_id == m.parent_id);
  CHECK(r.correlation_id == m.correlation_id);
  CHECK(r.attempt == 2);
  CHECK(r.credit == m.credit);
  CHECK(r.headers == m.headers);
  CHECK(r.payload == m.payload);
  CHECK(r.errors == history);
  CHECK(r.cursor == m.cursor);
  // To the trash, then replayed.
  Ack fail = ack_to(r, {});
  fail.outputs.clear();
  fail.failed = TrashInfo{"no", weir::message::append_attempt(history, 6, 2, "failed", "no"), 5, 3};
  commit(*s, CommitBatch{{}, {fail}, {}, {}});
  auto trash = s->trash(10).value();
  REQUIRE(trash.size() == 1);
  CHECK(trash[0].message_id == m.id);
  CHECK(trash[0].parent_id == m.parent_id);
  CHECK(trash[0].correlation_id == "order-77");
  CHECK(trash[0].attempts == 2);
  CHECK(trash[0].headers == m.headers);
  CHECK(trash[0].payload == m.payload);
  CHECK(trash[0].first_failed_ms == 5);
  CHECK(trash[0].topology_version == 3);
  CommitBatch replay;
  replay.replays = {Replay{{trash[0].id}, AuditEntry{}, std::nullopt}};
  replay.leases = {{a, 1}};
  auto again = commit(*s, replay);
  REQUIRE(again.leased.size() == 1);
  CHECK(again.leased[0].id == m.id);
  CHECK(again.leased[0].attempt == 1);
  CHECK(again.leased[0].cursor == m.cursor);  // a paging node resumes where it failed
  CHECK(again.leased[0].payload == m.payload);
  CHECK(weir::message::history_json(again.leased[0].errors).size() == 2);
}

TEST_CASE("queue depths are kept as commits go, equal to a count of the rows, without counting") {
  TempDir dir;
  auto check = [&](Store& s) {
    for (const auto& q : s.queues().value()) {
      INFO("queue " << q.node);
      const std::string id = std::to_string(q.id);
      CHECK(q.queued ==
            db_int(dir, "SELECT count(*) FROM messages WHERE queue_id = " + id));
      CHECK(q.waiting ==
            db_int(dir, "SELECT count(*) FROM delayed WHERE queue_id = " + id));
    }
  };
  {
    auto s = open_store(dir);
    QueueId a = s->queue("t", "a").value(), b = s->queue("t", "b").value();
    CommitBatch start;
    for (int i = 0; i < 6; ++i) start.new_processes.push_back(new_process({a}));
    start.leases = {{a, 6}};
    auto r = commit(*s, start);
    check(*s);
    // Two hop on, one retries, one fails, one waits; one stays.
    Ack retry = ack_to(r.leased[2], {});
    retry.retry = RetryInfo{weir::now_ms() + 3600000, weir::message::empty_history(), "later"};
    Ack fail = ack_to(r.leased[3], {});
    fail.failed = TrashInfo{"no", weir::message::empty_history(), 0};
    commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b}), ack_to(r.leased[1], {b, b}), retry, fail},
                           {}, {}});
    check(*s);
    // A duplicate ack changes nothing.
    commit(*s, CommitBatch{{}, {ack_to(r.leased[0], {b})}, {}, {}});
    check(*s);
    // b is retired: its three messages go to the trash.
    CommitBatch retire;
    retire.retirements = {QueueRetirement{b, "gone", 1}};
    commit(*s, retire);
    check(*s);
    // The retry comes back.
    CommitBatch promote;
    promote.promote_until_ms = weir::now_ms() + 7200000;
    commit(*s, promote);
    check(*s);
    // A replay puts one back.
    auto trash = s->trash(1).value();
    CommitBatch replay;
    replay.replays = {Replay{{trash.at(0).id}, AuditEntry{}, std::nullopt}};
    commit(*s, replay);
    check(*s);
  }
  auto s = open_store(dir);  // counted again at open
  check(*s);
}
