// The counts /metrics reads and the pruning of finished processes, on a real
// SQLite file. Every count is checked against a real COUNT(*) over the
// tables, read through a connection of its own.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "store/retention.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

using namespace weir::store;
using weir::test::TempDir;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<SqliteStore> open_store(const TempDir& dir) {
  auto s = SqliteStore::open(SqliteOptions{dir.file("weir.db")});
  INFO(s.error());
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

CommitResult commit(Store& s, const CommitBatch& b) {
  auto r = s.commit(b);
  INFO(r.error());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

NewProcess new_process(const std::string& topology, QueueId entry) {
  NewProcess np;
  np.topology = topology;
  np.entry_queues = {entry};
  np.payload = {0xa1, 'x'};
  return np;
}

Ack done(const QueuedMessage& m) {
  Ack a;
  a.input = m;
  return a;
}

Ack failed(const QueuedMessage& m, const std::string& why) {
  Ack a;
  a.input = m;
  a.failed = TrashInfo{why, weir::message::empty_history(), 0};
  return a;
}

// Rows of a query, as text, through a connection of the test's own.
std::vector<std::vector<std::string>> rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::vector<std::vector<std::string>> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const auto* text = sqlite3_column_text(st, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The store's counts against COUNT(*) over the tables themselves.
void counts_are_exact(Store& s, const TempDir& dir) {
  std::map<std::pair<std::string, int>, std::int64_t> kept, real;
  for (const auto& c : s.process_counts().value()) {
    if (c.count != 0) kept[{c.topology, static_cast<int>(c.state)}] = c.count;
  }
  for (const auto& r : rows(dir.file("weir.db"),
                            "SELECT topology, state, count(*) FROM processes GROUP BY 1, 2")) {
    real[{r[0], std::stoi(r[1])}] = std::stoll(r[2]);
  }
  CHECK(kept == real);
  CHECK(s.trash_count().value() ==
        std::stoll(rows(dir.file("weir.db"), "SELECT count(*) FROM trash")[0][0]));
}

std::int64_t state_count(Store& s, const std::string& topology, ProcessState state) {
  for (const auto& c : s.process_counts().value()) {
    if (c.topology == topology && c.state == state) return c.count;
  }
  return 0;
}

std::set<ProcessId> process_ids(const TempDir& dir) {
  std::set<ProcessId> out;
  for (const auto& r : rows(dir.file("weir.db"), "SELECT id FROM processes")) {
    out.insert(std::stoull(r[0]));
  }
  return out;
}

// Prunes whole passes' worth, `batch` processes looked at per call.
PruneResult prune_all(SqliteStore& s, std::int64_t before, std::size_t batch) {
  PruneResult total;
  for (ProcessId after = 0;;) {
    auto r = s.prune_processes(before, after, batch);
    INFO(r.error());
    REQUIRE(r.is_ok());
    total.processes += r->processes;
    total.visits += r->visits;
    if (!r->more) return total;
    REQUIRE(r->last > after);
    after = r->last;
  }
}

}  // namespace

TEST_CASE("process and trash counts stay exact through start, finish, failure, replay, discard, retirement and pruning") {
  TempDir dir;
  auto s = open_store(dir);
  const QueueId orders = s->queue("orders", "erp").value();
  const QueueId stock = s->queue("stock", "shop").value();
  counts_are_exact(*s, dir);

  // Start: 3 orders, 2 stock updates.
  CommitBatch start;
  for (int i = 0; i < 3; ++i) start.new_processes.push_back(new_process("orders", orders));
  for (int i = 0; i < 2; ++i) start.new_processes.push_back(new_process("stock", stock));
  start.leases = {{orders, 10}};
  auto started = commit(*s, start);
  REQUIRE(started.leased.size() == 3);
  CHECK(state_count(*s, "orders", ProcessState::running) == 3);
  counts_are_exact(*s, dir);

  // Completion, and a failure (to the trash).
  commit(*s, CommitBatch{{}, {done(started.leased[0]), failed(started.leased[1], "no customer")}});
  CHECK(state_count(*s, "orders", ProcessState::completed) == 1);
  CHECK(state_count(*s, "orders", ProcessState::failed) == 1);
  CHECK(s->trash_count().value() == 1);
  counts_are_exact(*s, dir);

  // Replay: the failed process runs again, its entry leaves the trash.
  const auto entry = s->trash(TrashFilter{}).value().at(0);
  CommitBatch replay;
  replay.replays = {{{entry.id}, {0, 0, "test", "ipc:///x", "trash.replay", "{}"}}};
  replay.leases = {{orders, 10}};
  auto replayed = commit(*s, replay);
  REQUIRE(replayed.leased.size() == 1);
  CHECK(state_count(*s, "orders", ProcessState::running) == 2);
  CHECK(state_count(*s, "orders", ProcessState::failed) == 0);
  CHECK(s->trash_count().value() == 0);
  counts_are_exact(*s, dir);

  // It fails again; then the entry is discarded (the process stays as it ended).
  commit(*s, CommitBatch{{}, {failed(replayed.leased[0], "still no customer")}});
  counts_are_exact(*s, dir);
  const auto again = s->trash(TrashFilter{}).value().at(0);
  REQUIRE(s->discard_trash({again.id}, {0, 0, "test", "ipc:///x", "trash.discard", "{}"})
              .is_ok());
  CHECK(s->trash_count().value() == 0);
  CHECK(state_count(*s, "orders", ProcessState::failed) == 1);
  counts_are_exact(*s, dir);

  // Retirement: stock's node is gone; its two messages go to the trash.
  CommitBatch retire;
  retire.retirements = {{stock, "node 'shop' is not in topology stock any more", 0}};
  commit(*s, retire);
  CHECK(state_count(*s, "stock", ProcessState::failed) == 2);
  CHECK(s->trash_count().value() == 2);
  counts_are_exact(*s, dir);

  // Pruning: what finished and has nothing in the trash goes (both orders
  // that finished); stock's processes have trash entries and stay.
  const PruneResult pruned = prune_all(*s, weir::now_ms() + 1, 100);
  CHECK(pruned.processes == 2);
  CHECK(state_count(*s, "orders", ProcessState::completed) == 0);
  CHECK(state_count(*s, "orders", ProcessState::failed) == 0);
  CHECK(state_count(*s, "orders", ProcessState::running) == 1);
  CHECK(state_count(*s, "stock", ProcessState::failed) == 2);
  counts_are_exact(*s, dir);
}

TEST_CASE("counts of a store from before schema 10 start from what its tables hold") {
  TempDir dir;
  {
    Db db;
    REQUIRE(db.open(dir.file("weir.db")).is_ok());
    REQUIRE(migrate(db, 9).is_ok());
  }
  exec(dir.file("weir.db"),
       "INSERT INTO processes(id, topology, correlation_id, state, outstanding, done, failed, "
       "started_ms) VALUES (1, 'a', '1', 0, 1, 0, 0, 1), (2, 'a', '2', 1, 0, 1, 0, 1), "
       "(3, 'a', '3', 1, 0, 1, 0, 1), (4, 'b', '4', 2, 0, 0, 1, 1);"
       "INSERT INTO trash(queue_id, message_id, process_id, parent_id, correlation_id, attempts, "
       "error, headers, payload, failed_ms) VALUES (1, 9, 4, 0, '4', 1, 'e', x'', x'c0', 1);");
  auto s = open_store(dir);
  CHECK(state_count(*s, "a", ProcessState::running) == 1);
  CHECK(state_count(*s, "a", ProcessState::completed) == 2);
  CHECK(state_count(*s, "b", ProcessState::failed) == 1);
  CHECK(s->trash_count().value() == 1);
  counts_are_exact(*s, dir);
}

TEST_CASE("pruning removes finished processes and their trace older than the cutoff, and nothing else") {
  TempDir dir;
  auto s = open_store(dir);
  const QueueId q = s->queue("orders", "erp").value();
  // Six processes, in this order: each visits the node once.
  CommitBatch start;
  for (int i = 0; i < 6; ++i) start.new_processes.push_back(new_process("orders", q));
  start.leases = {{q, 10}};
  auto r = commit(*s, start);
  REQUIRE(r.started.size() == 6);
  const ProcessId old_done = r.started[0], old_failed = r.started[1], old_running = r.started[2],
                  old_waited_for = r.started[3], old_done_too = r.started[4],
                  recent = r.started[5];
  commit(*s, CommitBatch{{},
                         {done(r.leased[0]), failed(r.leased[1], "no customer"),
                          done(r.leased[3]), done(r.leased[4]), done(r.leased[5])}});
  // Age all but the last by a day; someone waits for old_waited_for (as a
  // prerequisite's waiter would).
  const std::int64_t day_ago = weir::now_ms() - 24 * 3600 * 1000;
  exec(dir.file("weir.db"),
       "UPDATE processes SET started_ms = " + std::to_string(day_ago) +
           ", finished_ms = CASE WHEN state = 0 THEN 0 ELSE " + std::to_string(day_ago) +
           " END WHERE id < " + std::to_string(recent) +
           "; INSERT INTO delayed(due_ms, id, queue_id, process_id, parent_id, correlation_id, "
           "attempts, crashes, credit, headers, payload, errors, waits_for) VALUES (" +
           std::to_string(kWaitsForProcess) + ", 999, " + std::to_string(q) + ", " +
           std::to_string(old_running) + ", 0, 'w', 0, 0, 0, x'', x'c0', x'90', " +
           std::to_string(old_waited_for) + ")");
  const auto visits_of = [&](ProcessId id) { return s->visits(id).value().size(); };
  REQUIRE(visits_of(old_done) == 1);
  REQUIRE(visits_of(recent) == 1);

  const PruneResult pruned = prune_all(*s, weir::now_ms() - 3600 * 1000, 2);  // an hour
  CHECK(pruned.processes == 2);
  CHECK(pruned.visits == 2);
  CHECK(process_ids(dir) ==
        std::set<ProcessId>{old_failed, old_running, old_waited_for, recent});
  CHECK(visits_of(old_done) == 0);
  CHECK(visits_of(old_done_too) == 0);
  CHECK(visits_of(old_failed) == 1);
  CHECK(visits_of(recent) == 1);
  CHECK(s->trash_count().value() == 1);
  counts_are_exact(*s, dir);

  // Once its trash entry is discarded, the failed one goes too.
  const auto entry = s->trash(TrashFilter{}).value().at(0);
  REQUIRE(s->discard_trash({entry.id}, {0, 0, "test", "ipc:///x", "trash.discard", "{}"}).is_ok());
  CHECK(prune_all(*s, weir::now_ms() - 3600 * 1000, 2).processes == 1);
  CHECK(process_ids(dir) == std::set<ProcessId>{old_running, old_waited_for, recent});
  counts_are_exact(*s, dir);
}

TEST_CASE("a pruning pass stops at the first process started after the cutoff") {
  TempDir dir;
  auto s = open_store(dir);
  const QueueId q = s->queue("orders", "erp").value();
  CommitBatch start;
  for (int i = 0; i < 5; ++i) start.new_processes.push_back(new_process("orders", q));
  start.leases = {{q, 10}};
  auto r = commit(*s, start);
  CommitBatch finish;
  for (const auto& m : r.leased) finish.acks.push_back(done(m));
  commit(*s, finish);
  // All finished, none old: one call says there is nothing more to look at.
  auto none = s->prune_processes(weir::now_ms() - 60000, 0, 2);
  REQUIRE(none.is_ok());
  CHECK(none->processes == 0);
  CHECK_FALSE(none->more);
  CHECK(process_ids(dir).size() == 5);
}

TEST_CASE("the retention thread prunes in the background, a batch at a time") {
  TempDir dir;
  auto s = open_store(dir);
  const QueueId q = s->queue("orders", "erp").value();
  CommitBatch start;
  for (int i = 0; i < 20; ++i) start.new_processes.push_back(new_process("orders", q));
  start.leases = {{q, 100}};
  auto r = commit(*s, start);
  CommitBatch finish;
  for (const auto& m : r.leased) finish.acks.push_back(done(m));
  commit(*s, finish);

  RetentionOptions options;
  options.keep = std::chrono::hours(24);
  options.interval = 10ms;
  options.batch = 3;
  options.clock = [] { return weir::now_ms() + 48LL * 3600 * 1000; };  // two days on
  Retention retention(
      [&](std::int64_t before, ProcessId after, std::size_t max) {
        return s->prune_processes(before, after, max);
      },
      options);
  retention.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!process_ids(dir).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  retention.stop();
  CHECK(process_ids(dir).empty());
  CHECK(state_count(*s, "orders", ProcessState::completed) == 0);
  counts_are_exact(*s, dir);

  // A pass on its own says what it did.
  auto pass = retention.run_pass();
  REQUIRE(pass.is_ok());
  CHECK(pass->processes == 0);
  CHECK(pass->batches == 1);
}
