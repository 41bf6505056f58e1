// Retries in the SQLite store. A message to be retried leaves its queue for
// the `delayed` table, keyed by when it is due, so it never holds up the
// messages behind it. When due, it goes back to the END of its queue with a
// new seq (the lease cursor counts seqs, which only grow) and its own id.
#include "store/sqlite_store.hpp"

namespace weir::store {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// How many due messages one commit brings back (the rest wait a commit).
constexpr std::int64_t kPromoteBatch = 5000;

}  // namespace

// `in` was deleted from its queue by the caller; the attempt it had just
// now becomes one of its "attempts".
Status SqliteStore::park_for_retry(const QueuedMessage& in, const RetryInfo& retry) {
  return insert_delayed(in, retry.due_ms, retry.errors, 0);  // waits for its time
}

Status SqliteStore::insert_delayed(const QueuedMessage& in, std::int64_t due_ms,
                                   const Bytes& errors, ProcessId waits_for) {
  return w_.insert_delayed.bind(1, due_ms)
      .bind(2, i64(in.id))
      .bind(3, in.queue)
      .bind(4, i64(in.process_id))
      .bind(5, i64(in.parent_id))
      .bind(6, in.correlation_id)
      .bind(7, static_cast<std::int64_t>(in.attempt))
      .bind(8, static_cast<std::int64_t>(in.crashes))
      .bind(9, in.credit)
      .bind_blob(10, in.headers)
      .bind_blob(11, in.payload)
      .bind_blob(12, errors)
      .bind_blob(13, in.cursor)
      .bind(14, i64(waits_for))
      .run();
}

Status SqliteStore::promote_due(std::int64_t until_ms, Pending& p) {
  struct Due {
    std::int64_t due_ms, id, queue, process, parent, attempts, crashes, credit;
    std::string correlation;
    Bytes headers, payload, errors, cursor;
  };
  std::vector<Due> due;
  w_.select_due.bind(1, until_ms).bind(2, kPromoteBatch);
  Status st;
  while (w_.select_due.step(&st)) {
    const Stmt& s = w_.select_due;
    due.push_back(Due{s.int64(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4), s.int64(6),
                      s.int64(7), s.int64(8), s.text(5), s.blob(9), s.blob(10), s.blob(11),
                      s.blob(12)});
  }
  w_.select_due.reset();
  if (!st) return st;
  for (const Due& d : due) {
    st = w_.delete_delayed.bind(1, d.due_ms).bind(2, d.id).run();
    if (st) {
      st = insert_message(p, NewMessage{d.queue, static_cast<ProcessId>(d.process),
                                        static_cast<MessageId>(d.parent), d.correlation, d.credit,
                                        d.headers, d.payload, d.attempts, d.crashes, d.errors,
                                        static_cast<MessageId>(d.id), &d.cursor});
    }
    if (!st) return st;
    p.out->promoted.push_back(d.queue);
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
