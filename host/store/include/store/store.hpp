// The store: the durable truth of a weir host. Queues (one per topology
// node), in-flight leases, process records, per-topology state and the trash.
// Nothing outside a Store implementation speaks SQL.
//
// Model
//  - A message sits in exactly one queue until a commit acknowledges it.
//    commit() applies a whole CommitBatch in one transaction: new processes
//    and their first messages, acknowledged inputs with their outputs to
//    followers, trash entries, state writes; then it leases the next ready
//    messages for dispatch. So taking a message out of one queue and putting
//    its outputs into the next is atomic: nothing is lost or doubled.
//  - Leases: each queue has a persisted "leased through" seq. Whatever
//    is still queued at or below it when the store is opened was leased
//    when the host stopped, and is ready again (at-least-once redelivery).
//    Of those, the ones a call had started (note_started) count that
//    delivery as an attempt and a crash; the ones only prefetched do not.
//  - Process accounting: a process counts its live messages ("outstanding")
//    and its finished node visits (done / failed). A plain 1 -> 1 hop does
//    not touch the process row: the finished visit travels with the output
//    message as `credit` and is added to the process row when the lineage
//    ends, fans out, or fails. Completion (outstanding reaches 0) is detected
//    in the same transaction as the last acknowledgement.
//
// Threads: every method may be called from any thread. Writes are serialised
// inside the store; reads may run concurrently with a write (WAL).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/shared_budget.hpp"
#include "common/status.hpp"

namespace weir::store {

using Bytes = std::vector<std::uint8_t>;
using QueueId = std::int64_t;
using MessageId = std::uint64_t;
using ProcessId = std::uint64_t;

// A message at rest in a queue, as leased for dispatch.
struct QueuedMessage {
  MessageId id = 0;      // the message: the same across its retries and a replay
  QueueId queue = 0;
  std::uint64_t seq = 0;  // its place in the queue (lease cursors count these)
  ProcessId process_id = 0;
  MessageId parent_id = 0;
  std::string correlation_id;
  std::uint32_t attempt = 1;  // this delivery's number: 1 + earlier deliveries that did not end
                              // well (retries, and crashes of the host while it was in flight)
  std::uint32_t crashes = 0;  // of those, how many ended with the host stopping
  std::int64_t credit = 0;    // finished ancestor visits not yet on the process row
  Bytes headers;              // msgpack map string -> string (may be empty)
  Bytes payload;              // msgpack document
  Bytes errors;               // attempt history (message/attempt_history.hpp); empty = none
  Bytes cursor;               // a paging node's place; empty: from the start
  std::uint64_t fence = 0;    // the lease's fencing token (PostgreSQL: its ack must name it)
};

// An output to enqueue; process and lineage come from the input it answers.
struct Output {
  QueueId queue = 0;
  Bytes headers;
  Bytes payload;
  // A paging node's next page: the input itself, back to its own queue with
  // this cursor, as a sibling of the input (same parent), not its child.
  std::optional<Bytes> next_page;
};

// Why and where a message failed for good.
struct TrashInfo {
  std::string error;             // the last error, one line
  Bytes errors;                  // every attempt's, the last included
  std::int64_t first_failed_ms = 0;
  int topology_version = 0;      // the version whose node ran the call (0: the current one)
};

// Deliver the message again at due_ms (it waits outside its queue, so the
// messages behind it go on).
struct RetryInfo {
  std::int64_t due_ms = 0;
  Bytes errors;     // the history with this attempt's error
  std::string why;  // this attempt's error
};

// Not before a process of another topology has run (a prerequisite): the
// message waits (in `delayed`, due "never") for that process, which is
// started here, or is the one still running for the same topology and key.
// When it completes, the message goes back to the end of its queue; when it
// ends with failures, the message goes to the trash saying so.
struct PrerequisiteInfo {
  std::string topology;
  std::string key;                   // one running process per (topology, key)
  std::vector<QueueId> entry_queues;  // where a process of `topology` starts
  Bytes payload;                      // msgpack
  Bytes errors;                       // the history with this attempt's entry
  std::string why;                    // this attempt's, for the trace
};

// When a message waiting for a prerequisite is due: not by time.
constexpr std::int64_t kWaitsForProcess = INT64_MAX;

// One input message finished by a node.
struct Ack {
  QueuedMessage input;              // as leased; kept whole for the trash
  std::vector<Output> outputs;      // empty: the lineage ends here
  std::optional<TrashInfo> failed;  // set: to the trash (outputs are ignored)
  std::optional<RetryInfo> retry;   // set: to wait, then back to its queue (outputs ignored)
  std::optional<PrerequisiteInfo> prerequisite;  // set: to wait for another process (same)
  // The node visit, for the process trace:
  int outcome = 0;                  // a weir_outcome, or kOutcomeSetAside
  std::int64_t duration_us = 0;     // of the call it was in
  bool traced = true;               // false: no visit row (the topology's `trace` said so)
  bool stopped = false;             // ended here on purpose (STOP: filtered); counted per queue
};

// A visit that never ran: the message's attempts were used up by crashes.
constexpr int kOutcomeSetAside = 100;

// Starts one process: one message per entry queue, all with the same payload.
struct NewProcess {
  std::string topology;
  std::string correlation_id;  // empty: the process id, as text
  std::vector<QueueId> entry_queues;
  Bytes headers;
  Bytes payload;
  // A trigger's fire (empty: started otherwise, e.g. `weir run`): recorded
  // with the process in the same commit, so a crash cannot run it twice.
  std::string trigger;
  std::int64_t fire_ms = 0;  // the slot it fired for
  // A delta topology's (`delta: {overlap}`), >= 0: the process carries its
  // sync window to its first messages as headers: kSyncUntilHeader = this
  // commit's time, and kSyncSinceHeader = the topology's since (none on the
  // first run: a full sync). When the process completes (with or without
  // failures), the topology's since becomes until - overlap, in that commit
  // (never moving back). -1: not a delta topology.
  std::int64_t delta_overlap_ms = -1;
  // Hosts of a cluster fire the same trigger each on its own clock: a slot
  // counts as already fired when one was fired less than this before it (an
  // `@every` interval's slots differ by host; half the interval. Cron slots
  // are the same on every host: 1 ms). The process starts only if its slot
  // is new (PostgreSQL; one host alone always is).
  std::int64_t fire_gap_ms = 1;
};

// The sync window's headers: milliseconds since the epoch, as decimal text.
inline constexpr const char* kSyncSinceHeader = "weir-sync-since";
inline constexpr const char* kSyncUntilHeader = "weir-sync-until";

// Where a delta topology's next run starts (`weir topology ls`).
struct SyncWindow {
  std::string topology;
  std::int64_t since_ms = 0;
  std::int64_t updated_ms = 0;  // when a completing process set it
};

// A topology a host runs: the version its content got in the store.
struct RunningTopology {
  std::string name;
  int version = 0;
  std::string content_hash;
};

// A host of the cluster (`weir status` on PostgreSQL).
struct HostRecord {
  std::string name;
  std::int64_t pid = 0;
  std::int64_t started_ms = 0;
  std::int64_t heartbeat_ms = 0;
  std::int64_t silent_ms = 0;  // since its last heartbeat, by the database's clock
  bool alive = false;          // heartbeat within a lease: its leases hold
  bool self = false;           // the host asking
  std::int64_t leased = 0;     // messages it holds leased now
  std::vector<RunningTopology> topologies;  // what it said it runs, by name
};

struct StatePut {
  std::string topology;
  std::string key;
  Bytes value;
};

// The ID map (Store::id_get): `local_id` of ours is `remote_id` in
// (`system`, `entity`), e.g. ("shop", "product", "SKU-1") -> "4711". One
// remote id per local id and one local id per remote id: a put replaces
// the mappings it conflicts with. An empty remote_id forgets local_id's.
struct IdPut {
  std::string system;
  std::string entity;
  std::string local_id;
  std::string remote_id;
};

struct IdMapping {
  std::string system;
  std::string entity;
  std::string local_id;
  std::string remote_id;
  std::int64_t updated_ms = 0;
};

// Which mappings `weir ids ls` means, in (system, entity, local_id) order.
struct IdFilter {
  std::string system;       // empty: any
  std::string entity;       // empty: any
  std::string after_local;  // paging: mappings whose local id sorts after this (same system and
                            // entity as the filter's; both must be set to page)
  std::size_t limit = 100;
};

struct LeaseRequest {
  QueueId queue = 0;
  std::size_t max = 0;
};

// Gives back leased messages that were never handed to a worker: messages
// of `queue` with a seq above `leased_through` are ready again (and a crash
// before they are leased again does not count an attempt for them).
// On PostgreSQL a host's leases in one queue are not in seq order (other
// hosts commit lower seqs, and a scan from the front takes them later), so
// there the release is exact instead: every lease of this host in `queue`
// that no call started (note_call), except `keep`.
struct LeaseRelease {
  QueueId queue = 0;
  std::uint64_t leased_through = 0;  // a seq
  std::uint64_t keep = 0;            // a seq that stays leased (a quarantined suspect); 0: none
};

// A lease the host holds: a message in a node's buffer, in a call, or
// finished and waiting for its ack to commit.
struct LeaseKey {
  QueueId queue = 0;
  std::uint64_t seq = 0;
  bool operator<(const LeaseKey& o) const { return queue != o.queue ? queue < o.queue : seq < o.seq; }
};

// Who did what to the trash (or anything else an operator changes), from
// where. Kept in the audit table; detail is JSON text.
struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at_ms = 0;
  std::string actor;    // e.g. "alice (uid 1000, pid 4242)"
  std::string socket;   // e.g. "ipc:///var/lib/weir/weir.sock"
  std::string action;   // e.g. "trash.replay"
  std::string detail;   // JSON: ids, filter, reason, outcome
};

// Puts trash entries back where they failed: each message returns to the
// end of its node's queue (same process, lineage and history; attempt
// counter reset), leaves the trash, and its process runs again; with one
// audit entry; all in the commit.
struct Replay {
  std::vector<std::int64_t> trash_ids;
  AuditEntry audit;
  // Set: only entries whose queue is one of these go back (a node serves
  // it when the commit is built); the others stay in the trash and are
  // reported in CommitResult::replay_refused. Unset: no such check.
  std::optional<std::vector<QueueId>> served_queues;
};

// Empties a queue whose node is gone from its topology: every message in it
// (queued or waiting to retry) goes to the trash with `reason`.
struct QueueRetirement {
  QueueId queue = 0;
  std::string reason;
  int topology_version = 0;  // the last version that had the node (0: the last recorded)
};

// How a commit's acks, state_puts and id_puts divide into the calls that
// made them, in order (CommitBatch::calls).
struct CallSpan {
  std::uint32_t acks = 0;
  std::uint32_t state_puts = 0;
  std::uint32_t id_puts = 0;
};

// One commit's work. The store applies it in this order, in one transaction
// (SqliteStore::commit_locked follows it step by step; nothing else states it):
//   1. releases        leases given back; first, so that a lease taken in this
//                      same commit (a node back after a reload) stands. With
//                      `held` set, every lease of this host that is not in it
//                      is let go too (see `held`)
//   2. new_processes   each with one message per entry queue
//   3. retirements     queues emptied into the trash; before the acks, so the
//                      caller holds a retirement until the acks of the old
//                      nodes are committed
//   4. replays         trash entries back to their queues
//   5. promote_until_ms  waiting messages due by then back to the end of their
//                      queues (new seqs)
//   6. acks            inputs deleted; outputs enqueued, or the input parked
//                      (retry, prerequisite) or trashed
//   7. state_puts, then id_puts: of a call (`calls`) only when every one of
//      its acks was applied; an ack dropped (a duplicate, or on PostgreSQL
//      its message taken over by another host: the fence) drops its call's
//      writes with it, so a call that ran twice writes once
//   8. process rows (completion detected), prerequisites settled; queue counters
//   9. leases          the next ready messages, after all of the above
//  10. id counters saved; when the next waiting message is due, read
// (The members are declared in an older order, which callers' aggregate
// initialisers rely on; the numbers say where each is applied.)
struct CommitBatch {
  std::vector<NewProcess> new_processes;     // 2
  std::vector<Ack> acks;                     // 6
  std::vector<StatePut> state_puts;          // 7
  std::vector<LeaseRequest> leases;          // 9
  std::vector<LeaseRelease> releases;        // 1
  std::int64_t promote_until_ms = 0;         // 5 (0: none)
  std::vector<Replay> replays;               // 4
  std::vector<QueueRetirement> retirements;  // 3
  std::vector<IdPut> id_puts;                // 7
  std::vector<CallSpan> calls;               // 6-7 (empty: the writes are no call's)
  // 1: every lease the host holds, sent with the first commit after a failed
  // one. The database may then hold leases of this host that the host does
  // not know of: a commit whose answer was lost may have committed, and a
  // database restarted with synchronous_commit off (or failed over to an
  // asynchronous standby) loses its last commits, acks among them. The heartbeat
  // would renew such leases for ever; the store lets them go instead, and
  // those a call had started count an attempt and a crash, as when taken over.
  // The PostgreSQL store only (SQLite's host and database are one process).
  std::optional<std::vector<LeaseKey>> held;
  bool empty() const {
    return new_processes.empty() && acks.empty() && state_puts.empty() && leases.empty() &&
           releases.empty() && promote_until_ms == 0 && replays.empty() && retirements.empty() &&
           id_puts.empty() && !held;
  }
};

// What the store remembers of a topology's trigger (cron): when it was first
// seen, the slot it last fired (or skipped) and the process it started.
struct TriggerRecord {
  std::string topology;
  std::string trigger;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_fire_ms = 0;  // 0: never fired
  ProcessId last_process = 0;
  std::int64_t fired = 0;
  std::int64_t skipped = 0;       // fires skipped: the last run was still going
};

enum class ProcessState { running = 0, completed = 1, failed = 2 };
const char* to_string(ProcessState s);

struct ProcessRecord {
  ProcessId id = 0;
  std::string topology;
  std::string correlation_id;
  ProcessState state = ProcessState::running;
  std::int64_t outstanding = 0;  // live messages
  std::int64_t done = 0;         // finished visits (includes credit still on live messages)
  std::int64_t failed = 0;       // visits that went to the trash
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;  // 0 while running
  ProcessId needed_by = 0;       // a prerequisite: the process that asked for it first
  std::int64_t sync_next_ms = 0; // a delta process: its topology's since once it completes
};

struct CommitResult {
  // One per CommitBatch::new_processes, in order. 0: not started, because its
  // trigger's slot was already fired (by another host of a cluster).
  std::vector<ProcessId> started;
  std::vector<ProcessRecord> finished;       // processes that completed in this commit
  std::vector<QueuedMessage> leased;         // ready messages now leased; in id order per queue
  std::vector<QueueId> promoted;             // queues that got messages back (retries, replays)
  std::vector<std::int64_t> replayed;        // trash ids put back, per CommitBatch::replays order
  std::vector<std::int64_t> not_in_trash;    // asked-for trash ids that were not there
  std::vector<std::int64_t> replay_refused;  // there, but no node serves their queue now
  std::int64_t next_due_ms = 0;              // when the next waiting message is due; 0 = none
  std::vector<ProcessId> prerequisites_started;  // processes started for waiting messages
  std::vector<ProcessId> prerequisites_met;      // completed: their waiters are due now
};

struct QueueInfo {
  QueueId id = 0;
  std::string topology;
  std::string node;
  std::int64_t queued = 0;  // messages at rest, including those in flight
  std::int64_t waiting = 0; // messages waiting to be retried or for a prerequisite
  std::int64_t retried = 0; // deliveries here that ended in "retry later"
  std::int64_t done = 0;    // visits acknowledged here
  std::int64_t failed = 0;  // visits sent to the trash from here
  std::int64_t stopped = 0; // of the done ones, those the node ended on purpose (STOP: filtered)
};

struct TrashRecord {
  std::int64_t id = 0;
  std::string topology;
  std::string node;
  ProcessId process_id = 0;
  std::string correlation_id;
  MessageId message_id = 0;
  MessageId parent_id = 0;
  std::uint32_t attempts = 0;
  std::string error;             // the last one
  std::int64_t first_failed_ms = 0;
  std::int64_t failed_ms = 0;    // the last failure: when it went to the trash
  Bytes headers;
  Bytes payload;
  Bytes errors;                  // every attempt (message/attempt_history.hpp)
  int topology_version = 0;      // the version of the topology it failed under
};

// Which trash entries a listing (or a replay/discard by filter) means.
struct TrashFilter {
  std::size_t limit = 1000;
  std::int64_t after_id = 0;   // paging: entries with a larger id
  std::string topology;        // empty: any
  std::string node;            // empty: any
  std::int64_t since_ms = 0;   // last failure at or after; 0: any time
  std::string grep;            // in the error, the history or the payload's JSON; empty: any
};

// One node visit of a process (`weir process show`): a delivery of a
// message that ended, with what it ended in.
struct Visit {
  MessageId message_id = 0;
  MessageId parent_id = 0;
  std::uint32_t attempt = 0;
  std::string topology;
  std::string node;
  std::int64_t at_ms = 0;        // when its result was committed
  std::int64_t duration_us = 0;  // of the process() call it was in
  int outcome = 0;               // a weir_outcome, or kOutcomeSetAside
  std::int64_t outputs = 0;      // messages it sent on
  std::string error;             // for failed / retry / set aside
};

struct RecoveryReport {
  std::int64_t redelivered = 0;  // messages whose call had started at a crash
  std::int64_t unstarted = 0;    // leased (prefetched) at a crash, never handed to a worker
  std::int64_t queued = 0;       // all messages at rest after opening
};

class Store {
 public:
  virtual ~Store() = default;

  // What open() found: messages in flight at a crash are now ready again.
  virtual RecoveryReport recovery() const = 0;

  // The queue of (topology, node); made on first use. Stable across restarts.
  virtual Result<QueueId> queue(const std::string& topology, const std::string& node) = 0;

  // Records a topology's content and returns its version: the latest one if
  // `content_hash` is what it had, else the next (1 for a new topology).
  virtual Result<int> topology_version(const std::string& name, const std::string& content_hash,
                                       const std::string& file) = 0;

  // Applies `batch` atomically (see the model above). On error nothing of
  // the batch is applied and the caller still owns every input.
  virtual Result<CommitResult> commit(const CommitBatch& batch) = 0;

  // Every leased message of `queue` still queued with a seq up to `seq` is
  // in a call (or was: its result is not committed yet); none above it is.
  // The dispatcher says so before each call it sends (the call's last seq)
  // and when it gives leases back (the newest seq still in a call, or 0).
  // Survives the process dying, not a power loss (then fewer messages count
  // as started). Not thread-safe: one dispatcher thread calls it.
  virtual void note_started(QueueId queue, std::uint64_t seq) = 0;
  // Before each call: the seqs of its inputs (from the front of the node's
  // buffer). A store whose leases come in seq order (SQLite) marks up to the
  // newest, as note_started; PostgreSQL marks exactly these rows, and its
  // note_started does nothing (its releases spare started rows instead).
  virtual void note_call(QueueId queue, const std::vector<std::uint64_t>& seqs) {
    if (!seqs.empty()) note_started(queue, *std::max_element(seqs.begin(), seqs.end()));
  }

  // Other writers of the same store (the other hosts of a cluster on
  // PostgreSQL) put messages into queues, or give them back: `ready` is
  // called, on a thread of the store's, with the queues that got some.
  // Null stops the calls (when it returns, no call is running). A store with
  // one writer (SQLite) never calls it.
  virtual void watch_queues(std::function<void(const std::vector<QueueId>&)> ready) {
    (void)ready;
  }

  // Whether this host may start calls on the messages it leased: on
  // PostgreSQL, only while its last lease renewal is recent enough that no
  // other host can have taken them over (a host whose heartbeat fails, or
  // that was paused, stops dispatching until it renews). lease_lapses()
  // counts the times renewal came back after such a gap: the messages the
  // host still holds in memory may be another host's by then, and must be
  // given back and leased again. A store of one host always holds its own.
  virtual bool leases_held() const { return true; }
  virtual std::uint64_t lease_lapses() const { return 0; }

  // The rate budget the hosts sharing this store share (one per
  // application; common/shared_budget.hpp), or null: a store of one host
  // (SQLite) has none, and each limiter keeps its own bucket.
  virtual std::shared_ptr<SharedBudget> shared_budget() { return nullptr; }

  // The topologies this host runs now (after each start and reload), so
  // the others can see them: a store of one host keeps nothing.
  virtual Status note_running(const std::vector<RunningTopology>& topologies) {
    (void)topologies;
    return Status::ok();
  }
  // Every host that shares the store, by name, with its heartbeat, leases
  // and topologies; empty on a store of one host.
  virtual Result<std::vector<HostRecord>> hosts() { return std::vector<HostRecord>{}; }

  // ---- reads (operator views, tests) ----
  virtual Result<std::vector<QueueInfo>> queues() = 0;
  virtual Result<std::optional<ProcessRecord>> process(ProcessId id) = 0;
  // Newest first; `topology` empty: any; `state` unset: any.
  virtual Result<std::vector<ProcessRecord>> processes(
      const std::string& topology, std::size_t limit,
      std::optional<ProcessState> state = std::nullopt) = 0;
  // A process's node visits, in the order they were committed.
  virtual Result<std::vector<Visit>> visits(ProcessId id) = 0;
  // Oldest first, at most filter.limit.
  virtual Result<std::vector<TrashRecord>> trash(const TrashFilter& filter) = 0;
  Result<std::vector<TrashRecord>> trash(std::size_t limit) { return trash(TrashFilter{limit}); }
  virtual Result<std::optional<TrashRecord>> trash_entry(std::int64_t id) = 0;
  // Removes the entries for good, recording `audit`, in one transaction.
  // Returns the ids that were there (and are gone now).
  virtual Result<std::vector<std::int64_t>> discard_trash(const std::vector<std::int64_t>& ids,
                                                          AuditEntry audit) = 0;
  // Newest first.
  virtual Result<std::vector<AuditEntry>> audit(std::size_t limit) = 0;
  // For /metrics: entries in the trash, and processes per topology and state.
  virtual Result<std::int64_t> trash_count() = 0;
  struct ProcessCount {
    std::string topology;
    ProcessState state = ProcessState::running;
    std::int64_t count = 0;
  };
  virtual Result<std::vector<ProcessCount>> process_counts() = 0;
  // Every trigger the store has seen.
  virtual Result<std::vector<TriggerRecord>> triggers() = 0;
  // Makes the trigger known (first seen now) if it is not; with
  // `skipped_slot_ms` > 0 also records that slot as skipped.
  virtual Status note_trigger(const std::string& topology, const std::string& trigger,
                              std::int64_t skipped_slot_ms) = 0;
  virtual Result<std::optional<Bytes>> state_get(const std::string& topology,
                                                 const std::string& key) = 0;
  // The ID map: the remote id of a local one, or the local id of a remote
  // one (committed mappings; a call's own puts are the engine's to see).
  virtual Result<std::optional<std::string>> id_get(const std::string& system,
                                                    const std::string& entity,
                                                    const std::string& local_id) = 0;
  virtual Result<std::optional<std::string>> id_find(const std::string& system,
                                                     const std::string& entity,
                                                     const std::string& remote_id) = 0;
  virtual Result<std::vector<IdMapping>> id_list(const IdFilter& filter) = 0;
  // An operator forgets a mapping (the remote object was deleted by hand),
  // with `audit` in the same transaction; true when there was one.
  virtual Result<bool> forget_id(const std::string& system, const std::string& entity,
                                 const std::string& local_id, AuditEntry audit) = 0;
  // Delta topologies' windows (where each one's next run starts), and
  // forgetting one (`weir sync reset`: the next run is full), with `audit`
  // in the same transaction; true when there was one.
  virtual Result<std::vector<SyncWindow>> sync_windows() = 0;
  virtual Result<bool> reset_sync_window(const std::string& topology, AuditEntry audit) = 0;
  // Deletes state of `topology`: the keys listed in `keys`, or, when `keys`
  // is empty, every key that starts with `prefix`; records `audit` (its
  // detail gains "deleted": n) in the same transaction. Returns how many
  // keys went. An operator's reset (`weir comparator reset`).
  virtual Result<std::int64_t> delete_state(const std::string& topology, const std::string& prefix,
                                            const std::vector<std::string>& keys,
                                            AuditEntry audit) = 0;
};

struct SqliteOptions {
  std::string path;          // the database file
  bool synchronous_full = true;  // false: synchronous=NORMAL (faster, may lose the last
                                 // commits on power loss, never on a process crash)
  std::int64_t max_bytes = 0;    // 0: no cap. Otherwise commits that would grow the file
                                 // past this fail as "database or disk is full".
  std::int64_t keep_finished_ms = 0;  // >0: finished processes older than this are pruned
                                      // in the background (retention.hpp); 0: kept for ever
};

// Opens (creating or migrating) the SQLite store at options.path.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

struct PgOptions {
  std::string url;   // a libpq connection URL, the secret already resolved
  // This host's name in the cluster: the same across its restarts (its own
  // leases are taken back at once when it opens again), one running host
  // per name at a time.
  std::string host;
  std::int64_t lease_ms = 30000;  // a lease lasts this long without renewal
  std::int64_t keep_finished_ms = 0;  // as SqliteOptions' (pg_retention.cpp)
};

// Opens (creating or migrating) the PostgreSQL store at options.url.
Result<std::unique_ptr<Store>> open_pg_store(const PgOptions& options);

}  // namespace weir::store
