// The SQL of the writer's prepared statements (names and parameters in
// pg_statements.hpp).
#include "pg_statements.hpp"

namespace weir::store::pg {
namespace {

const Statement kStatements[] = {
    {kInsertMessage,
     "INSERT INTO messages(queue_id, seq, id, process_id, parent_id, correlation_id, attempts, "
     "crashes, credit, headers, payload, errors, cursor, created_ms) "
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
    {kDeleteMessage,
     "DELETE FROM messages WHERE queue_id = $1 AND seq = $2 AND fence = $3 AND lease_host = $4"},
    // The oldest ready messages, skipping rows another host's transaction
    // is leasing right now; each gets this lease's host, expiry (the
    // database's clock) and fence.
    // (A CTE, run once: a subquery in FROM may be run again by the join and
    // hand out more rows than asked for. The rows are then found by key,
    // `seq = ANY(ARRAY(...))` on the primary key, a plan that holds whatever
    // the statistics say: they churn too fast to be right, and a join here
    // was once planned as a nested loop over the whole queue per row.)
    {kLease,
     "WITH r AS MATERIALIZED (SELECT seq FROM messages WHERE queue_id = $1 AND seq > $5 AND lease_host = 0 "
     "ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) "
     "UPDATE messages m SET lease_host = $3, lease_until = weir_now_ms() + $4, "
     "fence = (SELECT nextval('fences')), started = false "
     "WHERE m.queue_id = $1 AND m.seq = ANY(ARRAY(SELECT seq FROM r)) "
     "RETURNING m.seq, m.id, m.process_id, m.parent_id, m.correlation_id, m.attempts, m.crashes, "
     "m.credit, m.headers, m.payload, m.errors, m.cursor, m.fence"},
    {kRelease,
     "UPDATE messages SET lease_host = 0, lease_until = 0 "
     "WHERE queue_id = $1 AND lease_host = $3 AND NOT started AND seq <> $2"},
    {kNextMessageIds, "SELECT nextval('message_ids')"},
    {kNextProcessIds, "SELECT nextval('process_ids')"},
    {kSelectOwnLeases,
     "SELECT queue_id, seq, attempts, started::int::bigint, errors FROM messages "
     "WHERE lease_host = $1 ORDER BY queue_id, seq"},
    {kCountCrash,
     "UPDATE messages SET attempts = attempts + 1, crashes = crashes + 1, errors = $3 "
     "WHERE queue_id = $1 AND seq = $2"},
    {kLetGo,
     "UPDATE messages SET attempts = attempts + $4, crashes = crashes + $4, errors = $5, "
     "lease_host = 0, lease_until = 0, started = false "
     "WHERE queue_id = $1 AND seq = $2 AND lease_host = $3"},
    {kReleaseAll,
     "UPDATE messages SET lease_host = 0, lease_until = 0, started = false WHERE lease_host = $1"},
    {kInsertProcess,
     "INSERT INTO processes(id, topology, correlation_id, state, outstanding, done, failed, "
     "started_ms, needed_by, sync_next_ms) VALUES($1, $2, $3, 0, $4, 0, 0, $5, $6, $7)"},
    // A process whose last live message went completes (with failures if
    // any visit failed); one with live messages again (a replay) runs again.
    {kUpdateProcess,
     "UPDATE processes SET outstanding = outstanding + $1, done = done + $2, failed = failed + $3, "
     "state = CASE WHEN outstanding + $1 <= 0 THEN (CASE WHEN failed + $3 > 0 THEN 2 ELSE 1 END) "
     "ELSE 0 END, finished_ms = CASE WHEN outstanding + $1 <= 0 THEN $4::bigint ELSE 0 END "
     "WHERE id = $5 RETURNING " WEIR_PG_PROCESS_COLUMNS},
    {kUpdateQueue,
     "UPDATE queues SET done = done + $1, failed = failed + $2, retried = retried + $3, "
     "stopped = stopped + $4, queued = queued + $5, waiting = waiting + $6 WHERE id = $7"},
    {kPutState,
     "INSERT INTO state(topology, key, value, updated_ms) VALUES($1, $2, $3, $4) "
     "ON CONFLICT(topology, key) DO UPDATE SET value = excluded.value, "
     "updated_ms = excluded.updated_ms"},
    {kInsertTrash,
     "INSERT INTO trash(queue_id, message_id, process_id, parent_id, correlation_id, attempts, "
     "error, headers, payload, failed_ms, errors, first_failed_ms, topology_version, cursor) "
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
    {kInsertQueue,
     "INSERT INTO queues(topology, node) VALUES($1, $2) ON CONFLICT(topology, node) DO NOTHING "
     "RETURNING id"},
    {kFindQueue, "SELECT id FROM queues WHERE topology = $1 AND node = $2"},
    {kInsertDelayed,
     "INSERT INTO delayed(due_ms, id, queue_id, process_id, parent_id, correlation_id, attempts, "
     "crashes, credit, headers, payload, errors, cursor, waits_for) "
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
    // Another host promoting the same due rows skips them (SKIP LOCKED).
    {kSelectDue,
     "SELECT " WEIR_PG_DELAYED_COLUMNS " FROM delayed WHERE due_ms <= $1 ORDER BY due_ms, id "
     "LIMIT $2 FOR UPDATE SKIP LOCKED"},
    {kDeleteDelayed, "DELETE FROM delayed WHERE due_ms = $1 AND id = $2"},
    {kNextDue, "SELECT due_ms FROM delayed WHERE due_ms < $1 ORDER BY due_ms LIMIT 1"},
    {kInsertVisit,
     "INSERT INTO visits(process_id, message_id, attempt, parent_id, queue_id, at_ms, "
     "duration_us, outcome, outputs, error) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
     "ON CONFLICT(process_id, message_id, attempt) DO UPDATE SET parent_id = excluded.parent_id, "
     "queue_id = excluded.queue_id, at_ms = excluded.at_ms, duration_us = excluded.duration_us, "
     "outcome = excluded.outcome, outputs = excluded.outputs, error = excluded.error"},
    {kLockPrerequisite,
     "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 7735005))::text"},
    {kFindPrerequisite,
     "SELECT r.process_id FROM prerequisites r JOIN processes p ON p.id = r.process_id "
     "WHERE r.topology = $1 AND r.key = $2 AND p.state = 0"},
    {kPutPrerequisite,
     "INSERT INTO prerequisites(topology, key, process_id) VALUES($1, $2, $3) "
     "ON CONFLICT(topology, key) DO UPDATE SET process_id = excluded.process_id"},
    // Does process $1 (transitively) wait for process $2?
    {kWaitsOn,
     "WITH RECURSIVE chain(pid) AS (SELECT $1::bigint UNION SELECT d.waits_for FROM delayed d "
     "JOIN chain ON d.process_id = chain.pid WHERE d.waits_for <> 0) "
     "SELECT 1::bigint FROM chain WHERE pid = $2 LIMIT 1"},
    {kWakeWaiters,
     "UPDATE delayed SET due_ms = $1, waits_for = 0 WHERE waits_for = $2 AND waits_for <> 0"},
    {kSelectWaiters,
     "SELECT " WEIR_PG_DELAYED_COLUMNS " FROM delayed WHERE waits_for = $1 AND waits_for <> 0"},
    {kAddStateCount,
     "INSERT INTO process_counts(topology, state, count) VALUES($1, $2, $3) "
     "ON CONFLICT(topology, state) DO UPDATE SET count = process_counts.count + excluded.count"},
    // SQLite's INSERT OR REPLACE: a new mapping replaces the rows it
    // conflicts with, by local id or by remote id.
    {kForgetIdConflicts,
     "DELETE FROM id_map WHERE system = $1 AND entity = $2 AND (local_id = $3 OR remote_id = $4)"},
    {kPutId,
     "INSERT INTO id_map(system, entity, local_id, remote_id, updated_ms) "
     "VALUES($1, $2, $3, $4, $5)"},
    {kForgetId, "DELETE FROM id_map WHERE system = $1 AND entity = $2 AND local_id = $3"},
    {kGetSince, "SELECT since_ms FROM sync_windows WHERE topology = $1"},
    {kAdvanceSince,
     "INSERT INTO sync_windows(topology, since_ms, updated_ms) VALUES($1, $2, $3) "
     "ON CONFLICT(topology) DO UPDATE SET since_ms = excluded.since_ms, "
     "updated_ms = excluded.updated_ms WHERE excluded.since_ms > sync_windows.since_ms"},
    // Claims a trigger's slot for the process about to start: only if no
    // host fired this slot (or a later one) yet. A host claiming the same
    // slot at once waits for the row lock, then finds it taken (no row).
    {kRecordFire,
     "INSERT INTO triggers(topology, trigger, first_seen_ms, last_fire_ms, last_process, fired) "
     "VALUES($1, $2, $3, $3, $4, 1) ON CONFLICT(topology, trigger) DO UPDATE SET "
     "last_fire_ms = excluded.last_fire_ms, last_process = excluded.last_process, "
     "fired = triggers.fired + 1 WHERE excluded.last_fire_ms - triggers.last_fire_ms >= $5 "
     "RETURNING 1::bigint"},
    {kLastFailure,
     "SELECT q.node, t.error FROM trash t JOIN queues q ON q.id = t.queue_id "
     "WHERE t.process_id = $1 ORDER BY t.id DESC LIMIT 1"},
    {kCurrentVersion,
     "SELECT max(v.version) FROM topology_versions v JOIN queues q ON q.topology = v.name "
     "WHERE q.id = $1 HAVING max(v.version) IS NOT NULL"},
    {kSelectQueueMessages,
     "SELECT " WEIR_PG_MESSAGE_COLUMNS " FROM messages WHERE queue_id = $1 ORDER BY seq"},
    {kSelectQueueDelayed, "SELECT " WEIR_PG_DELAYED_COLUMNS " FROM delayed WHERE queue_id = $1"},
    {kDeleteQueueMessages, "DELETE FROM messages WHERE queue_id = $1"},
    {kDeleteQueueDelayed, "DELETE FROM delayed WHERE queue_id = $1"},
    {kSelectForReplay,
     "SELECT queue_id, message_id, process_id, parent_id, correlation_id, attempts, headers, "
     "payload, errors, cursor FROM trash WHERE id = $1 FOR UPDATE"},
    {kDeleteTrash, "DELETE FROM trash WHERE id = $1"},
    {kNotify, "SELECT pg_notify('weir_queues', $1)::text"},
};

}  // namespace

std::span<const Statement> statements() { return kStatements; }

}  // namespace weir::store::pg
