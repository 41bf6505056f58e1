// SqliteStore: opening, recovery and the operator reads. The commit path is
// in sqlite_commit.cpp.
#include "sqlite_store.hpp"

#include <random>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "rows.hpp"
#include "schema.hpp"

namespace weir::store {

const char* to_string(ProcessState s) {
  switch (s) {
    case ProcessState::running: return "running";
    case ProcessState::completed: return "completed";
    case ProcessState::failed: return "completed_with_failures";
  }
  return "unknown";
}

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto s = SqliteStore::open(options);
  if (!s) return s.status();
  return std::unique_ptr<Store>(std::move(s).value().release());
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  std::unique_ptr<SqliteStore> s(new SqliteStore(options));
  Status st = s->open_connections();
  if (st) st = migrate(s->writer_);
  if (st) st = s->prepare_writer();
  if (st) st = s->load_counters();
  if (st) st = s->load_versions();
  if (st) st = s->open_marks();
  if (st) st = s->recover();
  if (st) st = s->start_retention();  // keep_finished_ms > 0: prunes in the background
  if (!st) return st;
  return s;
}

Status SqliteStore::open_connections() {
  Status st = writer_.open(options_.path);
  // 16 KB pages (on a new file; an existing one keeps its size): queue rows
  // with their payloads split b-tree pages far less often. bench_hop: about
  // +10% hop transfers/s over 4 KB pages.
  if (st) st = writer_.exec("PRAGMA page_size=16384");
  if (st) st = writer_.exec("PRAGMA journal_mode=WAL");
  if (st) st = writer_.exec(options_.synchronous_full ? "PRAGMA synchronous=FULL"
                                                      : "PRAGMA synchronous=NORMAL");
  // The writer waits for a reader's checkpoint lock rather than failing.
  if (st) st = writer_.exec("PRAGMA busy_timeout=10000; PRAGMA cache_size=-32000");
  if (st && options_.max_bytes > 0) st = cap_size();
  if (st) st = checkpointer_.start();
  // Checkpoints run on the checkpointer's thread; the writer only reports
  // the WAL's size (see checkpointer.hpp).
  if (st) writer_.set_wal_hook(&SqliteStore::on_wal_commit, this);
  if (st) st = reader_.open(options_.path);
  if (st) st = reader_.exec("PRAGMA busy_timeout=10000; PRAGMA query_only=1");
  return st;
}

// Caps the file at options_.max_bytes (to the page), in the file's own pages.
Status SqliteStore::cap_size() {
  auto page = writer_.prepare("PRAGMA page_size");
  if (!page) return page.status();
  Status st;
  const std::int64_t size = page->step(&st) ? page->int64(0) : 4096;
  if (!st) return st;
  return writer_.exec("PRAGMA max_page_count=" + std::to_string(options_.max_bytes / size));
}

int SqliteStore::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
  static_cast<SqliteStore*>(self)->wal_pages_ = pages;
  static_cast<SqliteStore*>(self)->checkpointer_.note_wal_pages(pages);
  return SQLITE_OK;
}

Status SqliteStore::prepare_writer() {
  struct Spec {
    Stmt* stmt;
    const char* sql;
  };
  const Spec specs[] = {
      {&w_.insert_message, rows::messages::kInsert},
      {&w_.delete_message, rows::messages::kDelete},
      {&w_.insert_process, rows::processes::kInsert},
      {&w_.update_process, rows::processes::kUpdate},
      {&w_.update_queue_counts,
       "UPDATE queues SET done = done + ?1, failed = failed + ?2, retried = retried + ?4, "
       "stopped = stopped + ?5 WHERE id = ?3"},
      {&w_.update_lease, "UPDATE queues SET leased_through = ?1 WHERE id = ?2"},
      {&w_.select_ready, rows::messages::kSelectReady},
      {&w_.put_state,
       "INSERT INTO state(topology, key, value, updated_ms) VALUES(?1, ?2, ?3, ?4) "
       "ON CONFLICT(topology, key) DO UPDATE SET value = excluded.value, "
       "updated_ms = excluded.updated_ms"},
      {&w_.insert_trash, rows::trash::kInsert},
      {&w_.save_meta, "UPDATE meta SET value = ?1 WHERE key = ?2"},
      {&w_.find_queue, "SELECT id FROM queues WHERE topology = ?1 AND node = ?2"},
      {&w_.insert_queue, "INSERT INTO queues(topology, node) VALUES(?1, ?2)"},
      {&w_.insert_delayed, rows::delayed::kInsert},
      {&w_.select_due, rows::delayed::kSelectDue},
      {&w_.delete_delayed, rows::delayed::kDelete},
      {&w_.next_due, "SELECT due_ms FROM delayed WHERE due_ms < ?1 ORDER BY due_ms LIMIT 1"},
      {&w_.insert_visit, rows::visits::kInsert},
      // prerequisites (sqlite_prerequisite.cpp)
      {&w_.find_prerequisite,
       "SELECT r.process_id FROM prerequisites r JOIN processes p ON p.id = r.process_id "
       "WHERE r.topology = ?1 AND r.key = ?2 AND p.state = 0"},
      {&w_.put_prerequisite,
       "INSERT OR REPLACE INTO prerequisites(topology, key, process_id) VALUES(?1, ?2, ?3)"},
      // Does process ?1 (transitively) wait for process ?2? Edges: a message
      // of process d.process_id waits for process d.waits_for.
      {&w_.waits_on,
       "WITH RECURSIVE chain(pid) AS (SELECT ?1 UNION SELECT d.waits_for FROM delayed d "
       "JOIN chain ON d.process_id = chain.pid WHERE d.waits_for != 0) "
       "SELECT 1 FROM chain WHERE pid = ?2 LIMIT 1"},
      {&w_.wake_waiters,
       // (`waits_for != 0` lets SQLite use the partial index delayed_waits_for)
       "UPDATE delayed SET due_ms = ?1, waits_for = 0 WHERE waits_for = ?2 AND waits_for != 0"},
      {&w_.select_waiters, rows::delayed::kSelectWaiters},
      {&w_.add_state_count, rows::processes::kAddCount},
      // the ID map (sqlite_ids.cpp)
      {&w_.put_id,
       "INSERT OR REPLACE INTO id_map(system, entity, local_id, remote_id, updated_ms) "
       "VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&w_.forget_id, "DELETE FROM id_map WHERE system = ?1 AND entity = ?2 AND local_id = ?3"},
      // delta sync (sqlite_sync.cpp); the since only moves forward
      {&w_.get_since, "SELECT since_ms FROM sync_windows WHERE topology = ?1"},
      {&w_.advance_since,
       "INSERT INTO sync_windows(topology, since_ms, updated_ms) VALUES(?1, ?2, ?3) "
       "ON CONFLICT(topology) DO UPDATE SET since_ms = excluded.since_ms, "
       "updated_ms = excluded.updated_ms WHERE excluded.since_ms > sync_windows.since_ms"},
      {&w_.record_fire,
       "INSERT INTO triggers(topology, trigger, first_seen_ms, last_fire_ms, last_process, fired) "
       "VALUES(?1, ?2, ?3, ?3, ?4, 1) ON CONFLICT(topology, trigger) DO UPDATE SET "
       "last_fire_ms = excluded.last_fire_ms, last_process = excluded.last_process, "
       "fired = fired + 1"},
      {&w_.last_failure,
       "SELECT q.node, t.error FROM trash t JOIN queues q ON q.id = t.queue_id "
       "WHERE t.process_id = ?1 ORDER BY t.id DESC LIMIT 1"},
  };
  for (const auto& spec : specs) {
    auto stmt = writer_.prepare(spec.sql);
    if (!stmt) return stmt.status();
    *spec.stmt = std::move(stmt).value();
  }
  return Status::ok();
}

// The database's instance id ties the dispatch marks file to it (a copy of
// the database elsewhere, or a restored backup, gets no foreign marks).
// Made on first open; older databases get one the same way.
Status SqliteStore::open_marks() {
  auto marks = DispatchMarks::open(options_.path + "-dispatch", instance_);
  if (!marks) return marks.status().prefixed("dispatch marks");
  marks_ = std::move(marks).value();
  return Status::ok();
}

Status SqliteStore::load_counters() {
  std::random_device random;
  const std::int64_t fresh = (static_cast<std::int64_t>(random()) << 31) ^ random();
  Status made = writer_.exec("INSERT OR IGNORE INTO meta(key, value) VALUES('instance', " +
                             std::to_string(fresh) + ")");
  if (!made) return made;
  auto stmt = writer_.prepare("SELECT key, value FROM meta");
  auto tails = writer_.prepare("SELECT queue_id, max(seq), count(*) FROM messages GROUP BY queue_id");
  auto waiting = writer_.prepare("SELECT queue_id, count(*) FROM delayed GROUP BY queue_id");
  if (!stmt) return stmt.status();
  if (!tails) return tails.status();
  Status st;
  while (stmt->step(&st)) {
    std::string key = stmt->text(0);
    if (key == "next_message_id") next_message_id_ = static_cast<MessageId>(stmt->int64(1));
    if (key == "next_process_id") next_process_id_ = static_cast<ProcessId>(stmt->int64(1));
    if (key == "instance") instance_ = stmt->int64(1);
  }
  if (!waiting) return waiting.status();
  std::lock_guard depth_lock(depth_mu_);
  while (st && tails->step(&st)) {
    tail_[tails->int64(0)] = static_cast<MessageId>(tails->int64(1));
    depths_[tails->int64(0)].queued = tails->int64(2);
  }
  while (st && waiting->step(&st)) depths_[waiting->int64(0)].waiting = waiting->int64(1);
  return st;
}

// Whatever is still queued at or below a queue's lease cursor was leased
// and never acknowledged: the host stopped in between. The messages a call
// had started (the dispatch marks say which) count that delivery as an
// attempt and a crash, with an entry in the message's history; the ones
// only prefetched count nothing. All are ready again; one transaction. The
// marks are cleared only after it committed: a crash before that finds the
// cursors at 0 and nothing to count again.
Status SqliteStore::recover() {
  std::lock_guard lock(write_mu_);
  Status st = writer_.exec("BEGIN IMMEDIATE");
  if (st) st = mark_interrupted();
  if (st) st = writer_.exec("UPDATE queues SET leased_through = 0");
  auto count = writer_.prepare("SELECT count(*) FROM messages");
  if (st && !count) st = count.status();
  if (st && count->step(&st)) recovery_.queued = count->int64(0);
  if (count) count->reset();
  if (st) st = writer_.exec("COMMIT");
  if (!st) (void)writer_.exec("ROLLBACK");
  if (st) marks_->clear();
  return st.prefixed("recovering in-flight messages");
}

Status SqliteStore::mark_interrupted() {
  auto select = writer_.prepare(
      "SELECT m.queue_id, m.seq, m.attempts, m.errors FROM messages m JOIN queues q "
      "ON q.id = m.queue_id WHERE m.seq <= q.leased_through");
  auto update = writer_.prepare(
      "UPDATE messages SET attempts = attempts + 1, crashes = crashes + 1, errors = ?3 "
      "WHERE queue_id = ?1 AND seq = ?2");
  if (!select) return select.status();
  if (!update) return update.status();
  struct Hit {
    std::int64_t queue, seq, attempts;
    Bytes errors;
  };
  std::vector<Hit> hits;
  Status st;
  while (select->step(&st)) {
    const std::int64_t queue = select->int64(0), seq = select->int64(1);
    if (static_cast<std::uint64_t>(seq) > marks_->started(queue)) {
      ++recovery_.unstarted;  // only prefetched: it comes back as it was
      continue;
    }
    hits.push_back(Hit{queue, seq, select->int64(2), select->blob(3)});
  }
  if (!st) return st;
  const std::int64_t now = now_ms();
  for (const Hit& h : hits) {
    Bytes errors = message::append_attempt(
        h.errors, now, static_cast<std::uint32_t>(h.attempts + 1), "crash",
        "the host stopped while this message was being processed");
    st = update->bind(1, h.queue).bind(2, h.seq).bind_blob(3, errors).run();
    if (!st) return st;
  }
  recovery_.redelivered = static_cast<std::int64_t>(hits.size());
  return Status::ok();
}

Result<QueueId> SqliteStore::queue(const std::string& topology, const std::string& node) {
  std::lock_guard lock(write_mu_);
  Status st;
  w_.find_queue.bind(1, topology).bind(2, node);
  bool found = w_.find_queue.step(&st);
  QueueId id = found ? w_.find_queue.int64(0) : 0;
  w_.find_queue.reset();
  if (!st) return st;
  if (found) return id;
  st = w_.insert_queue.bind(1, topology).bind(2, node).run();
  if (!st) return st;
  id = writer_.last_insert_rowid();
  leased_to_[id] = 0;
  queue_topology_[id] = topology;
  return id;
}

// ---- reads ----------------------------------------------------------------

// The queue rows (a few per topology) with the depths kept in memory: no
// count of messages, however many there are.
Result<std::vector<QueueInfo>> SqliteStore::queues() {
  std::vector<QueueInfo> out;
  {
    std::lock_guard lock(read_mu_);
    auto s = reader_.prepare(
        "SELECT id, topology, node, done, failed, retried, stopped FROM queues "
        "ORDER BY topology, node");
    if (!s) return s.status();
    Status st;
    while (s->step(&st)) {
      out.push_back(QueueInfo{s->int64(0), s->text(1), s->text(2), 0, 0, s->int64(5),
                              s->int64(3), s->int64(4), s->int64(6)});
    }
    if (!st) return st;
  }
  std::lock_guard depth_lock(depth_mu_);
  for (QueueInfo& q : out) {
    auto it = depths_.find(q.id);
    if (it == depths_.end()) continue;
    q.queued = it->second.queued;
    q.waiting = it->second.waiting;
  }
  return out;
}

Result<std::optional<ProcessRecord>> SqliteStore::process(ProcessId id) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(std::string(rows::processes::kSelect) + " WHERE id = ?1");
  if (!s) return s.status();
  s->bind(1, static_cast<std::int64_t>(id));
  Status st;
  std::optional<ProcessRecord> out;
  if (s->step(&st)) out = rows::processes::read(*s);
  if (!st) return st;
  return out;
}

Result<std::vector<ProcessRecord>> SqliteStore::processes(const std::string& topology,
                                                          std::size_t limit,
                                                          std::optional<ProcessState> state) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(std::string(rows::processes::kSelect) +
                           " WHERE (?1 = '' OR topology = ?1) "
                           "AND (?3 < 0 OR state = ?3) ORDER BY id DESC LIMIT ?2");
  if (!s) return s.status();
  s->bind(1, topology).bind(2, static_cast<std::int64_t>(limit));
  s->bind(3, state ? static_cast<std::int64_t>(*state) : -1);
  std::vector<ProcessRecord> out;
  Status st;
  while (s->step(&st)) out.push_back(rows::processes::read(*s));
  if (!st) return st;
  return out;
}

Result<std::vector<Visit>> SqliteStore::visits(ProcessId id) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(rows::visits::kSelectOfProcess);
  if (!s) return s.status();
  s->bind(1, static_cast<std::int64_t>(id));
  std::vector<Visit> out;
  Status st;
  while (s->step(&st)) out.push_back(rows::visits::read(*s));
  if (!st) return st;
  return out;
}

Result<std::optional<Bytes>> SqliteStore::state_get(const std::string& topology,
                                                    const std::string& key) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare("SELECT value FROM state WHERE topology = ?1 AND key = ?2");
  if (!s) return s.status();
  s->bind(1, topology).bind(2, key);
  Status st;
  std::optional<Bytes> out;
  if (s->step(&st)) out = s->blob(0);
  if (!st) return st;
  return out;
}

}  // namespace weir::store
