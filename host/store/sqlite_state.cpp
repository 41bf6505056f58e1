// Operator writes to topology state in the SQLite store (the engine's own
// state writes go through commit(), sqlite_commit.cpp).
#include <nlohmann/json.hpp>

#include "sqlite_store.hpp"

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
    // The least text greater than every key with this prefix: the prefix
    // with its last byte below 0xff raised by one (bytes of 0xff dropped).
    std::string past = prefix;
    while (!past.empty() && static_cast<unsigned char>(past.back()) == 0xff) past.pop_back();
    if (!past.empty()) past.back() = static_cast<char>(static_cast<unsigned char>(past.back()) + 1);
    if (st) st = del->bind(1, topology).bind(2, prefix).bind(3, past).run();
    if (st) deleted = writer_.changes();
  } else {
    for (std::size_t i = 0; st && i < keys.size(); ++i) {
      st = del->bind(1, topology).bind(2, keys[i]).run();
      if (st) deleted += writer_.changes();
    }
  }
  nlohmann::json detail = nlohmann::json::parse(audit.detail.empty() ? "{}" : audit.detail,
                                                nullptr, false);
  if (!detail.is_object()) detail = {{"note", audit.detail}};
  detail["deleted"] = deleted;
  audit.detail = detail.dump();
  if (st) st = insert_audit(audit);
  if (st) st = writer_.exec("COMMIT");
  if (!st) {
    (void)writer_.exec("ROLLBACK");
    return st;
  }
  return deleted;
}

}  // namespace weir::store
