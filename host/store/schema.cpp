// The SQLite schema and its migrations.
//
// The schema version is SQLite's `PRAGMA user_version`. Migration N (1-based)
// takes a database from version N-1 to N in one transaction. A database with
// a version newer than this build knows is refused, never touched: an older
// weir must not write into a newer weir's data.
//
// Why the tables look as they do:
//  - messages is WITHOUT ROWID, clustered by (queue_id, seq): enqueue appends
//    at the end of a queue's range, ack deletes from its front, and leasing
//    the next ready messages is one range scan; no secondary index to keep.
//  - queues carries the lease cursor and the per-node counters, so one row
//    update per touched queue per commit covers both.
#include "schema.hpp"

#include <string>

namespace weir::store {
namespace {

const char* const kMigrations[] = {
    // 1: the foundation.
    R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('next_message_id', 1), ('next_process_id', 1);

CREATE TABLE queues(
  id             INTEGER PRIMARY KEY,
  topology       TEXT NOT NULL,
  node           TEXT NOT NULL,
  leased_through INTEGER NOT NULL DEFAULT 0,  -- lease: ids <= this were handed to workers
  done           INTEGER NOT NULL DEFAULT 0,
  failed         INTEGER NOT NULL DEFAULT 0,
  UNIQUE(topology, node)
);

CREATE TABLE messages(
  queue_id       INTEGER NOT NULL,
  id             INTEGER NOT NULL,
  process_id     INTEGER NOT NULL,
  parent_id      INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempts       INTEGER NOT NULL,  -- deliveries lost to crashes so far
  credit         INTEGER NOT NULL,  -- finished ancestor visits not yet on the process row
  headers        BLOB NOT NULL,
  payload        BLOB NOT NULL,
  created_ms     INTEGER NOT NULL,
  PRIMARY KEY(queue_id, id)
) WITHOUT ROWID;

CREATE TABLE processes(
  id             INTEGER PRIMARY KEY,
  topology       TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  state          INTEGER NOT NULL,  -- 0 running, 1 completed, 2 completed with failures
  outstanding    INTEGER NOT NULL,
  done           INTEGER NOT NULL,
  failed         INTEGER NOT NULL,
  started_ms     INTEGER NOT NULL,
  finished_ms    INTEGER NOT NULL DEFAULT 0
);
-- No index on topology: every process start would pay for it; listing by
-- topology walks ids backwards and stops at its LIMIT.

CREATE TABLE state(
  topology   TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      BLOB NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(topology, key)
) WITHOUT ROWID;

CREATE TABLE trash(
  id             INTEGER PRIMARY KEY,
  queue_id       INTEGER NOT NULL,
  message_id     INTEGER NOT NULL,
  process_id     INTEGER NOT NULL,
  parent_id      INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempts       INTEGER NOT NULL,
  error          TEXT NOT NULL,
  headers        BLOB NOT NULL,
  payload        BLOB NOT NULL,
  failed_ms      INTEGER NOT NULL
);
)sql",
    // 2: retries. A message waiting to be retried leaves its queue for
    // `delayed` (ordered by when it is due), so it never holds up the
    // messages behind it, and comes back at the end of its queue. Every
    // attempt that did not end well is kept with the message (`errors`,
    // see message/attempt_history.hpp) and goes with it to the trash.
    R"sql(
ALTER TABLE messages ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN errors BLOB NOT NULL DEFAULT x'90';
ALTER TABLE queues ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trash ADD COLUMN errors BLOB NOT NULL DEFAULT x'90';
ALTER TABLE trash ADD COLUMN first_failed_ms INTEGER NOT NULL DEFAULT 0;

CREATE TABLE delayed(
  due_ms         INTEGER NOT NULL,
  id             INTEGER NOT NULL,  -- the id it had in its queue
  queue_id       INTEGER NOT NULL,
  process_id     INTEGER NOT NULL,
  parent_id      INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempts       INTEGER NOT NULL,
  crashes        INTEGER NOT NULL,
  credit         INTEGER NOT NULL,
  headers        BLOB NOT NULL,
  payload        BLOB NOT NULL,
  errors         BLOB NOT NULL,
  PRIMARY KEY(due_ms, id)
) WITHOUT ROWID;
)sql",
    // 3: the audit of operator actions (trash replay, discard, ...).
    R"sql(
CREATE TABLE audit(
  id     INTEGER PRIMARY KEY,
  at_ms  INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  socket TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
    // 4: the trace of a process: one row per node visit (a delivery that
    // ended), clustered by process so `weir process show` is one range scan.
    R"sql(
CREATE TABLE visits(
  process_id  INTEGER NOT NULL,
  message_id  INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  parent_id   INTEGER NOT NULL,
  queue_id    INTEGER NOT NULL,
  at_ms       INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  outcome     INTEGER NOT NULL,
  outputs     INTEGER NOT NULL,
  error       TEXT NOT NULL,
  PRIMARY KEY(process_id, message_id, attempt)
) WITHOUT ROWID;
)sql",
    // 5: a message keeps its id across retries and replays. Its place in
    // the queue is `seq` (the lease cursor counts seq); `id` is who it is.
    // Until now the two were the same column, so seq starts as the id.
    R"sql(
CREATE TABLE messages_v5(
  queue_id       INTEGER NOT NULL,
  seq            INTEGER NOT NULL,  -- place in the queue; only grows
  id             INTEGER NOT NULL,  -- the message; stable across retries and replays
  process_id     INTEGER NOT NULL,
  parent_id      INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempts       INTEGER NOT NULL,
  credit         INTEGER NOT NULL,
  headers        BLOB NOT NULL,
  payload        BLOB NOT NULL,
  created_ms     INTEGER NOT NULL,
  crashes        INTEGER NOT NULL,
  errors         BLOB NOT NULL,
  PRIMARY KEY(queue_id, seq)
) WITHOUT ROWID;
INSERT INTO messages_v5 SELECT queue_id, id, id, process_id, parent_id, correlation_id, attempts,
  credit, headers, payload, created_ms, crashes, errors FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v5 RENAME TO messages;
)sql",
    // 6: topology versions. A topology file whose content changed gets the
    // next version; every trash entry says which version it failed under.
    R"sql(
CREATE TABLE topology_versions(
  name         TEXT NOT NULL,
  version      INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  file         TEXT NOT NULL,
  loaded_ms    INTEGER NOT NULL,
  PRIMARY KEY(name, version)
) WITHOUT ROWID;
ALTER TABLE trash ADD COLUMN topology_version INTEGER NOT NULL DEFAULT 0;
)sql",
    // 7: paging. A paging node's message carries its cursor: in its queue,
    // while it waits to be retried, and in the trash (a replay resumes there).
    R"sql(
ALTER TABLE messages ADD COLUMN cursor BLOB NOT NULL DEFAULT x'';
ALTER TABLE delayed ADD COLUMN cursor BLOB NOT NULL DEFAULT x'';
ALTER TABLE trash ADD COLUMN cursor BLOB NOT NULL DEFAULT x'';
)sql",
    // 8: prerequisites. A message whose node needs another topology to run
    // first waits in `delayed` with waits_for = that process (and a due time
    // of "never" until it completes). `prerequisites` finds the running
    // process for a (topology, key), so many messages needing one thing
    // start one process; processes.needed_by says who asked for it first
    // (0: not a prerequisite; only those can have waiters).
    R"sql(
ALTER TABLE delayed ADD COLUMN waits_for INTEGER NOT NULL DEFAULT 0;
CREATE INDEX delayed_waits_for ON delayed(waits_for) WHERE waits_for != 0;
CREATE INDEX delayed_waiting_process ON delayed(process_id, waits_for) WHERE waits_for != 0;
ALTER TABLE processes ADD COLUMN needed_by INTEGER NOT NULL DEFAULT 0;
CREATE TABLE prerequisites(
  topology   TEXT NOT NULL,
  key        TEXT NOT NULL,
  process_id INTEGER NOT NULL,
  PRIMARY KEY(topology, key)
) WITHOUT ROWID;
CREATE INDEX trash_by_process ON trash(process_id);
)sql",
    // 9: triggers (cron). The slot a trigger last fired is written in the
    // commit that starts its process, so a restart neither repeats nor
    // forgets it; a fire missed while the host was down runs once at start.
    R"sql(
CREATE TABLE triggers(
  topology      TEXT NOT NULL,
  trigger       TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_fire_ms  INTEGER NOT NULL DEFAULT 0,
  last_process  INTEGER NOT NULL DEFAULT 0,
  fired         INTEGER NOT NULL DEFAULT 0,
  skipped       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(topology, trigger)
) WITHOUT ROWID;
)sql",
    // 10: counts for /metrics, kept as rows change (sqlite_counts.cpp).
    // Triggers move them in the transaction that changes the row they
    // count, so they are exact whichever code (commit, replay, discard,
    // retirement, retention) changes it; a scrape reads a few rows instead
    // of scanning millions. Counts reaching 0 keep their row.
    R"sql(
CREATE TABLE process_counts(
  topology TEXT NOT NULL,
  state    INTEGER NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY(topology, state)
) WITHOUT ROWID;
INSERT INTO process_counts(topology, state, count)
  SELECT topology, state, count(*) FROM processes GROUP BY topology, state;
CREATE TRIGGER process_counts_insert AFTER INSERT ON processes BEGIN
  INSERT INTO process_counts(topology, state, count) VALUES(NEW.topology, NEW.state, 1)
    ON CONFLICT(topology, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER process_counts_update AFTER UPDATE OF topology, state ON processes
  WHEN OLD.state IS NOT NEW.state OR OLD.topology IS NOT NEW.topology BEGIN
  UPDATE process_counts SET count = count - 1 WHERE topology = OLD.topology AND state = OLD.state;
  INSERT INTO process_counts(topology, state, count) VALUES(NEW.topology, NEW.state, 1)
    ON CONFLICT(topology, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER process_counts_delete AFTER DELETE ON processes BEGIN
  UPDATE process_counts SET count = count - 1 WHERE topology = OLD.topology AND state = OLD.state;
END;

CREATE TABLE tallies(
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tallies(name, value) SELECT 'trash', count(*) FROM trash;
CREATE TRIGGER trash_tally_insert AFTER INSERT ON trash BEGIN
  UPDATE tallies SET value = value + 1 WHERE name = 'trash';
END;
CREATE TRIGGER trash_tally_delete AFTER DELETE ON trash BEGIN
  UPDATE tallies SET value = value - 1 WHERE name = 'trash';
END;
)sql",
    // 11: process counts on the hot path kept by the commit itself: it adds
    // up the starts and state changes of its processes and writes one row
    // per (topology, state) it changed (sqlite_commit.cpp, count_states),
    // instead of a trigger per process row (bench_hop: about 5 us of the
    // committer per process). Deleting a process (retention) still goes
    // through the delete trigger.
    R"sql(
DROP TRIGGER process_counts_insert;
DROP TRIGGER process_counts_update;
)sql",
    // 12: messages a node ended on purpose (STOP: filtered, e.g. by
    // core.comparator as unchanged), counted per queue like done and failed.
    R"sql(
ALTER TABLE queues ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0;
)sql",
    // 13: the ID map: which object of another system (an application's
    // name, an entity such as "product") an id of ours is. One remote id per
    // local id and one local id per remote id (INSERT OR REPLACE keeps both
    // true: a newer mapping replaces the rows it conflicts with).
    R"sql(
CREATE TABLE id_map(
  system     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  local_id   TEXT NOT NULL,
  remote_id  TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(system, entity, local_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX id_map_remote ON id_map(system, entity, remote_id);
)sql",
    // 14: delta sync. A delta topology's next run fetches what changed since
    // `since_ms`; a process of it knows, from its start, what the since
    // becomes once it completes (sync_next_ms: its start minus the overlap).
    R"sql(
CREATE TABLE sync_windows(
  topology   TEXT PRIMARY KEY,
  since_ms   INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE processes ADD COLUMN sync_next_ms INTEGER NOT NULL DEFAULT 0;
)sql",
};

constexpr int kLatest = sizeof(kMigrations) / sizeof(kMigrations[0]);

Result<int> user_version(Db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.status();
  Status st;
  int v = stmt->step(&st) ? static_cast<int>(stmt->int64(0)) : 0;
  if (!st) return st;
  return v;
}

}  // namespace

int latest_schema_version() { return kLatest; }

Status migrate(Db& db, int target) {
  if (target <= 0 || target > kLatest) target = kLatest;
  auto version = user_version(db);
  if (!version) return version.status();
  if (*version > kLatest) {
    return Status::error("store " + db.path() + ": schema version " + std::to_string(*version) +
                         " is newer than this weir knows (" + std::to_string(kLatest) +
                         "); use a newer weir with this data directory");
  }
  for (int v = *version; v < target; ++v) {
    Status st = db.exec("BEGIN IMMEDIATE");
    if (st) st = db.exec(kMigrations[v]);
    if (st) st = db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    if (st) st = db.exec("COMMIT");
    if (!st) {
      (void)db.exec("ROLLBACK");
      return st.prefixed("migrating schema to version " + std::to_string(v + 1));
    }
  }
  return Status::ok();
}

}  // namespace weir::store
