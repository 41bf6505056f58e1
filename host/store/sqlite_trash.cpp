// The trash and the audit in the SQLite store: listing with filters,
// discarding, and replaying (inside a commit, see sqlite_commit.cpp).
#include <algorithm>

#include "common/clock.hpp"
#include "rows.hpp"
#include "sqlite_store.hpp"
#include "store_text.hpp"

namespace weir::store {
Result<std::vector<TrashRecord>> SqliteStore::trash(const TrashFilter& f) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(std::string(rows::trash::kSelect) +
                           " WHERE t.id > ?1 AND (?2 = '' OR q.topology = ?2) "
                           "AND (?3 = '' OR q.node = ?3) AND t.failed_ms >= ?4 "
                           "ORDER BY t.id LIMIT ?5");
  if (!s) return s.status();
  std::vector<TrashRecord> out;
  std::int64_t after = f.after_id;
  constexpr std::int64_t kPage = 1000;
  for (bool more = true; more && out.size() < f.limit;) {
    s->bind(1, after).bind(2, f.topology).bind(3, f.node).bind(4, f.since_ms).bind(5, kPage);
    Status st;
    std::int64_t rows = 0;
    while (s->step(&st) && out.size() < f.limit) {
      TrashRecord r = rows::trash::read(*s);
      after = r.id;
      ++rows;
      if (trash_matches(r, f.grep)) out.push_back(std::move(r));
    }
    s->reset();
    if (!st) return st;
    more = rows == kPage;
  }
  return out;
}

Result<std::optional<TrashRecord>> SqliteStore::trash_entry(std::int64_t id) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(std::string(rows::trash::kSelect) + " WHERE t.id = ?1");
  if (!s) return s.status();
  s->bind(1, id);
  Status st;
  std::optional<TrashRecord> out;
  if (s->step(&st)) out = rows::trash::read(*s);
  if (!st) return st;
  return out;
}

Status SqliteStore::insert_audit(const AuditEntry& e) {
  auto s = writer_.prepare(
      "INSERT INTO audit(at_ms, actor, socket, action, detail) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!s) return s.status();
  return s->bind(1, e.at_ms ? e.at_ms : now_ms())
      .bind(2, e.actor)
      .bind(3, e.socket)
      .bind(4, e.action)
      .bind(5, e.detail)
      .run();
}

Result<std::vector<std::int64_t>> SqliteStore::discard_trash(const std::vector<std::int64_t>& ids,
                                                             AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  auto del = writer_.prepare("DELETE FROM trash WHERE id = ?1");
  if (!del) return del.status();
  std::vector<std::int64_t> gone;
  Status st = writer_.exec("BEGIN IMMEDIATE");
  for (std::size_t i = 0; st && i < ids.size(); ++i) {
    st = del->bind(1, ids[i]).run();
    if (st && writer_.changes() > 0) gone.push_back(ids[i]);
  }
  audit.detail = audit_with(audit.detail.empty() ? "{}" : audit.detail, "discarded", gone);
  if (st) st = insert_audit(audit);
  if (st) st = writer_.exec("COMMIT");
  if (!st) {
    (void)writer_.exec("ROLLBACK");
    return st;
  }
  return gone;
}

Result<std::vector<AuditEntry>> SqliteStore::audit(std::size_t limit) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(
      "SELECT id, at_ms, actor, socket, action, detail FROM audit ORDER BY id DESC LIMIT ?1");
  if (!s) return s.status();
  s->bind(1, static_cast<std::int64_t>(limit));
  std::vector<AuditEntry> out;
  Status st;
  while (s->step(&st)) {
    out.push_back(AuditEntry{s->int64(0), s->int64(1), s->text(2), s->text(3), s->text(4),
                             s->text(5)});
  }
  if (!st) return st;
  return out;
}

// ---- replay (inside a commit) --------------------------------------------

Status SqliteStore::apply_replays(const CommitBatch& batch, Pending& p) {
  for (const Replay& r : batch.replays) {
    std::vector<std::int64_t> replayed, missing, refused;
    for (std::int64_t id : r.trash_ids) {
      ReplayOne one = ReplayOne::missing;
      Status st = replay_one(id, r.served_queues ? &*r.served_queues : nullptr, p, &one);
      if (!st) return st;
      (one == ReplayOne::replayed ? replayed : one == ReplayOne::missing ? missing : refused)
          .push_back(id);
    }
    p.out->replayed.insert(p.out->replayed.end(), replayed.begin(), replayed.end());
    p.out->not_in_trash.insert(p.out->not_in_trash.end(), missing.begin(), missing.end());
    p.out->replay_refused.insert(p.out->replay_refused.end(), refused.begin(), refused.end());
    AuditEntry audit = r.audit;
    audit.detail = replay_audit_detail(audit.detail, replayed, missing, refused);
    Status st = insert_audit(audit);
    if (!st) return st;
  }
  return Status::ok();
}

// Back to the end of its node's queue: same process, lineage and history,
// attempts from zero. Its process has one live message again. Not when its
// queue is not among `served` (no node would take it): it stays.
Status SqliteStore::replay_one(std::int64_t trash_id, const std::vector<QueueId>* served,
                               Pending& p, ReplayOne* outcome) {
  auto s = writer_.prepare(rows::trash::kSelectForReplay);
  if (!s) return s.status();
  s->bind(1, trash_id);
  Status st;
  const bool found = s->step(&st);
  *outcome = ReplayOne::missing;
  if (!st || !found) return st;
  auto [queue, m] = rows::trash::read_for_replay(*s);
  const ProcessId pid = m.process_id;
  if (served && std::find(served->begin(), served->end(), queue) == served->end()) {
    *outcome = ReplayOne::refused;
    return Status::ok();
  }
  *outcome = ReplayOne::replayed;
  // Attempts from zero; the history stays (and the trace goes on from it).
  st = insert_message(p, NewMessage{queue, pid, m.parent_id, m.correlation_id, 0, m.headers,
                                    m.payload, 0, 0, m.errors, m.id, &m.cursor});
  if (!st) return st;
  ProcessDelta& d = p.processes[pid];
  d.outstanding += 1;
  d.failed -= 1;
  p.out->promoted.push_back(queue);
  auto del = writer_.prepare("DELETE FROM trash WHERE id = ?1");
  if (!del) return del.status();
  return del->bind(1, trash_id).run();
}

}  // namespace weir::store
