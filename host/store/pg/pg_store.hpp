// PgStore: the Store on PostgreSQL, for one host or several hosts sharing
// one database (docs/architecture.md, "The store on PostgreSQL").
//
// It keeps the SQLite store's model (store.hpp) and its commit order step
// by step (CommitBatch), with what several hosts need instead of what one
// host could keep in memory:
//  - Leases are per message: `lease_host`, `lease_until` (the database's
//    clock) and a fencing token `fence` per lease batch. An ack deletes its
//    input only if the row still carries the fence it was leased with; a row
//    another host has taken over does not match, and the ack is dropped
//    whole, like a duplicate.
//  - A host is a row of `hosts`, found by its name (stable across restarts)
//    and held by a session advisory lock while it runs, so one name is one
//    running host. On open, a host takes back its own earlier leases at once
//    (it knows it is not running them); the messages a call had started
//    (`started`, set by note_started before each call) count an attempt and
//    a crash, the ones only prefetched do not.
//  - Queue depths are columns of `queues`, moved by each commit.
//  - Message, seq and process ids come from sequences in blocks (IdBlock).
//
// Round trips: the writes of a commit whose answers are not needed (inserted
// messages, visits, trash, state, counters) wait in `Deferred` and go in one
// pipeline before the next read and before COMMIT; the deletes of a commit's
// acks go in one pipeline too. So a commit costs a handful of round trips,
// not one per statement.
//
// Threads: every method may be called from any thread. The writer
// connection (commits, operator writes) is guarded by write_mu_, the
// reader (views, state_get, ids) by read_mu_, and note_started has its own
// connection (marks_mu_). No transaction stays open across anything but
// our own SQL.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "pg_budget.hpp"
#include "pg_conn.hpp"
#include "pg_janitor.hpp"
#include "../retention.hpp"
#include "store/store.hpp"

namespace weir::store::pg {

// CLOCK_BOOTTIME in ms: steady, and it goes on while the machine is
// suspended (a paused VM), where CLOCK_MONOTONIC stops (pg_hosts.cpp).
std::int64_t boot_ms();

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> open(const PgOptions& options);
  ~PgStore() override;

  RecoveryReport recovery() const override { return recovery_; }
  // Marks exactly a call's rows (started = true); note_started does nothing
  // (a release spares the started rows, which are in calls or acked).
  void note_started(QueueId, std::uint64_t) override {}
  void note_call(QueueId queue, const std::vector<std::uint64_t>& seqs) override;
  Result<QueueId> queue(const std::string& topology, const std::string& node) override;
  Result<int> topology_version(const std::string& name, const std::string& content_hash,
                               const std::string& file) override;
  Result<CommitResult> commit(const CommitBatch& batch) override;

  // pg_reads.cpp
  Result<std::vector<QueueInfo>> queues() override;
  Result<std::optional<ProcessRecord>> process(ProcessId id) override;
  Result<std::vector<ProcessRecord>> processes(const std::string& topology, std::size_t limit,
                                              std::optional<ProcessState> state) override;
  Result<std::vector<Visit>> visits(ProcessId id) override;
  using Store::trash;
  Result<std::vector<TrashRecord>> trash(const TrashFilter& filter) override;
  Result<std::optional<TrashRecord>> trash_entry(std::int64_t id) override;
  Result<std::vector<AuditEntry>> audit(std::size_t limit) override;
  Result<std::int64_t> trash_count() override;
  Result<std::vector<ProcessCount>> process_counts() override;
  Result<std::vector<TriggerRecord>> triggers() override;
  Result<std::optional<Bytes>> state_get(const std::string& topology,
                                         const std::string& key) override;
  Result<std::optional<std::string>> id_get(const std::string& system, const std::string& entity,
                                            const std::string& local_id) override;
  Result<std::optional<std::string>> id_find(const std::string& system, const std::string& entity,
                                             const std::string& remote_id) override;
  Result<std::vector<IdMapping>> id_list(const IdFilter& filter) override;
  Result<std::vector<SyncWindow>> sync_windows() override;
  Result<std::vector<HostRecord>> hosts() override;

  // pg_operator.cpp: an operator's writes, each in its own transaction with
  // its audit entry.
  Result<std::vector<std::int64_t>> discard_trash(const std::vector<std::int64_t>& ids,
                                                  AuditEntry audit) override;
  Status note_trigger(const std::string& topology, const std::string& trigger,
                      std::int64_t skipped_slot_ms) override;
  Result<bool> forget_id(const std::string& system, const std::string& entity,
                         const std::string& local_id, AuditEntry audit) override;
  Result<bool> reset_sync_window(const std::string& topology, AuditEntry audit) override;
  Result<std::int64_t> delete_state(const std::string& topology, const std::string& prefix,
                                    const std::vector<std::string>& keys,
                                    AuditEntry audit) override;
  Status note_running(const std::vector<RunningTopology>& topologies) override;

  // pg_hosts.cpp: this host's life in the cluster, on a thread and a
  // connection of its own: heartbeats that renew its leases, taking over the
  // leases of hosts that stopped renewing theirs, and the notifications of
  // messages other hosts put into queues.
  void watch_queues(std::function<void(const std::vector<QueueId>&)> ready) override;
  // pg_budget.cpp: the `app_budgets` rows, on a connection of their own.
  std::shared_ptr<SharedBudget> shared_budget() override { return budget_; }

  // pg_hosts.cpp: held while the last renewal's send time + 3/4 lease is
  // ahead (the boot clock, which counts a suspended machine's time too).
  bool leases_held() const override;
  std::uint64_t lease_lapses() const override { return lapses_.load(); }

  std::int64_t host_id() const { return host_id_; }

  // pg_retention.cpp: one batch of pruning (public for tests, as SQLite's).
  Result<PruneResult> prune_processes(std::int64_t finished_before_ms, ProcessId after,
                                      std::size_t max);

 private:
  // Writes whose answers a commit does not need wait here and go to the
  // server in the same pipeline as the commit's next reads (exchange), so a
  // commit costs a round trip per read phase, not per statement. Parameters
  // borrow; keep() holds what the caller made on the spot (libpq copies the
  // values when a statement is sent).
  class Deferred {
   public:
    struct Op {
      const char* statement;  // a prepared statement's name; null: `sql`
      const char* sql;        // BEGIN, COMMIT
      Params params;
    };
    Params& add(const char* statement);
    void add_sql(const char* sql) { ops_.push_back(Op{nullptr, sql, Params()}); }
    const Bytes& keep(Bytes b) { return bytes_.emplace_back(std::move(b)); }
    const std::string& keep(std::string s) { return texts_.emplace_back(std::move(s)); }
    // Sends the waiting writes, then `reads`, in one pipeline (a long
    // backlog of writes goes first in parts) and returns the reads' answers.
    Result<std::vector<Rows>> exchange(Conn& db, std::deque<Op> reads = {});
    Status flush(Conn& db) { return exchange(db).status(); }
    void clear();

   private:
    static Status send(Conn& db, const Op& op);
    std::deque<Op> ops_;
    std::deque<Bytes> bytes_;
    std::deque<std::string> texts_;
  };
  // Ids from a sequence that hands out `size` at a time.
  struct IdBlock {
    std::int64_t next = 0, end = 0;
  };
  struct ProcessDelta {
    std::int64_t outstanding = 0, done = 0, failed = 0;
  };
  struct QueueDelta {
    std::int64_t done = 0, failed = 0, retried = 0, stopped = 0, queued = 0, waiting = 0;
  };
  struct Pending {  // per-commit scratch
    std::map<ProcessId, ProcessDelta> processes;
    std::map<QueueId, QueueDelta> queues;
    std::map<std::pair<std::string, int>, std::int64_t> state_counts;
    Deferred writes;
    // What this commit read or made that deferred writes borrow from.
    std::deque<QueuedMessage> held;
    std::deque<TrashInfo> kept_trash;
    std::set<QueueId> filled;  // queues this commit put messages into
    std::vector<bool> ack_applied;  // by index in the batch's acks (the fence held)
    CommitResult* out = nullptr;
    std::int64_t now = 0;
  };
  // A message to insert; borrows everything from the batch (or keep()).
  struct NewMessage {
    QueueId queue;
    ProcessId process_id;
    MessageId parent_id;
    const std::string& correlation_id;
    std::int64_t credit;
    const Bytes& headers;
    const Bytes& payload;
    std::int64_t attempts;
    std::int64_t crashes;
    const Bytes& errors;
    MessageId id = 0;               // 0: a new message (new id); else it keeps this one
    const Bytes* cursor = nullptr;  // null: none
  };

  explicit PgStore(const PgOptions& options) : options_(options) {}
  // pg_hosts.cpp
  void start_cluster_thread();
  void stop_cluster_thread();
  void cluster_loop();
  Status listen();
  Status heartbeat();
  void leases_renewed(std::int64_t sent_ms);  // boot clock
  Status take_over(std::vector<QueueId>* queues);
  void deliver(const std::vector<QueueId>& queues);
  Status connect();
  static Status prepare_writer(Conn& db);
  Status ready_writer();  // reconnects after the server went away
  Status register_host();
  Status recover();
  Result<std::int64_t> take_ids(const char* statement, IdBlock& block, std::int64_t block_size);

  Result<CommitResult> commit_locked(const CommitBatch& batch, Pending& p);
  Status insert_processes(const CommitBatch& batch, Pending& p, CommitResult& out);
  Status insert_message(Pending& p, const NewMessage& m);
  Status apply_acks(const CommitBatch& batch, Pending& p);
  Status apply_ack(const Ack& ack, Pending& p);
  Status insert_trash(const QueuedMessage& in, const TrashInfo& info, Pending& p,
                      int version = -1);
  void insert_visit(const Ack& ack, Pending& p, const std::string* error = nullptr);
  void insert_delayed(const QueuedMessage& in, std::int64_t due_ms, const Bytes& errors,
                      ProcessId waits_for, Pending& p);
  Status promote_due(std::int64_t until_ms, Pending& p);
  Status park_for_prerequisite(const Ack& ack, Pending& p);
  Result<ProcessId> start_prerequisite(const QueuedMessage& in, const PrerequisiteInfo& pre,
                                       Pending& p);
  Status settle_waiters(const ProcessRecord& finished, Pending& p);
  Status retire_queues(const CommitBatch& batch, Pending& p);
  Result<int> current_version(QueueId queue);
  Status apply_replays(const CommitBatch& batch, Pending& p);
  enum class ReplayOne { replayed, missing, refused };
  Status replay_one(std::int64_t trash_id, const std::vector<QueueId>* served, Pending& p,
                    ReplayOne* outcome);
  void put_state(const CommitBatch& batch, Pending& p);
  void put_ids(const CommitBatch& batch, Pending& p);
  Status sync_window_headers(const NewProcess& np, Pending& p, Bytes* headers);
  Status apply_process_deltas(Pending& p, CommitResult& out);
  void apply_queue_deltas(Pending& p);
  void write_state_counts(Pending& p);
  // Leases, when the next waiting message is due, and COMMIT: one round trip.
  Status lease_and_commit(const CommitBatch& batch, Pending& p, CommitResult& out);
  Status release(const CommitBatch& batch, Pending& p);
  Status let_go_unheld(const std::vector<LeaseKey>& held, Pending& p);
  // An operator's write: `body` runs inside one transaction with `audit`.
  Status in_transaction(const std::function<Status()>& body);
  Status insert_audit(const AuditEntry& entry);

  PgOptions options_;
  RecoveryReport recovery_;
  std::int64_t host_id_ = 0;

  std::mutex write_mu_;
  Conn writer_;                // guarded by write_mu_; holds the host's advisory lock
  std::uint64_t prepared_for_ = 0;  // guarded by write_mu_: the writer session prepared
  IdBlock message_ids_, process_ids_;  // guarded by write_mu_
  // Where each queue's next lease scan starts: above the last seq this host
  // leased. Acked and leased rows stay in the queue's index as dead entries
  // until vacuum runs, all of them at the queue's front, so a scan from the
  // front walks through every row the last minutes moved (measured: the
  // lease went from well under 1 ms to several). A release sets it back to
  // 0, and so does a full scan every kFullScanMs, which finds what another
  // host gave back below it.
  struct LeaseFloor {
    std::int64_t seq = 0;
    std::int64_t full_scan_ms = 0;  // when the scan last started at 0
  };
  std::unordered_map<QueueId, LeaseFloor> floors_;  // guarded by write_mu_
  static constexpr std::int64_t kFullScanMs = 1000;

  std::mutex read_mu_;
  Conn reader_;  // guarded by read_mu_

  // The cluster thread (pg_hosts.cpp).
  std::mutex ready_mu_;
  std::function<void(const std::vector<QueueId>&)> ready_;  // guarded by ready_mu_
  std::mutex cluster_mu_;
  std::condition_variable cluster_cv_;
  bool cluster_stop_ = false;  // guarded by cluster_mu_
  std::thread cluster_thread_;
  Conn cluster_;  // the cluster thread's
  // Whether another host has heartbeat within a lease: only then does a
  // commit notify (NOTIFY serialises the commits that use it).
  std::atomic<bool> others_running_{true};
  // Until when (boot clock ms) this host's leases are surely its own: the
  // send time of the last renewal that succeeded + 3/4 lease (a quarter for
  // the clocks' drift and the time from the check to a call's send). Rows a
  // commit of ours held during that renewal were skipped by it, but that
  // commit acks them or leases them anew.
  std::atomic<std::int64_t> held_until_ms_{0};
  std::atomic<std::uint64_t> lapses_{0};
  bool lease_gap_ = false;        // the cluster thread's: renewals late, not closed yet
  std::int64_t gap_began_ms_ = 0;  // the cluster thread's

  std::mutex marks_mu_;
  Conn marks_;  // guarded by marks_mu_: note_call's own connection

  std::shared_ptr<PgBudget> budget_;  // connects on its first use

  std::unique_ptr<PgJanitor> janitor_;  // vacuums the churn tables (pg_janitor.hpp)

  Status start_retention();
  std::unique_ptr<Retention> retention_;  // last: stops before the connections close
};

}  // namespace weir::store::pg
