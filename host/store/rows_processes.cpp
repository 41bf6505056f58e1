// processes (one row per process, counting its live messages and finished
// visits) and visits (the process trace: one row per node visit).
#include "rows.hpp"

#include "message/attempt_history.hpp"

namespace weir::store::rows {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// The columns processes::read() reads, in its order.
#define WEIR_PROCESS_COLUMNS                                                                  \
  "id, topology, correlation_id, state, outstanding, done, failed, started_ms, finished_ms, " \
  "needed_by, sync_next_ms"

}  // namespace

namespace processes {

const char* const kInsert =
    "INSERT INTO processes(id, topology, correlation_id, state, outstanding, done, failed, "
    "started_ms, needed_by, sync_next_ms) VALUES(?1, ?2, ?3, 0, ?4, 0, 0, ?5, ?6, ?7)";

// ?1 outstanding, ?2 done, ?3 failed (deltas), ?4 now, ?5 id. A process whose
// last live message went completes (with failures if any visit failed); one
// with live messages again (a replay) is running again.
const char* const kUpdate =
    "UPDATE processes SET outstanding = outstanding + ?1, done = done + ?2, "
    "failed = failed + ?3, "
    "state = CASE WHEN outstanding + ?1 <= 0 THEN (CASE WHEN failed + ?3 > 0 THEN 2 ELSE 1 END)"
    " ELSE 0 END, "
    "finished_ms = CASE WHEN outstanding + ?1 <= 0 THEN ?4 ELSE 0 END "
    "WHERE id = ?5 RETURNING " WEIR_PROCESS_COLUMNS;

const char* const kSelect = "SELECT " WEIR_PROCESS_COLUMNS " FROM processes";

const char* const kAddCount =
    "INSERT INTO process_counts(topology, state, count) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(topology, state) DO UPDATE SET count = count + excluded.count";

ProcessRecord read(const Stmt& s) {
  ProcessRecord r;
  r.id = static_cast<ProcessId>(s.int64(0));
  r.topology = s.text(1);
  r.correlation_id = s.text(2);
  r.state = static_cast<ProcessState>(s.int64(3));
  r.outstanding = s.int64(4);
  r.done = s.int64(5);
  r.failed = s.int64(6);
  r.started_ms = s.int64(7);
  r.finished_ms = s.int64(8);
  r.needed_by = static_cast<ProcessId>(s.int64(9));
  r.sync_next_ms = s.int64(10);
  return r;
}

}  // namespace processes

#undef WEIR_PROCESS_COLUMNS

namespace visits {

const char* const kInsert =
    "INSERT OR REPLACE INTO visits(process_id, message_id, attempt, parent_id, queue_id, at_ms, "
    "duration_us, outcome, outputs, error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

// The attempt of a visit is the delivery's number among all the message's
// deliveries (message::delivery_number): after a replay the trace goes on
// from the earlier visits instead of writing over them.
void bind_insert(Stmt& s, const Ack& ack, std::int64_t now, const std::string& error) {
  const QueuedMessage& in = ack.input;
  s.bind(1, i64(in.process_id))
      .bind(2, i64(in.id))
      .bind(3, static_cast<std::int64_t>(message::delivery_number(in.attempt, in.errors)))
      .bind(4, i64(in.parent_id))
      .bind(5, in.queue)
      .bind(6, now)
      .bind(7, ack.duration_us)
      .bind(8, ack.outcome)
      .bind(9, static_cast<std::int64_t>(ack.outputs.size()))
      .bind(10, error);
}

const char* const kSelectOfProcess =
    "SELECT v.message_id, v.parent_id, v.attempt, q.topology, q.node, v.at_ms, v.duration_us, "
    "v.outcome, v.outputs, v.error FROM visits v JOIN queues q ON q.id = v.queue_id "
    "WHERE v.process_id = ?1 ORDER BY v.at_ms, v.message_id, v.attempt";

Visit read(const Stmt& s) {
  return Visit{static_cast<MessageId>(s.int64(0)), static_cast<MessageId>(s.int64(1)),
               static_cast<std::uint32_t>(s.int64(2)), s.text(3), s.text(4), s.int64(5),
               s.int64(6), static_cast<int>(s.int64(7)), s.int64(8), s.text(9)};
}

}  // namespace visits
}  // namespace weir::store::rows
