// delayed: a message waiting outside its queue, keyed by when it is due (a
// retry), or due "never" with waits_for set (a prerequisite).
#include "rows.hpp"

namespace weir::store::rows::delayed {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

const char* const kInsert =
    "INSERT INTO delayed(due_ms, id, queue_id, process_id, parent_id, correlation_id, attempts, "
    "crashes, credit, headers, payload, errors, cursor, waits_for) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

void bind_insert(Stmt& s, const QueuedMessage& m, std::int64_t due_ms, const Bytes& errors,
                 ProcessId waits_for) {
  s.bind(1, due_ms)
      .bind(2, i64(m.id))
      .bind(3, m.queue)
      .bind(4, i64(m.process_id))
      .bind(5, i64(m.parent_id))
      .bind(6, m.correlation_id)
      .bind(7, static_cast<std::int64_t>(m.attempt))
      .bind(8, static_cast<std::int64_t>(m.crashes))
      .bind(9, m.credit)
      .bind_blob(10, m.headers)
      .bind_blob(11, m.payload)
      .bind_blob(12, errors)
      .bind_blob(13, m.cursor)
      .bind(14, i64(waits_for));
}

// The columns read() reads, in its order.
#define WEIR_DELAYED_COLUMNS                                                                   \
  "due_ms, id, queue_id, process_id, parent_id, correlation_id, attempts, crashes, credit, "  \
  "headers, payload, errors, cursor"

const char* const kSelectDue =
    "SELECT " WEIR_DELAYED_COLUMNS " FROM delayed WHERE due_ms <= ?1 ORDER BY due_ms, id LIMIT ?2";
// (`waits_for != 0` lets SQLite use the partial index delayed_waits_for)
const char* const kSelectWaiters =
    "SELECT " WEIR_DELAYED_COLUMNS " FROM delayed WHERE waits_for = ?1 AND waits_for != 0";
const char* const kSelectQueue = "SELECT " WEIR_DELAYED_COLUMNS " FROM delayed WHERE queue_id = ?1";
#undef WEIR_DELAYED_COLUMNS

Row read(const Stmt& s) {
  Row r;
  r.due_ms = s.int64(0);
  QueuedMessage& m = r.message;
  m.id = static_cast<MessageId>(s.int64(1));
  m.queue = s.int64(2);
  m.process_id = static_cast<ProcessId>(s.int64(3));
  m.parent_id = static_cast<MessageId>(s.int64(4));
  m.correlation_id = s.text(5);
  m.attempt = static_cast<std::uint32_t>(s.int64(6));
  m.crashes = static_cast<std::uint32_t>(s.int64(7));
  m.credit = s.int64(8);
  m.headers = s.blob(9);
  m.payload = s.blob(10);
  m.errors = s.blob(11);
  m.cursor = s.blob(12);
  return r;
}

const char* const kDelete = "DELETE FROM delayed WHERE due_ms = ?1 AND id = ?2";

}  // namespace weir::store::rows::delayed
