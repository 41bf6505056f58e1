// Delta sync in the SQLite store (schema 14): the window a delta process
// starts with, and its topology's next since once it completes; both inside
// the commit that starts or completes it.
#include <weir/payload.hpp>

#include "commit_rules.hpp"
#include "sqlite_store.hpp"

namespace weir::store {

Status SqliteStore::sync_window_headers(const NewProcess& np, std::int64_t now, Bytes* headers) {
  w_.get_since.bind(1, np.topology);
  Status st;
  std::int64_t since = 0;
  if (w_.get_since.step(&st)) since = w_.get_since.int64(0);
  w_.get_since.reset();
  if (!st) return st;
  return sync_headers(np.headers, since, now, headers);
}

Status SqliteStore::advance_sync_window(const ProcessRecord& finished, std::int64_t now) {
  return w_.advance_since.bind(1, finished.topology)
      .bind(2, finished.sync_next_ms)
      .bind(3, now)
      .run();
}

Result<std::vector<SyncWindow>> SqliteStore::sync_windows() {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(
      "SELECT topology, since_ms, updated_ms FROM sync_windows ORDER BY topology");
  if (!s) return s.status();
  std::vector<SyncWindow> out;
  Status st;
  while (s->step(&st)) out.push_back(SyncWindow{s->text(0), s->int64(1), s->int64(2)});
  if (!st) return st;
  return out;
}

Result<bool> SqliteStore::reset_sync_window(const std::string& topology, AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  auto del = writer_.prepare("DELETE FROM sync_windows WHERE topology = ?1");
  if (!del) return del.status();
  Status st = writer_.exec("BEGIN IMMEDIATE");
  bool was = false;
  if (st) st = del->bind(1, topology).run();
  if (st) was = writer_.changes() > 0;
  if (st) st = insert_audit(audit);
  if (st) st = writer_.exec("COMMIT");
  if (!st) {
    (void)writer_.exec("ROLLBACK");
    return st;
  }
  return was;
}

}  // namespace weir::store
