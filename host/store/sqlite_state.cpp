// Operator writes to topology state in the SQLite store (the engine's own
// state writes go through commit(), sqlite_commit.cpp).
#include "sqlite_store.hpp"
#include "store_text.hpp"

namespace weir::store {

Result<std::int64_t> SqliteStore::delete_state(const std::string& topology,
                                               const std::string& prefix,
                                               const std::vector<std::string>& keys,
                                               AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  // A prefix is a range of the primary key (topology, key): from the prefix
  // up to, not including, the first text past every key that starts with it.
  auto del = keys.empty()
                 ? writer_.prepare("DELETE FROM state WHERE topology = ?1 AND key >= ?2 AND "
                                   "(?3 = '' OR key < ?3)")
                 : writer_.prepare("DELETE FROM state WHERE topology = ?1 AND key = ?2");
  if (!del) return del.status();
  std::int64_t deleted = 0;
  Status st = writer_.exec("BEGIN IMMEDIATE");
  if (keys.empty()) {
    const std::string past = prefix_end(prefix);
    if (st) st = del->bind(1, topology).bind(2, prefix).bind(3, past).run();
    if (st) deleted = writer_.changes();
  } else {
    for (std::size_t i = 0; st && i < keys.size(); ++i) {
      st = del->bind(1, topology).bind(2, keys[i]).run();
      if (st) deleted += writer_.changes();
    }
  }
  audit.detail = audit_with_count(audit.detail.empty() ? "{}" : audit.detail, "deleted", deleted);
  if (st) st = insert_audit(audit);
  if (st) st = writer_.exec("COMMIT");
  if (!st) {
    (void)writer_.exec("ROLLBACK");
    return st;
  }
  return deleted;
}

}  // namespace weir::store
