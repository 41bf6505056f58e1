// PgStore's reads: the operator views (queues, processes, visits, trash,
// audit, triggers, sync windows), the /metrics counts, state and the ID map.
// All on the reader connection, apart from the writer's transactions.
//
// Results come in the SQLite store's order. Texts are ordered and paged
// with COLLATE "C" (bytewise, as SQLite's BINARY), not the database's
// collation, which would order "B" before "a" differently from one server
// to the next.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>

#include "pg_statements.hpp"
#include "pg_store.hpp"
#include "store_text.hpp"

namespace weir::store::pg {
namespace {

// The reader is reconnected when the server went away (a restart); a query
// that fails on a connection lost meanwhile fails, and the next one
// reconnects.
// A read is asked again once on a fresh connection when the server went
// away under it (a database restart): a view need not fail for that.
Result<Rows> ask(Conn& db, const std::string& sql, const Params& params = Params()) {
  if (!db.ok()) {
    Status st = db.reset();
    if (!st) return st;
  }
  auto r = db.query(sql, params);
  if (r || db.ok()) return r;
  Status st = db.reset();
  if (!st) return r;
  return db.query(sql, params);
}

// A limit as bigint: PostgreSQL refuses a negative LIMIT, where a size_t
// past INT64_MAX would land.
std::int64_t as_limit(std::size_t n) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

// ---- trash rows: the columns of an entry and their reader, side by side.
// Append " WHERE ..." (t = trash, q = queues).
const char* const kTrashSelect =
    "SELECT t.id, q.topology, q.node, t.process_id, t.correlation_id, t.message_id, t.parent_id, "
    "t.attempts, t.error, t.failed_ms, t.headers, t.payload, t.errors, t.first_failed_ms, "
    "t.topology_version FROM trash t JOIN queues q ON q.id = t.queue_id";

TrashRecord read_trash(const Rows& r, int i) {
  TrashRecord t;
  t.id = r.i64(i, 0);
  t.topology = r.text(i, 1);
  t.node = r.text(i, 2);
  t.process_id = static_cast<ProcessId>(r.i64(i, 3));
  t.correlation_id = r.text(i, 4);
  t.message_id = static_cast<MessageId>(r.i64(i, 5));
  t.parent_id = static_cast<MessageId>(r.i64(i, 6));
  t.attempts = static_cast<std::uint32_t>(r.i64(i, 7));
  t.error = r.text(i, 8);
  t.failed_ms = r.i64(i, 9);
  t.headers = r.bytes(i, 10);
  t.payload = r.bytes(i, 11);
  t.errors = r.bytes(i, 12);
  t.first_failed_ms = r.i64(i, 13);
  t.topology_version = static_cast<int>(r.i64(i, 14));
  return t;
}

// ---- process rows (the columns of pg_statements.hpp). Append " WHERE ...".
const char* const kProcessSelect = "SELECT " WEIR_PG_PROCESS_COLUMNS " FROM processes";


// ---- visit rows: $1 process, its visits in the order they were committed.
const char* const kVisitsOfProcess =
    "SELECT v.message_id, v.parent_id, v.attempt, q.topology, q.node, v.at_ms, v.duration_us, "
    "v.outcome, v.outputs, v.error FROM visits v JOIN queues q ON q.id = v.queue_id "
    "WHERE v.process_id = $1 ORDER BY v.at_ms, v.message_id, v.attempt";

Visit read_visit(const Rows& r, int i) {
  return Visit{static_cast<MessageId>(r.i64(i, 0)),
               static_cast<MessageId>(r.i64(i, 1)),
               static_cast<std::uint32_t>(r.i64(i, 2)),
               r.text(i, 3),
               r.text(i, 4),
               r.i64(i, 5),
               r.i64(i, 6),
               static_cast<int>(r.i64(i, 7)),
               r.i64(i, 8),
               r.text(i, 9)};
}

// At most one text: the first column of the first row.
Result<std::optional<std::string>> one_text(Conn& db, const char* sql, const std::string& a,
                                            const std::string& b, const std::string& c) {
  auto r = ask(db, sql, Params().text(a).text(b).text(c));
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0, 0));
}

}  // namespace

// The depths are columns of the queue rows, moved by each commit: no count
// of messages, however many there are.
Result<std::vector<QueueInfo>> PgStore::queues() {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT id, topology, node, queued, waiting, retried, done, failed, stopped "
               "FROM queues ORDER BY topology COLLATE \"C\", node COLLATE \"C\"");
  if (!r) return r.status();
  std::vector<QueueInfo> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(QueueInfo{r->i64(i, 0), r->text(i, 1), r->text(i, 2), r->i64(i, 3), r->i64(i, 4),
                            r->i64(i, 5), r->i64(i, 6), r->i64(i, 7), r->i64(i, 8)});
  }
  return out;
}

Result<std::optional<ProcessRecord>> PgStore::process(ProcessId id) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_, std::string(kProcessSelect) + " WHERE id = $1",
               Params().i64(static_cast<std::int64_t>(id)));
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<ProcessRecord>();
  return std::optional<ProcessRecord>(read_process(*r, 0));
}

Result<std::vector<ProcessRecord>> PgStore::processes(const std::string& topology,
                                                      std::size_t limit,
                                                      std::optional<ProcessState> state) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               std::string(kProcessSelect) +
                   " WHERE ($1::text = '' OR topology = $1) AND ($3::bigint < 0 OR state = $3) "
                   "ORDER BY id DESC LIMIT $2",
               Params()
                   .text(topology)
                   .i64(as_limit(limit))
                   .i64(state ? static_cast<std::int64_t>(*state) : -1));
  if (!r) return r.status();
  std::vector<ProcessRecord> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) out.push_back(read_process(*r, i));
  return out;
}

Result<std::vector<Visit>> PgStore::visits(ProcessId id) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_, kVisitsOfProcess, Params().i64(static_cast<std::int64_t>(id)));
  if (!r) return r.status();
  std::vector<Visit> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) out.push_back(read_visit(*r, i));
  return out;
}

// Pages of entries by id, filtered here by the grep (which SQL cannot
// express: the history and payload are msgpack), until the limit is met or
// the trash ends.
Result<std::vector<TrashRecord>> PgStore::trash(const TrashFilter& f) {
  std::lock_guard lock(read_mu_);
  const std::string sql = std::string(kTrashSelect) +
                          " WHERE t.id > $1 AND ($2::text = '' OR q.topology = $2) "
                          "AND ($3::text = '' OR q.node = $3) AND t.failed_ms >= $4 "
                          "ORDER BY t.id LIMIT $5";
  std::vector<TrashRecord> out;
  std::int64_t after = f.after_id;
  constexpr std::size_t kPage = 1000;
  for (bool more = true; more && out.size() < f.limit;) {
    // Without a grep every entry is kept, so ask for no more than are still
    // wanted: a result comes over whole, payloads and all.
    const std::size_t page = f.grep.empty() ? std::min(kPage, f.limit - out.size()) : kPage;
    auto r = ask(reader_, sql,
                 Params()
                     .i64(after)
                     .text(f.topology)
                     .text(f.node)
                     .i64(f.since_ms)
                     .i64(static_cast<std::int64_t>(page)));
    if (!r) return r.status();
    for (int i = 0; i < r->size() && out.size() < f.limit; ++i) {
      TrashRecord t = read_trash(*r, i);
      after = t.id;
      if (trash_matches(t, f.grep)) out.push_back(std::move(t));
    }
    more = static_cast<std::size_t>(r->size()) == page;
  }
  return out;
}

Result<std::optional<TrashRecord>> PgStore::trash_entry(std::int64_t id) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_, std::string(kTrashSelect) + " WHERE t.id = $1", Params().i64(id));
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<TrashRecord>();
  return std::optional<TrashRecord>(read_trash(*r, 0));
}

Result<std::vector<AuditEntry>> PgStore::audit(std::size_t limit) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT id, at_ms, actor, socket, action, detail FROM audit "
               "ORDER BY id DESC LIMIT $1",
               Params().i64(as_limit(limit)));
  if (!r) return r.status();
  std::vector<AuditEntry> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(AuditEntry{r->i64(i, 0), r->i64(i, 1), r->text(i, 2), r->text(i, 3),
                             r->text(i, 4), r->text(i, 5)});
  }
  return out;
}

// The counts for /metrics are kept as rows change (pg_schema.cpp: the
// tallies and process_counts tables), so a scrape reads a few rows.
Result<std::int64_t> PgStore::trash_count() {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_, "SELECT value FROM tallies WHERE name = 'trash'");
  if (!r) return r.status();
  return r->size() ? r->i64(0, 0) : std::int64_t{0};
}

// Rows stay when their count comes back to 0, so a gauge goes to 0 rather
// than vanishing.
Result<std::vector<Store::ProcessCount>> PgStore::process_counts() {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT topology, state, count FROM process_counts "
               "ORDER BY topology COLLATE \"C\", state");
  if (!r) return r.status();
  std::vector<ProcessCount> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(
        ProcessCount{r->text(i, 0), static_cast<ProcessState>(r->i64(i, 1)), r->i64(i, 2)});
  }
  return out;
}

Result<std::vector<TriggerRecord>> PgStore::triggers() {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT topology, trigger, first_seen_ms, last_fire_ms, last_process, fired, "
               "skipped FROM triggers ORDER BY topology COLLATE \"C\", trigger COLLATE \"C\"");
  if (!r) return r.status();
  std::vector<TriggerRecord> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(TriggerRecord{r->text(i, 0), r->text(i, 1), r->i64(i, 2), r->i64(i, 3),
                                static_cast<ProcessId>(r->i64(i, 4)), r->i64(i, 5), r->i64(i, 6)});
  }
  return out;
}

Result<std::optional<Bytes>> PgStore::state_get(const std::string& topology,
                                                const std::string& key) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_, "SELECT value FROM state WHERE topology = $1 AND key = $2",
               Params().text(topology).text(key));
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<Bytes>();
  return std::optional<Bytes>(r->bytes(0, 0));
}

Result<std::optional<std::string>> PgStore::id_get(const std::string& system,
                                                   const std::string& entity,
                                                   const std::string& local_id) {
  std::lock_guard lock(read_mu_);
  return one_text(
      reader_, "SELECT remote_id FROM id_map WHERE system = $1 AND entity = $2 AND local_id = $3",
      system, entity, local_id);
}

Result<std::optional<std::string>> PgStore::id_find(const std::string& system,
                                                    const std::string& entity,
                                                    const std::string& remote_id) {
  std::lock_guard lock(read_mu_);
  return one_text(
      reader_, "SELECT local_id FROM id_map WHERE system = $1 AND entity = $2 AND remote_id = $3",
      system, entity, remote_id);
}

// Paged by local id: its comparison and the order are both bytewise, so a
// page starts where the last one ended whatever the database's collation.
Result<std::vector<IdMapping>> PgStore::id_list(const IdFilter& f) {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT system, entity, local_id, remote_id, updated_ms FROM id_map "
               "WHERE ($1::text = '' OR system = $1) AND ($2::text = '' OR entity = $2) "
               "AND local_id COLLATE \"C\" > $3 "
               "ORDER BY system COLLATE \"C\", entity COLLATE \"C\", local_id COLLATE \"C\" "
               "LIMIT $4",
               Params().text(f.system).text(f.entity).text(f.after_local).i64(as_limit(f.limit)));
  if (!r) return r.status();
  std::vector<IdMapping> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(
        IdMapping{r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->i64(i, 4)});
  }
  return out;
}

Result<std::vector<SyncWindow>> PgStore::sync_windows() {
  std::lock_guard lock(read_mu_);
  auto r = ask(reader_,
               "SELECT topology, since_ms, updated_ms FROM sync_windows "
               "ORDER BY topology COLLATE \"C\"");
  if (!r) return r.status();
  std::vector<SyncWindow> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(SyncWindow{r->text(i, 0), r->i64(i, 1), r->i64(i, 2)});
  }
  return out;
}

// Every host by name. Alive: it heartbeat within this host's lease (the
// hosts of one cluster share one lease setting, docs/architecture.md).
Result<std::vector<HostRecord>> PgStore::hosts() {
  std::lock_guard lock(read_mu_);
  auto rows = ask(reader_,
                  "SELECT h.id, h.name, h.pid, h.started_ms, h.heartbeat_ms, "
                  "weir_now_ms() - h.heartbeat_ms, "
                  "(SELECT count(*) FROM messages m WHERE m.lease_host = h.id) "
                  "FROM hosts h ORDER BY h.name COLLATE \"C\"");
  if (!rows) return rows.status();
  auto running = ask(reader_,
                     "SELECT host_id, name, version, content_hash FROM host_topologies "
                     "ORDER BY host_id, name COLLATE \"C\"");
  if (!running) return running.status();
  std::vector<HostRecord> out;
  std::map<std::int64_t, std::size_t> by_id;
  for (int i = 0; i < rows->size(); ++i) {
    HostRecord h;
    h.name = rows->text(i, 1);
    h.pid = rows->i64(i, 2);
    h.started_ms = rows->i64(i, 3);
    h.heartbeat_ms = rows->i64(i, 4);
    h.silent_ms = std::max<std::int64_t>(rows->i64(i, 5), 0);
    h.alive = h.silent_ms <= options_.lease_ms;
    h.self = rows->i64(i, 0) == host_id_;
    h.leased = rows->i64(i, 6);
    by_id[rows->i64(i, 0)] = out.size();
    out.push_back(std::move(h));
  }
  for (int i = 0; i < running->size(); ++i) {
    auto it = by_id.find(running->i64(i, 0));
    if (it == by_id.end()) continue;
    out[it->second].topologies.push_back(RunningTopology{
        running->text(i, 1), static_cast<int>(running->i64(i, 2)), running->text(i, 3)});
  }
  return out;
}

}  // namespace weir::store::pg
