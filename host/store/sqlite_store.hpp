// SqliteStore: the embedded Store, one SQLite file in WAL mode.
//
// Two connections: a writer (every write, guarded by write_mu_) and a reader
// for operator views (guarded by read_mu_), which WAL lets run while a
// write transaction is open. The writer keeps the id counters and the lease
// cursors in memory and persists them in the same transaction as the rows
// they describe; a failed commit rolls both back.
#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "checkpointer.hpp"
#include "dispatch_marks.hpp"
#include "retention.hpp"
#include "sqlite_db.hpp"
#include "store/store.hpp"

namespace weir::store {

class SqliteStore final : public Store {
 public:
  // Use open_sqlite_store(); this only runs the steps.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  RecoveryReport recovery() const override { return recovery_; }
  void note_started(QueueId queue, std::uint64_t seq) override { marks_->set(queue, seq); }
  Result<QueueId> queue(const std::string& topology, const std::string& node) override;
  Result<int> topology_version(const std::string& name, const std::string& content_hash,
                               const std::string& file) override;
  Result<CommitResult> commit(const CommitBatch& batch) override;

  Result<std::vector<QueueInfo>> queues() override;
  Result<std::optional<ProcessRecord>> process(ProcessId id) override;
  Result<std::vector<ProcessRecord>> processes(const std::string& topology, std::size_t limit,
                                              std::optional<ProcessState> state) override;
  Result<std::vector<Visit>> visits(ProcessId id) override;
  using Store::trash;
  Result<std::vector<TrashRecord>> trash(const TrashFilter& filter) override;
  Result<std::optional<TrashRecord>> trash_entry(std::int64_t id) override;
  Result<std::vector<std::int64_t>> discard_trash(const std::vector<std::int64_t>& ids,
                                                  AuditEntry audit) override;
  Result<std::vector<AuditEntry>> audit(std::size_t limit) override;
  Result<std::int64_t> trash_count() override;
  Result<std::vector<ProcessCount>> process_counts() override;
  Result<std::vector<TriggerRecord>> triggers() override;
  Status note_trigger(const std::string& topology, const std::string& trigger,
                      std::int64_t skipped_slot_ms) override;
  Result<std::optional<Bytes>> state_get(const std::string& topology,
                                         const std::string& key) override;
  // sqlite_ids.cpp
  Result<std::optional<std::string>> id_get(const std::string& system, const std::string& entity,
                                            const std::string& local_id) override;
  Result<std::optional<std::string>> id_find(const std::string& system, const std::string& entity,
                                             const std::string& remote_id) override;
  Result<std::vector<IdMapping>> id_list(const IdFilter& filter) override;
  Result<bool> forget_id(const std::string& system, const std::string& entity,
                         const std::string& local_id, AuditEntry audit) override;
  Result<std::vector<SyncWindow>> sync_windows() override;                 // sqlite_sync.cpp
  Result<bool> reset_sync_window(const std::string& topology, AuditEntry audit) override;
  Result<std::int64_t> delete_state(const std::string& topology, const std::string& prefix,
                                    const std::vector<std::string>& keys,
                                    AuditEntry audit) override;  // sqlite_state.cpp

  // sqlite_retention.cpp. Deletes finished processes that finished before
  // `finished_before_ms`, with their visits, in one write transaction: of
  // the `max` processes after id `after`. Never a running process, one with
  // trash entries or one a message waits for.
  Result<PruneResult> prune_processes(std::int64_t finished_before_ms, ProcessId after,
                                      std::size_t max);
  // Starts pruning in the background when options.keep_finished_ms > 0.
  Status start_retention();

 private:
  // Prepared statements of the writer connection.
  struct WriteStmts {
    Stmt insert_message, delete_message, insert_process, update_process, update_queue_counts,
        update_lease, select_ready, put_state, insert_trash, save_meta, find_queue, insert_queue,
        insert_delayed, select_due, delete_delayed, next_due, insert_visit, find_prerequisite,
        put_prerequisite, waits_on, wake_waiters, select_waiters, last_failure,
        record_fire, add_state_count, put_id, forget_id, get_since, advance_since;
  };
  // What one commit changes on a process row / queue row.
  struct ProcessDelta {
    std::int64_t outstanding = 0, done = 0, failed = 0;
  };
  struct QueueDelta {
    std::int64_t done = 0, failed = 0, retried = 0, stopped = 0;
  };
  struct QueueDepth {
    std::int64_t queued = 0;
    std::int64_t waiting = 0;
  };
  struct Pending {  // per-commit scratch
    std::map<ProcessId, ProcessDelta> processes;
    std::map<QueueId, QueueDelta> queues;
    std::unordered_map<QueueId, std::size_t> lease_budget;    // what may still be leased
    std::unordered_map<QueueId, std::uint64_t> cursor_before;  // lease cursors at the start
    // Processes per (topology, state) this commit added or moved (schema 11).
    std::map<std::pair<std::string, int>, std::int64_t> state_counts;
    // Per queue, messages this commit put in (+) or took out (-): in the
    // queue, and waiting in `delayed`. Applied to depths_ once committed.
    std::unordered_map<QueueId, QueueDepth> depths;
    std::vector<bool> ack_applied;  // by index in the batch's acks
    CommitResult* out = nullptr;
    std::int64_t now = 0;
  };

  explicit SqliteStore(const SqliteOptions& options)
      : options_(options), checkpointer_(options.path) {}
  Status open_connections();
  Status cap_size();
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);
  Status prepare_writer();
  Status load_counters();
  Status open_marks();
  Status recover();
  Status mark_interrupted();

  Status insert_processes(const CommitBatch& batch, Pending& p, CommitResult& out);
  Status apply_acks(const CommitBatch& batch, Pending& p);
  // `applied`: false when the ack was a duplicate (dropped whole).
  Status apply_ack(const Ack& ack, Pending& p, bool* applied);
  // A message to insert; borrows everything from the batch.
  struct NewMessage {
    QueueId queue;
    ProcessId process_id;
    MessageId parent_id;
    const std::string& correlation_id;
    std::int64_t credit;
    const Bytes& headers;
    const Bytes& payload;
    std::int64_t attempts;  // deliveries so far that did not end well
    std::int64_t crashes;
    const Bytes& errors;
    MessageId id = 0;       // 0: a new message (new id); else it keeps this one
    const Bytes* cursor = nullptr;  // null: none
  };
  Status insert_message(Pending& p, const NewMessage& m);
  // `version`: the topology version it failed under; -1: the current one.
  Status insert_trash(const QueuedMessage& in, const TrashInfo& info, std::int64_t now,
                      int version = -1);
  // `error`: the trace's text when not the ack's own (null: the ack's).
  Status insert_visit(const Ack& ack, std::int64_t now, const std::string* error = nullptr);
  // sqlite_retry.cpp
  Status park_for_retry(const QueuedMessage& in, const RetryInfo& retry, Pending& p);
  // A row of `delayed`: due at `due_ms`, or (waits_for != 0) when that process completes.
  Status insert_delayed(const QueuedMessage& in, std::int64_t due_ms, const Bytes& errors,
                        ProcessId waits_for, Pending& p);
  // sqlite_prerequisite.cpp
  Status park_for_prerequisite(const Ack& ack, Pending& p);
  Result<ProcessId> start_prerequisite(const QueuedMessage& in, const PrerequisiteInfo& pre,
                                       Pending& p);
  Status settle_waiters(const ProcessRecord& finished, Pending& p);
  Status promote_due(std::int64_t until_ms, Pending& p);
  Status read_next_due(CommitResult& out);
  // sqlite_versions.cpp
  Status load_versions();
  Status retire_queues(const CommitBatch& batch, Pending& p);
  int current_version(QueueId queue) const;
  // sqlite_trash.cpp
  Status apply_replays(const CommitBatch& batch, Pending& p);
  enum class ReplayOne { replayed, missing, refused };
  Status replay_one(std::int64_t trash_id, const std::vector<QueueId>* served, Pending& p,
                    ReplayOne* outcome);
  Status insert_audit(const AuditEntry& entry);
  Status put_state(const CommitBatch& batch, const Pending& p);
  Status put_ids(const CommitBatch& batch, const Pending& p);  // sqlite_ids.cpp
  // sqlite_sync.cpp: a delta process's first headers, with its window; and
  // its topology's next since once it completed.
  Status sync_window_headers(const NewProcess& np, std::int64_t now, Bytes* headers);
  Status advance_sync_window(const ProcessRecord& finished, std::int64_t now);
  Status apply_process_deltas(Pending& p, CommitResult& out);
  Status apply_queue_deltas(const Pending& p);
  Status write_state_counts(const Pending& p);
  Status lease(Pending& p);
  Status release(const CommitBatch& batch);
  Status save_counters();
  Result<CommitResult> commit_locked(const CommitBatch& batch, Pending& p);

  SqliteOptions options_;
  RecoveryReport recovery_;

  std::mutex write_mu_;
  Db writer_;                                         // guarded by write_mu_
  WriteStmts w_;                                      // guarded by write_mu_
  MessageId next_message_id_ = 1;                     // guarded by write_mu_
  ProcessId next_process_id_ = 1;                     // guarded by write_mu_
  // Seqs and message ids come from one counter (next_message_id_), so a new
  // message's seq equals its id; a retried or replayed one gets a new seq.
  std::unordered_map<QueueId, std::uint64_t> leased_to_;  // guarded by write_mu_: seq
  std::unordered_map<QueueId, std::uint64_t> tail_;       // guarded by write_mu_: newest seq
  std::unordered_map<QueueId, std::string> queue_topology_;  // guarded by write_mu_
  std::unordered_map<std::string, int> versions_;            // guarded by write_mu_: latest

  std::mutex read_mu_;
  Db reader_;  // guarded by read_mu_

  // How many messages each queue holds, and how many wait in `delayed`:
  // counted once at open, then moved by each commit, so status and /metrics
  // read them instead of counting rows (a queue can hold 500,000).
  mutable std::mutex depth_mu_;
  std::unordered_map<QueueId, QueueDepth> depths_;  // guarded by depth_mu_

  Checkpointer checkpointer_;
  std::int64_t instance_ = 0;              // the database's random id (meta 'instance')
  std::unique_ptr<DispatchMarks> marks_;   // set by the pump thread (note_started)
  int wal_pages_ = 0;  // guarded by write_mu_; set by the WAL hook after each commit
  std::unique_ptr<Retention> retention_;  // last: stops before the connections close
};

}  // namespace weir::store
