// The counts /metrics reads (processes per topology and state, trash
// entries), in the SQLite store. They are kept as rows change, in the same
// transaction as the row they count, so a scrape reads a few rows instead
// of scanning tables that grow to millions of rows:
//  - processes started or moved to another state by a commit: the commit
//    adds them up and writes one row per (topology, state) it changed
//    (sqlite_commit.cpp, write_state_counts; schema 11);
//  - processes deleted (retention), and trash entries: SQL triggers
//    (schema 10), off the hot path.
#include "sqlite_store.hpp"

namespace weir::store {

Result<std::int64_t> SqliteStore::trash_count() {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare("SELECT value FROM tallies WHERE name = 'trash'");
  if (!s) return s.status();
  Status st;
  const std::int64_t n = s->step(&st) ? s->int64(0) : 0;
  if (!st) return st;
  return n;
}

// Rows stay when their count comes back to 0 (a topology whose processes
// all finished shows running 0), so a gauge goes to 0 rather than vanishing.
Result<std::vector<Store::ProcessCount>> SqliteStore::process_counts() {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(
      "SELECT topology, state, count FROM process_counts ORDER BY topology, state");
  if (!s) return s.status();
  std::vector<ProcessCount> out;
  Status st;
  while (s->step(&st)) {
    out.push_back(ProcessCount{s->text(0), static_cast<ProcessState>(s->int64(1)), s->int64(2)});
  }
  if (!st) return st;
  return out;
}

}  // namespace weir::store
