// Retention: deletes finished processes and their trace once they finished
// longer ago than `keep` (weir.yaml `store: {keep_processes: 14d}`), on its
// own thread, so the processes and visits tables do not grow for ever.
//
// Off the hot path: each batch is one short write transaction (`batch`
// processes looked at), and after each the thread rests as long as the
// batch took, so a commit waits behind at most one batch and the writer is
// never held more than half the time. What is never pruned (a running
// process, one with trash entries, one a message waits for) is decided by
// the prune function (SqliteStore::prune_processes).
//
// Threads: start()/stop() from the owner's thread; run_pass() from one
// thread at a time (the retention thread, once started).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.hpp"
#include "store/store.hpp"

namespace weir::store {

// What one batch of pruning did.
struct PruneResult {
  std::int64_t processes = 0;  // deleted
  std::int64_t visits = 0;     // their trace rows, deleted with them
  ProcessId last = 0;          // the last id looked at: where the next batch starts
  bool more = false;           // false: no process after `last` is old enough
};

struct RetentionOptions {
  std::chrono::milliseconds keep{0};  // finished longer ago than this: pruned
  std::chrono::milliseconds interval{std::chrono::minutes(10)};  // between passes
  std::size_t batch = 500;            // processes looked at per transaction
  std::function<std::int64_t()> clock;  // wall-clock ms, as stored; default now_ms()
};

class Retention;

// The store's retention thread, started, when `keep_ms` > 0 (weir.yaml
// keep_processes); null otherwise. Both stores start theirs with it.
std::unique_ptr<Retention> start_retention(std::int64_t keep_ms,
                                           std::function<Result<PruneResult>(std::int64_t, ProcessId,
                                                                             std::size_t)> prune);

class Retention {
 public:
  // Deletes what finished before `finished_before_ms`, looking at up to
  // `max` processes with an id above `after`, in one transaction.
  using Prune = std::function<Result<PruneResult>(std::int64_t finished_before_ms,
                                                  ProcessId after, std::size_t max)>;
  // What one pass did.
  struct Pass {
    std::int64_t processes = 0;
    std::int64_t visits = 0;
    std::int64_t batches = 0;
    std::chrono::microseconds longest{0};  // the longest batch: how long a commit could wait
  };

  Retention(Prune prune, RetentionOptions options);
  ~Retention();  // stops
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // A pass every `interval`, the first one `interval` after start.
  void start();
  // Ends a pass under way after its current batch, and the thread.
  void stop();
  // Prunes everything old enough now, batch by batch.
  Result<Pass> run_pass();

 private:
  void run();
  // Waits `d` or until stop(); false when stopping.
  bool rest(std::chrono::steady_clock::duration d);

  Prune prune_;
  RetentionOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace weir::store
