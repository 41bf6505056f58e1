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

#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace weir::store {

class SqliteStore final : public Store {
 public:
  // Use open_sqlite_store(); this only runs the steps.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  RecoveryReport recovery() const override { return recovery_; }
  Result<QueueId> queue(const std::string& topology, const std::string& node) override;
  Result<CommitResult> commit(const CommitBatch& batch) override;

  Result<std::vector<QueueInfo>> queues() override;
  Result<std::optional<ProcessRecord>> process(ProcessId id) override;
  Result<std::vector<ProcessRecord>> processes(const std::string& topology,
                                              std::size_t limit) override;
  Result<std::vector<TrashRecord>> trash(std::size_t limit) override;
  Result<std::optional<Bytes>> state_get(const std::string& topology,
                                         const std::string& key) override;

 private:
  // Prepared statements of the writer connection.
  struct WriteStmts {
    Stmt insert_message, delete_message, insert_process, update_process, update_queue_counts,
        update_lease, select_ready, put_state, insert_trash, save_meta, find_queue, insert_queue;
  };
  // What one commit changes on a process row / queue row.
  struct ProcessDelta {
    std::int64_t outstanding = 0, done = 0, failed = 0;
  };
  struct QueueDelta {
    std::int64_t done = 0, failed = 0;
  };
  struct Pending {  // per-commit scratch
    std::map<ProcessId, ProcessDelta> processes;
    std::map<QueueId, QueueDelta> queues;
    std::int64_t now = 0;
  };

  explicit SqliteStore(const SqliteOptions& options) : options_(options) {}
  Status open_connections();
  Status prepare_writer();
  Status load_counters();
  Status recover();

  Status insert_processes(const CommitBatch& batch, Pending& p, CommitResult& out);
  Status apply_acks(const CommitBatch& batch, Pending& p);
  Status apply_ack(const Ack& ack, Pending& p);
  Status insert_message(QueueId queue, ProcessId pid, MessageId parent,
                        const std::string& correlation, std::int64_t credit, const Bytes& headers,
                        const Bytes& payload, std::int64_t now);
  Status insert_trash(const QueuedMessage& in, const std::string& error, std::int64_t now);
  Status put_state(const CommitBatch& batch, std::int64_t now);
  Status apply_process_deltas(Pending& p, CommitResult& out);
  Status apply_queue_deltas(const Pending& p);
  Status lease(const CommitBatch& batch, CommitResult& out);
  Status release(const CommitBatch& batch);
  Status save_counters();
  Result<CommitResult> commit_locked(const CommitBatch& batch);

  SqliteOptions options_;
  RecoveryReport recovery_;

  std::mutex write_mu_;
  Db writer_;                                         // guarded by write_mu_
  WriteStmts w_;                                      // guarded by write_mu_
  MessageId next_message_id_ = 1;                     // guarded by write_mu_
  ProcessId next_process_id_ = 1;                     // guarded by write_mu_
  std::unordered_map<QueueId, MessageId> leased_to_;  // guarded by write_mu_

  std::mutex read_mu_;
  Db reader_;  // guarded by read_mu_
};

}  // namespace weir::store
