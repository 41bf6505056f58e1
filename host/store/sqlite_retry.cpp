// Retries in the SQLite store. A message to be retried leaves its queue for
// the `delayed` table, keyed by when it is due, so it never holds up the
// messages behind it. When due, it goes back to the END of its queue with a
// new seq (the lease cursor counts seqs, which only grow) and its own id.
#include "rows.hpp"
#include "sqlite_store.hpp"

namespace weir::store {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// How many due messages one commit brings back (the rest wait a commit).
constexpr std::int64_t kPromoteBatch = 5000;

}  // namespace

// `in` was deleted from its queue by the caller; the attempt it had just
// now becomes one of its "attempts".
Status SqliteStore::park_for_retry(const QueuedMessage& in, const RetryInfo& retry, Pending& p) {
  return insert_delayed(in, retry.due_ms, retry.errors, 0, p);  // waits for its time
}

Status SqliteStore::insert_delayed(const QueuedMessage& in, std::int64_t due_ms,
                                   const Bytes& errors, ProcessId waits_for, Pending& p) {
  rows::delayed::bind_insert(w_.insert_delayed, in, due_ms, errors, waits_for);
  Status st = w_.insert_delayed.run();
  if (st) ++p.depths[in.queue].waiting;
  return st;
}

Status SqliteStore::promote_due(std::int64_t until_ms, Pending& p) {
  std::vector<rows::delayed::Row> due;
  w_.select_due.bind(1, until_ms).bind(2, kPromoteBatch);
  Status st;
  while (w_.select_due.step(&st)) due.push_back(rows::delayed::read(w_.select_due));
  w_.select_due.reset();
  if (!st) return st;
  for (const auto& [due_ms, m] : due) {
    st = w_.delete_delayed.bind(1, due_ms).bind(2, i64(m.id)).run();
    if (st) --p.depths[m.queue].waiting;
    if (st) {  // its attempt, which did not end well, is one of its attempts now
      st = insert_message(p, NewMessage{m.queue, m.process_id, m.parent_id, m.correlation_id,
                                        m.credit, m.headers, m.payload, m.attempt, m.crashes,
                                        m.errors, m.id, &m.cursor});
    }
    if (!st) return st;
    p.out->promoted.push_back(m.queue);
  }
  return Status::ok();
}

Status SqliteStore::read_next_due(CommitResult& out) {
  Status st;
  w_.next_due.bind(1, kWaitsForProcess);
  out.next_due_ms = w_.next_due.step(&st) ? w_.next_due.int64(0) : 0;
  w_.next_due.reset();
  return st;
}

}  // namespace weir::store
