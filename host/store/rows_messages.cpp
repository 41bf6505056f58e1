// messages: a message at rest in its queue, clustered by (queue_id, seq).
#include "rows.hpp"

namespace weir::store::rows::messages {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
const Bytes kNone;

}  // namespace

const char* const kInsert =
    "INSERT INTO messages(queue_id, seq, id, process_id, parent_id, correlation_id, attempts, "
    "crashes, credit, headers, payload, errors, cursor, created_ms) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

void bind_insert(Stmt& s, const Insert& m) {
  s.bind(1, m.queue)
      .bind(2, i64(m.seq))
      .bind(3, i64(m.id))
      .bind(4, i64(m.process_id))
      .bind(5, i64(m.parent_id))
      .bind(6, *m.correlation_id)
      .bind(7, m.attempts)
      .bind(8, m.crashes)
      .bind(9, m.credit)
      .bind_blob(10, *m.headers)
      .bind_blob(11, *m.payload)
      .bind_blob(12, *m.errors)
      .bind_blob(13, m.cursor ? *m.cursor : kNone)
      .bind(14, m.created_ms);
}

// The columns read() reads, in its order.
#define WEIR_MESSAGE_COLUMNS                                                                   \
  "seq, id, process_id, parent_id, correlation_id, attempts, crashes, credit, headers, "      \
  "payload, errors, cursor"

const char* const kSelectReady = "SELECT " WEIR_MESSAGE_COLUMNS
                                 " FROM messages WHERE queue_id = ?1 AND seq > ?2 "
                                 "ORDER BY seq LIMIT ?3";
const char* const kSelectQueue =
    "SELECT " WEIR_MESSAGE_COLUMNS " FROM messages WHERE queue_id = ?1 ORDER BY seq";
#undef WEIR_MESSAGE_COLUMNS

QueuedMessage read(const Stmt& s, QueueId queue, bool leased) {
  QueuedMessage m;
  m.seq = static_cast<std::uint64_t>(s.int64(0));
  m.id = static_cast<MessageId>(s.int64(1));
  m.queue = queue;
  m.process_id = static_cast<ProcessId>(s.int64(2));
  m.parent_id = static_cast<MessageId>(s.int64(3));
  m.correlation_id = s.text(4);
  m.attempt = static_cast<std::uint32_t>(s.int64(5)) + (leased ? 1 : 0);
  m.crashes = static_cast<std::uint32_t>(s.int64(6));
  m.credit = s.int64(7);
  m.headers = s.blob(8);
  m.payload = s.blob(9);
  m.errors = s.blob(10);
  m.cursor = s.blob(11);
  return m;
}

const char* const kDelete = "DELETE FROM messages WHERE queue_id = ?1 AND seq = ?2";

}  // namespace weir::store::rows::messages
