// PgStore: opening (schema, host registration, taking back this host's own
// earlier leases), the writer's statements, ids, queues and topology
// versions. The commit is in pg_commit.cpp, views in pg_reads.cpp, operator
// writes in pg_operator.cpp.
#include "pg_store.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "pg_schema.hpp"
#include "pg_statements.hpp"

namespace weir::store {

Result<std::unique_ptr<Store>> open_pg_store(const PgOptions& options) {
  auto s = pg::PgStore::open(options);
  if (!s) return s.status();
  return std::unique_ptr<Store>(std::move(s).value().release());
}

namespace pg {

Result<std::unique_ptr<PgStore>> PgStore::open(const PgOptions& options) {
  if (options.host.empty()) return Status::error("store postgres: no host name given");
  std::unique_ptr<PgStore> s(new PgStore(options));
  Status st = s->connect();
  if (st) st = migrate(s->writer_);
  if (st) st = prepare_writer(s->writer_);
  if (st) s->prepared_for_ = s->writer_.generation();
  if (st) st = s->register_host();
  if (st) st = s->recover();
  if (!st) return st;
  s->budget_ = std::make_shared<PgBudget>(options.url);
  // It holds no lease yet (recover() gave its old ones back), and every
  // lease a commit takes from now on lasts a lease from then.
  s->leases_renewed(boot_ms());
  s->start_cluster_thread();
  st = s->start_retention();  // keep_finished_ms > 0: prunes in the background
  if (!st) return st;
  s->janitor_ = std::make_unique<PgJanitor>(options.url);
  s->janitor_->start();
  return s;
}

PgStore::~PgStore() {
  // Closing the session would let go of the host's advisory lock too, but
  // the server notices a closed session a moment later: a host reopened
  // at once (a restart) would find its own name still taken.
  stop_cluster_thread();
  std::lock_guard lock(write_mu_);
  if (writer_.ok()) (void)writer_.exec("SELECT pg_advisory_unlock_all()");
}

Status PgStore::connect() {
  auto w = Conn::connect(options_.url, "store postgres writer");
  if (!w) return w.status();
  writer_ = std::move(w).value();
  auto r = Conn::connect(options_.url, "store postgres reader");
  if (!r) return r.status();
  reader_ = std::move(r).value();
  auto c = Conn::connect(options_.url, "store postgres hosts");
  if (!c) return c.status();
  cluster_ = std::move(c).value();
  // A host paused in the middle of a transaction (a stopped VM) would hold
  // its row locks, the queue counters among them, and stall every other
  // host: the server ends such a transaction after half a lease.
  const std::string idle = "SET idle_in_transaction_session_timeout = " +
                           std::to_string(std::max<std::int64_t>(options_.lease_ms / 2, 1000));
  Status st = writer_.set_session(idle);
  if (st) st = cluster_.set_session(idle);
  if (!st) return st;
  auto m = Conn::connect(options_.url, "store postgres marks");
  if (!m) return m.status();
  marks_ = std::move(m).value();
  // What note_started writes matters if this host dies, not if the
  // database does (then fewer messages count as started, never more).
  return marks_.set_session("SET synchronous_commit = off");
}

Status PgStore::prepare_writer(Conn& db) {
  for (const Statement& s : statements()) {
    Status st = db.prepare(s.name, s.sql);
    if (!st) return st;
  }
  return Status::ok();
}

Status PgStore::ready_writer() {
  Status st;
  if (!writer_.ok()) st = writer_.reset();
  if (!st) return st;
  if (writer_.generation() == prepared_for_) return Status::ok();
  st = prepare_writer(writer_);
  if (st) prepared_for_ = writer_.generation();
  // The session (and with it the advisory lock on the host's name) is new.
  if (st) {
    auto locked = writer_.query("SELECT pg_try_advisory_lock(7735002, $1::bigint::int)",
                                Params().i64(host_id_));
    if (!locked) return locked.status();
  }
  return st;
}

// The host's row: found by name, made on first open. The writer's session
// holds an advisory lock on it while the host runs, so a second process
// with the same name (a copy of the config started twice) is refused
// instead of taking back leases the first one is working on.
Status PgStore::register_host() {
  const std::int64_t now = now_ms();
  auto row = writer_.query(
      "INSERT INTO hosts(name, started_ms, heartbeat_ms, pid) VALUES($1, $2, weir_now_ms(), $3) "
      "ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id",
      Params().text(options_.host).i64(now).i64(::getpid()));
  if (!row) return row.status();
  host_id_ = row->i64(0, 0);
  // A process of this name that was killed a moment ago may still hold it
  // until the server notices its session is gone: a few tries.
  Result<Rows> locked = Status::error("not tried");
  for (int attempt = 0; attempt < 30; ++attempt) {
    locked = writer_.query("SELECT pg_try_advisory_lock(7735002, $1::bigint::int)",
                           Params().i64(host_id_));
    if (!locked) return locked.status();
    if (locked->i64(0, 0) != 0) break;
    ::usleep(100 * 1000);
  }
  if (locked->i64(0, 0) == 0) {
    return Status::error("store postgres: host name '" + options_.host +
                         "' is in use by another running weir; give each host its own "
                         "name (weir.yaml store: host)");
  }
  auto mine = writer_.query(
      "UPDATE hosts SET started_ms = $2, heartbeat_ms = weir_now_ms(), pid = $3 WHERE id = $1",
      Params().i64(host_id_).i64(now).i64(::getpid()));
  return mine.status();
}

// Messages this host had leased when it stopped are ready again. Those a
// call had started count that delivery as an attempt and a crash, with an
// entry in the message's history; those only prefetched count nothing.
Status PgStore::recover() {
  std::lock_guard lock(write_mu_);
  Status st = writer_.exec("BEGIN");
  auto hits = st ? writer_.run(kSelectOwnLeases, Params().i64(host_id_)) : Result<Rows>(st);
  if (!hits) {
    (void)writer_.exec("ROLLBACK");
    return hits.status().prefixed("recovering in-flight messages");
  }
  const std::int64_t now = now_ms();
  for (int i = 0; st && i < hits->size(); ++i) {
    const bool started = hits->i64(i, 3) != 0;
    if (!started) {
      ++recovery_.unstarted;
      continue;
    }
    ++recovery_.redelivered;
    const Bytes errors = message::append_attempt(
        hits->bytes(i, 4), now, static_cast<std::uint32_t>(hits->i64(i, 2) + 1), "crash",
        "the host stopped while this message was being processed");
    auto r = writer_.run(kCountCrash,
                         Params().i64(hits->i64(i, 0)).i64(hits->i64(i, 1)).bytes(errors));
    if (!r) st = r.status();
  }
  if (st) {
    auto r = writer_.run(kReleaseAll, Params().i64(host_id_));
    if (!r) st = r.status();
  }
  if (st) {
    auto r = writer_.query("SELECT coalesce(sum(queued), 0)::bigint FROM queues");
    if (r) recovery_.queued = r->i64(0, 0);
    else st = r.status();
  }
  if (st) st = writer_.exec("COMMIT");
  if (!st) (void)writer_.exec("ROLLBACK");
  return st.prefixed("recovering in-flight messages");
}

// The dispatcher says which of this host's leases are in a call before it
// sends the call; on its own connection, so it never waits for a commit.
// The seqs go as one binary bigint[]: one statement per call, probing the
// primary key for exactly its rows. The plan must not hang on statistics,
// which churn too fast to be right: given the array itself the planner
// weighed 100 probes against the few rows it thought the queue had, and
// read the whole queue; an array from a subquery it cannot see is probed.
// (`lease_host + 0`: not a condition for the index on lease_host, which
// the planner would otherwise combine with the key, reading every lease of
// the host.)
void PgStore::note_call(QueueId queue, const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty()) return;
  std::vector<std::int64_t> keys(seqs.begin(), seqs.end());
  const Bytes list = int8_array(keys);
  std::lock_guard lock(marks_mu_);
  if (!marks_.ok() && !marks_.reset()) return;  // fewer count as started, never more
  (void)marks_.query(
      "UPDATE messages SET started = true WHERE queue_id = $1 "
      "AND seq = ANY(ARRAY(SELECT unnest($2::bigint[]))) AND lease_host + 0 = $3",
      Params().i64(queue).bytes(list).i64(host_id_));
}

Result<std::int64_t> PgStore::take_ids(const char* statement, IdBlock& block,
                                       std::int64_t block_size) {
  if (block.next == block.end) {
    auto r = writer_.run(statement, Params());
    if (!r) return r.status();
    block.next = r->i64(0, 0);
    block.end = block.next + block_size;
  }
  return block.next++;
}

Result<QueueId> PgStore::queue(const std::string& topology, const std::string& node) {
  std::lock_guard lock(write_mu_);
  Status st = ready_writer();
  if (!st) return st;
  auto made = writer_.run(kInsertQueue, Params().text(topology).text(node));
  if (!made) return made.status();
  if (made->size() > 0) return made->i64(0, 0);
  auto found = writer_.run(kFindQueue, Params().text(topology).text(node));
  if (!found) return found.status();
  if (found->size() == 0) return Status::error("store postgres: queue " + topology + "/" + node + " vanished");
  return found->i64(0, 0);
}

// Two hosts loading the same new content at once both get the same version:
// the insert of a version that is already there does nothing, and the
// latest row is read back.
Result<int> PgStore::topology_version(const std::string& name, const std::string& content_hash,
                                      const std::string& file) {
  std::lock_guard lock(write_mu_);
  Status st = ready_writer();
  if (!st) return st;
  auto latest = writer_.query(
      "SELECT version, content_hash FROM topology_versions WHERE name = $1 "
      "ORDER BY version DESC LIMIT 1",
      Params().text(name));
  if (!latest) return latest.status();
  int version = 0;
  if (latest->size() > 0) {
    version = static_cast<int>(latest->i64(0, 0));
    if (latest->text(0, 1) == content_hash) return version;
  }
  auto insert = writer_.query(
      "INSERT INTO topology_versions(name, version, content_hash, file, loaded_ms) "
      "VALUES($1, $2, $3, $4, $5) ON CONFLICT(name, version) DO NOTHING",
      Params().text(name).i64(version + 1).text(content_hash).text(file).i64(now_ms()));
  if (!insert) return insert.status();
  if (insert->affected() == 0) {
    auto again = writer_.query(
        "SELECT version FROM topology_versions WHERE name = $1 AND content_hash = $2 "
        "ORDER BY version DESC LIMIT 1",
        Params().text(name).text(content_hash));
    if (!again) return again.status();
    if (again->size() > 0) return static_cast<int>(again->i64(0, 0));
  }
  return version + 1;
}

// The latest version recorded for the queue's topology (0: none).
Result<int> PgStore::current_version(QueueId queue) {
  auto r = writer_.run(kCurrentVersion, Params().i64(queue));
  if (!r) return r.status();
  return r->size() ? static_cast<int>(r->i64(0, 0)) : 0;
}

// ---- Deferred --------------------------------------------------------------

Params& PgStore::Deferred::add(const char* statement) {
  return ops_.emplace_back(Op{statement, nullptr, Params()}).params;
}

Status PgStore::Deferred::send(Conn& db, const Op& op) {
  return op.statement ? db.send(op.statement, op.params) : db.send_sql(op.sql);
}

Result<std::vector<Rows>> PgStore::Deferred::exchange(Conn& db, std::deque<Op> reads) {
  // libpq in blocking mode could wait on a full socket while the server
  // waits for us to read its answers: a long backlog goes in parts of
  // kPart (each answer of a write is a few bytes, far below the buffers).
  constexpr std::size_t kPart = 1000;
  Status st;
  while (st && ops_.size() > kPart) {
    st = db.begin_pipeline();
    for (std::size_t n = 0; st && n < kPart; ++n) st = send(db, ops_[n]);
    auto answers = db.sync_pipeline();
    if (st && !answers) st = answers.status();
    ops_.erase(ops_.begin(), ops_.begin() + static_cast<std::ptrdiff_t>(kPart));
  }
  if (!st) {
    clear();
    return st;
  }
  if (ops_.empty() && reads.empty()) return std::vector<Rows>();
  const std::size_t writes = ops_.size();
  st = db.begin_pipeline();
  for (std::size_t n = 0; st && n < writes; ++n) st = send(db, ops_[n]);
  for (std::size_t n = 0; st && n < reads.size(); ++n) st = send(db, reads[n]);
  auto answers = db.sync_pipeline();
  clear();
  if (!st) return st;
  if (!answers) return answers.status();
  std::vector<Rows> out;
  out.reserve(reads.size());
  for (std::size_t n = writes; n < answers->size(); ++n) out.push_back(std::move((*answers)[n]));
  return out;
}

// What keep() holds stays until the commit ends: a later write may borrow it.
void PgStore::Deferred::clear() { ops_.clear(); }

}  // namespace pg
}  // namespace weir::store
