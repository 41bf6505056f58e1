// The ID map in the SQLite store (schema 13): puts inside a commit (step 7,
// after state), reads on the reader connection.
#include "commit_rules.hpp"
#include "sqlite_store.hpp"

namespace weir::store {

Status SqliteStore::put_ids(const CommitBatch& batch, const Pending& p) {
  const std::vector<bool> kept = kept_writes(batch, p.ack_applied).ids;
  const std::int64_t now = p.now;
  for (std::size_t i = 0; i < batch.id_puts.size(); ++i) {
    if (!kept[i]) continue;  // its call's ack was a duplicate
    const IdPut& put = batch.id_puts[i];
    Status st = put.remote_id.empty()
                    ? w_.forget_id.bind(1, put.system).bind(2, put.entity).bind(3, put.local_id).run()
                    : w_.put_id.bind(1, put.system)
                          .bind(2, put.entity)
                          .bind(3, put.local_id)
                          .bind(4, put.remote_id)
                          .bind(5, now)
                          .run();
    if (!st) return st;
  }
  return Status::ok();
}

namespace {

Result<std::optional<std::string>> one_text(Db& db, const char* sql, const std::string& a,
                                            const std::string& b, const std::string& c) {
  auto s = db.prepare(sql);
  if (!s) return s.status();
  s->bind(1, a).bind(2, b).bind(3, c);
  Status st;
  std::optional<std::string> out;
  if (s->step(&st)) out = s->text(0);
  if (!st) return st;
  return out;
}

}  // namespace

Result<std::optional<std::string>> SqliteStore::id_get(const std::string& system,
                                                       const std::string& entity,
                                                       const std::string& local_id) {
  std::lock_guard lock(read_mu_);
  return one_text(reader_,
                  "SELECT remote_id FROM id_map WHERE system = ?1 AND entity = ?2 AND local_id = ?3",
                  system, entity, local_id);
}

Result<std::optional<std::string>> SqliteStore::id_find(const std::string& system,
                                                        const std::string& entity,
                                                        const std::string& remote_id) {
  std::lock_guard lock(read_mu_);
  return one_text(reader_,
                  "SELECT local_id FROM id_map WHERE system = ?1 AND entity = ?2 AND remote_id = ?3",
                  system, entity, remote_id);
}

Result<std::vector<IdMapping>> SqliteStore::id_list(const IdFilter& f) {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(
      "SELECT system, entity, local_id, remote_id, updated_ms FROM id_map "
      "WHERE (?1 = '' OR system = ?1) AND (?2 = '' OR entity = ?2) AND local_id > ?3 "
      "ORDER BY system, entity, local_id LIMIT ?4");
  if (!s) return s.status();
  s->bind(1, f.system).bind(2, f.entity).bind(3, f.after_local).bind(4, static_cast<std::int64_t>(f.limit));
  std::vector<IdMapping> out;
  Status st;
  while (s->step(&st)) {
    out.push_back(IdMapping{s->text(0), s->text(1), s->text(2), s->text(3), s->int64(4)});
  }
  if (!st) return st;
  return out;
}

Result<bool> SqliteStore::forget_id(const std::string& system, const std::string& entity,
                                    const std::string& local_id, AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  Status st = writer_.exec("BEGIN IMMEDIATE");
  bool was = false;
  if (st) st = w_.forget_id.bind(1, system).bind(2, entity).bind(3, local_id).run();
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
