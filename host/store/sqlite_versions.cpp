// Topology versions in the SQLite store, and emptying the queue of a node
// that a new version no longer has (its messages go to the trash, explained;
// nothing is dropped silently).
#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "store/sqlite_store.hpp"

namespace weir::store {

Status SqliteStore::load_versions() {
  auto versions = writer_.prepare("SELECT name, max(version) FROM topology_versions GROUP BY name");
  auto queues = writer_.prepare("SELECT id, topology FROM queues");
  if (!versions) return versions.status();
  if (!queues) return queues.status();
  Status st;
  while (versions->step(&st)) versions_[versions->text(0)] = static_cast<int>(versions->int64(1));
  while (st && queues->step(&st)) queue_topology_[queues->int64(0)] = queues->text(1);
  return st;
}

int SqliteStore::current_version(QueueId queue) const {
  auto t = queue_topology_.find(queue);
  if (t == queue_topology_.end()) return 0;
  auto v = versions_.find(t->second);
  return v == versions_.end() ? 0 : v->second;
}

Result<int> SqliteStore::topology_version(const std::string& name, const std::string& content_hash,
                                          const std::string& file) {
  std::lock_guard lock(write_mu_);
  auto latest = writer_.prepare(
      "SELECT version, content_hash FROM topology_versions WHERE name = ?1 "
      "ORDER BY version DESC LIMIT 1");
  if (!latest) return latest.status();
  latest->bind(1, name);
  Status st;
  int version = 0;
  if (latest->step(&st)) {
    version = static_cast<int>(latest->int64(0));
    if (latest->text(1) == content_hash) return versions_[name] = version;
  }
  if (!st) return st;
  auto insert = writer_.prepare(
      "INSERT INTO topology_versions(name, version, content_hash, file, loaded_ms) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!insert) return insert.status();
  st = insert->bind(1, name).bind(2, version + 1).bind(3, content_hash).bind(4, file)
           .bind(5, now_ms()).run();
  if (!st) return st;
  return versions_[name] = version + 1;
}

namespace {

// After the place in the queue (a waiting message has none: 0).
const std::string kQueuedColumns =
    "id, process_id, parent_id, correlation_id, attempts, crashes, credit, headers, payload, errors, "
    "cursor";

QueuedMessage message_from_row(const Stmt& s, QueueId queue) {
  QueuedMessage m;
  m.seq = static_cast<std::uint64_t>(s.int64(0));
  m.id = static_cast<MessageId>(s.int64(1));
  m.queue = queue;
  m.process_id = static_cast<ProcessId>(s.int64(2));
  m.parent_id = static_cast<MessageId>(s.int64(3));
  m.correlation_id = s.text(4);
  m.attempt = static_cast<std::uint32_t>(s.int64(5));  // deliveries so far (none is running)
  m.crashes = static_cast<std::uint32_t>(s.int64(6));
  m.credit = s.int64(7);
  m.headers = s.blob(8);
  m.payload = s.blob(9);
  m.errors = s.blob(10);
  m.cursor = s.blob(11);
  return m;
}

}  // namespace

Status SqliteStore::retire_queues(const CommitBatch& batch, Pending& p) {
  for (const QueueRetirement& r : batch.retirements) {
    std::vector<QueuedMessage> gone;
    struct Source {
      const char* table;
      const char* seq;  // a waiting message has no place in the queue
    };
    for (const Source& src : {Source{"messages", "seq"}, Source{"delayed", "0"}}) {
      auto select = writer_.prepare(std::string("SELECT ") + src.seq + ", " + kQueuedColumns +
                                    " FROM " + src.table + " WHERE queue_id = ?1");
      if (!select) return select.status();
      select->bind(1, r.queue);
      Status st;
      while (select->step(&st)) gone.push_back(message_from_row(*select, r.queue));
      if (!st) return st;
    }
    for (const char* sql : {"DELETE FROM messages WHERE queue_id = ?1",
                            "DELETE FROM delayed WHERE queue_id = ?1"}) {
      auto del = writer_.prepare(sql);
      if (!del) return del.status();
      Status st = del->bind(1, r.queue).run();
      if (!st) return st;
    }
    for (const QueuedMessage& m : gone) {
      ProcessDelta& d = p.processes[m.process_id];
      d.outstanding -= 1;
      d.failed += 1;
      d.done += m.credit;
      ++p.queues[r.queue].failed;
      Bytes errors = message::append_attempt(m.errors, p.now, m.attempt, "removed", r.reason);
      const std::int64_t first = message::first_attempt_at(errors, p.now);
      // No version given (`weir topology discard`: the topology no longer
      // runs): the latest one recorded for its topology. (A queue an older
      // version left behind, its retirement lost to a stop, gets the latest
      // too: versions record no node lists to say better.)
      const int version = r.topology_version > 0 ? r.topology_version : current_version(r.queue);
      Status st = insert_trash(m, TrashInfo{r.reason, std::move(errors), first}, p.now, version);
      if (!st) return st;
    }
  }
  return Status::ok();
}

}  // namespace weir::store
