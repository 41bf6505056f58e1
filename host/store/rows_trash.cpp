// trash: a message that failed for good, as it was, with every attempt's
// error and the topology version it failed under.
#include "rows.hpp"

namespace weir::store::rows::trash {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

const char* const kInsert =
    "INSERT INTO trash(queue_id, message_id, process_id, parent_id, correlation_id, attempts, "
    "error, headers, payload, failed_ms, errors, first_failed_ms, topology_version, cursor) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

void bind_insert(Stmt& s, const QueuedMessage& m, const TrashInfo& info, std::int64_t now,
                 int version) {
  s.bind(1, m.queue)
      .bind(2, i64(m.id))
      .bind(3, i64(m.process_id))
      .bind(4, i64(m.parent_id))
      .bind(5, m.correlation_id)
      .bind(6, static_cast<std::int64_t>(m.attempt))
      .bind(7, info.error)
      .bind_blob(8, m.headers)
      .bind_blob(9, m.payload)
      .bind(10, now)
      .bind_blob(11, info.errors)
      .bind(12, info.first_failed_ms ? info.first_failed_ms : now)
      .bind(13, static_cast<std::int64_t>(version))
      .bind_blob(14, m.cursor);
}

const char* const kSelect =
    "SELECT t.id, q.topology, q.node, t.process_id, t.correlation_id, t.message_id, t.parent_id, "
    "t.attempts, t.error, t.failed_ms, t.headers, t.payload, t.errors, t.first_failed_ms, "
    "t.topology_version FROM trash t JOIN queues q ON q.id = t.queue_id";

TrashRecord read(const Stmt& s) {
  TrashRecord r;
  r.id = s.int64(0);
  r.topology = s.text(1);
  r.node = s.text(2);
  r.process_id = static_cast<ProcessId>(s.int64(3));
  r.correlation_id = s.text(4);
  r.message_id = static_cast<MessageId>(s.int64(5));
  r.parent_id = static_cast<MessageId>(s.int64(6));
  r.attempts = static_cast<std::uint32_t>(s.int64(7));
  r.error = s.text(8);
  r.failed_ms = s.int64(9);
  r.headers = s.blob(10);
  r.payload = s.blob(11);
  r.errors = s.blob(12);
  r.first_failed_ms = s.int64(13);
  r.topology_version = static_cast<int>(s.int64(14));
  return r;
}

const char* const kSelectForReplay =
    "SELECT queue_id, message_id, process_id, parent_id, correlation_id, attempts, headers, "
    "payload, errors, cursor FROM trash WHERE id = ?1";

Replayed read_for_replay(const Stmt& s) {
  Replayed r;
  r.queue = s.int64(0);
  QueuedMessage& m = r.message;
  m.queue = r.queue;
  m.id = static_cast<MessageId>(s.int64(1));
  m.process_id = static_cast<ProcessId>(s.int64(2));
  m.parent_id = static_cast<MessageId>(s.int64(3));
  m.correlation_id = s.text(4);
  m.attempt = static_cast<std::uint32_t>(s.int64(5));
  m.headers = s.blob(6);
  m.payload = s.blob(7);
  m.errors = s.blob(8);
  m.cursor = s.blob(9);
  return r;
}

}  // namespace weir::store::rows::trash
