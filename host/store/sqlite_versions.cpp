// Topology versions in the SQLite store, and emptying the queue of a node
// that a new version no longer has (its messages go to the trash, explained;
// nothing is dropped silently).
#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "rows.hpp"
#include "sqlite_store.hpp"

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

Status SqliteStore::retire_queues(const CommitBatch& batch, Pending& p) {
  for (const QueueRetirement& r : batch.retirements) {
    // Every message of the queue, at rest in it or waiting in `delayed`.
    std::vector<QueuedMessage> gone;
    auto queued = writer_.prepare(rows::messages::kSelectQueue);
    if (!queued) return queued.status();
    queued->bind(1, r.queue);
    Status st;
    while (queued->step(&st)) gone.push_back(rows::messages::read(*queued, r.queue, false));
    if (!st) return st;
    auto waiting = writer_.prepare(rows::delayed::kSelectQueue);
    if (!waiting) return waiting.status();
    waiting->bind(1, r.queue);
    while (waiting->step(&st)) gone.push_back(rows::delayed::read(*waiting).message);
    if (!st) return st;
    struct Empty {
      const char* sql;
      std::int64_t QueueDepth::*count;
    };
    for (const Empty& e : {Empty{"DELETE FROM messages WHERE queue_id = ?1", &QueueDepth::queued},
                           Empty{"DELETE FROM delayed WHERE queue_id = ?1", &QueueDepth::waiting}}) {
      auto del = writer_.prepare(e.sql);
      if (!del) return del.status();
      Status st = del->bind(1, r.queue).run();
      if (!st) return st;
      p.depths[r.queue].*e.count -= writer_.changes();
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
