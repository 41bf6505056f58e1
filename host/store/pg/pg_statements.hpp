// The writer's prepared statements of the PostgreSQL store: each name with
// its SQL, prepared on every (re)connect of the writer. Parameters are
// numbered as the comment over each says; every integer is bigint.
#pragma once

#include <span>

#include "pg_conn.hpp"
#include "store/store.hpp"

namespace weir::store::pg {

struct Statement {
  const char* name;
  const char* sql;
};

// The columns of a message as QueuedMessage reads them (pg_commit.cpp,
// read_message), in this order.
#define WEIR_PG_MESSAGE_COLUMNS \
  "seq, id, process_id, parent_id, correlation_id, attempts, crashes, credit, headers, payload, errors, cursor"
#define WEIR_PG_DELAYED_COLUMNS                                                               \
  "due_ms, id, queue_id, process_id, parent_id, correlation_id, attempts, crashes, credit, " \
  "headers, payload, errors, cursor"
#define WEIR_PG_PROCESS_COLUMNS                                                               \
  "id, topology, correlation_id, state, outstanding, done, failed, started_ms, finished_ms, " \
  "needed_by, sync_next_ms"

// $1 queue, $2 seq, $3 id, $4 process, $5 parent, $6 correlation, $7 attempts,
// $8 crashes, $9 credit, $10 headers, $11 payload, $12 errors, $13 cursor, $14 created
inline constexpr const char* kInsertMessage = "insert_message";
// $1 queue, $2 seq, $3 fence, $4 host: the input of an ack, only while this
// host's lease with that fence holds it.
inline constexpr const char* kDeleteMessage = "delete_message";
// $1 queue, $2 at most, $3 host, $4 lease ms, $5 above this seq: the next
// ready messages, under a new fence.
inline constexpr const char* kLease = "lease";
// $1 queue, $2 after this seq, $3 host: leases given back.
inline constexpr const char* kRelease = "release";
inline constexpr const char* kNextMessageIds = "next_message_ids";
inline constexpr const char* kNextProcessIds = "next_process_ids";
constexpr long kMessageIdBlock = 1024;  // the sequences' INCREMENT BY (pg_schema.cpp)
constexpr long kProcessIdBlock = 256;
// $1 host: its leases (queue, seq, attempts, started, errors).
inline constexpr const char* kSelectOwnLeases = "select_own_leases";
// $1 queue, $2 seq, $3 errors.
inline constexpr const char* kCountCrash = "count_crash";
// $1 host.
inline constexpr const char* kReleaseAll = "release_all";
// $1 queue, $2 seq, $3 host, $4 1 when a call had started it (an attempt and
// a crash), else 0, $5 errors: a lease the host no longer knew of, let go.
inline constexpr const char* kLetGo = "let_go";
// $1 id, $2 topology, $3 correlation, $4 outstanding, $5 started, $6 needed_by, $7 sync_next.
inline constexpr const char* kInsertProcess = "insert_process";
// $1 outstanding, $2 done, $3 failed (deltas), $4 now, $5 id; RETURNING the row.
inline constexpr const char* kUpdateProcess = "update_process";
// $1 done, $2 failed, $3 retried, $4 stopped, $5 queued, $6 waiting (deltas), $7 queue.
inline constexpr const char* kUpdateQueue = "update_queue";
// $1 topology, $2 key, $3 value, $4 now.
inline constexpr const char* kPutState = "put_state";
// $1 queue ... $14 cursor (see rows_trash.cpp's order).
inline constexpr const char* kInsertTrash = "insert_trash";
inline constexpr const char* kInsertQueue = "insert_queue";
inline constexpr const char* kFindQueue = "find_queue";
// $1 due, $2 id, $3 queue, ... $14 waits_for.
inline constexpr const char* kInsertDelayed = "insert_delayed";
// $1 due by, $2 at most.
inline constexpr const char* kSelectDue = "select_due";
// $1 due, $2 id.
inline constexpr const char* kDeleteDelayed = "delete_delayed";
// $1 "never": the earliest due time of a timed wait.
inline constexpr const char* kNextDue = "next_due";
inline constexpr const char* kInsertVisit = "insert_visit";
inline constexpr const char* kLockPrerequisite = "lock_prerequisite";
inline constexpr const char* kFindPrerequisite = "find_prerequisite";
inline constexpr const char* kPutPrerequisite = "put_prerequisite";
inline constexpr const char* kWaitsOn = "waits_on";
inline constexpr const char* kWakeWaiters = "wake_waiters";
inline constexpr const char* kSelectWaiters = "select_waiters";
inline constexpr const char* kAddStateCount = "add_state_count";
inline constexpr const char* kForgetIdConflicts = "forget_id_conflicts";
inline constexpr const char* kPutId = "put_id";
inline constexpr const char* kForgetId = "forget_id";
inline constexpr const char* kGetSince = "get_since";
inline constexpr const char* kAdvanceSince = "advance_since";
inline constexpr const char* kRecordFire = "record_fire";
inline constexpr const char* kLastFailure = "last_failure";
inline constexpr const char* kCurrentVersion = "current_version";
inline constexpr const char* kSelectQueueMessages = "select_queue_messages";
inline constexpr const char* kSelectQueueDelayed = "select_queue_delayed";
inline constexpr const char* kDeleteQueueMessages = "delete_queue_messages";
inline constexpr const char* kDeleteQueueDelayed = "delete_queue_delayed";
inline constexpr const char* kSelectForReplay = "select_for_replay";
inline constexpr const char* kDeleteTrash = "delete_trash";
// $1 "<host>:<queue>,<queue>,...": queues that got messages (pg_hosts.cpp listens).
inline constexpr const char* kNotify = "notify";

std::span<const Statement> statements();

// A row of WEIR_PG_PROCESS_COLUMNS (pg_commit.cpp).
ProcessRecord read_process(const Rows& r, int i);

}  // namespace weir::store::pg
