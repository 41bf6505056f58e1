// CommitPlan: what the pump's next commit carries, and what becomes of it.
//
// It collects, between commits: each finished call's acks together with the
// state writes of that call; start requests; trash replays; retirements of
// queues a reload removed; lease releases. build() makes one CommitBatch of
// them; committed() or failed() then answers whoever asked and keeps what
// must be tried again, in its order.
//
// The rules it keeps:
//  - A call's acks and its state writes (state and ID map puts) go into one
//    commit, whole: a batch never carries a call's state without all of that
//    call's acks (or the
//    state could run ahead of the messages it counted, should the host stop
//    between two commits). The cap on acks per commit therefore takes whole
//    calls; a call bigger than the cap goes alone.
//  - A failed commit puts everything back in front, in order, so a newer
//    state write to a key still wins; starts and replays in it get the error
//    (their callers still hold their data).
//  - A retirement waits until every ack added before it is committed (the
//    store applies retirements before the acks of the same commit).
//  - Starts and prerequisites aim at the entry points as they are when the
//    batch is built, and replays go only to queues a node serves then (a
//    reload may have changed either since they were asked for).
//
// Threads: the pump's.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "command_queue.hpp"
#include "routing.hpp"
#include "store/store.hpp"

namespace weir::engine {

class CommitPlan {
 public:
  explicit CommitPlan(std::size_t max_acks) : max_acks_(max_acks) {}

  // ---- what comes in ----
  // The results of one call (or one set-aside message: acks alone).
  void add_call(std::vector<store::Ack> acks, std::vector<store::StatePut> puts = {},
                std::vector<store::IdPut> ids = {});
  void add_start(std::unique_ptr<StartCommand> cmd) { starts_.push_back(std::move(cmd)); }
  void add_replay(std::unique_ptr<ReplayCommand> cmd) { replays_.push_back(std::move(cmd)); }
  // Empties the queue once every ack added so far is committed.
  void add_retirement(store::QueueRetirement r) { retirements_.push_back({acks_added_, std::move(r)}); }
  // A queue served again: a retirement asked for earlier must not empty it.
  void forget_retirements(const std::vector<store::QueueId>& queues);
  void add_releases(const std::vector<store::LeaseRelease>& releases);

  // ---- what waits ----
  std::size_t acks_waiting() const { return acks_waiting_; }
  bool has_work() const;      // something to commit besides leases and due retries
  bool drained() const;       // no result, start or replay waits (releases may)
  bool releasing() const { return !releases_.empty(); }
  // The inputs of the results waiting to be committed, appended to `out`.
  void pending_inputs(std::vector<store::LeaseKey>& out) const;

  // ---- one commit ----
  // Everything due, up to the ack cap, plus `leases` and due retries up to
  // `promote_until_ms` (0: none). The batch must go to the store, and its
  // outcome come back through committed() or failed(), before the next build().
  store::CommitBatch build(const EntryPoints& entry_points,
                           const std::vector<store::QueueId>& served_queues,
                           std::vector<store::LeaseRequest> leases, std::int64_t promote_until_ms);
  void committed(store::CommitBatch& batch, const store::CommitResult& result);
  void failed(store::CommitBatch& batch, const Status& error);

  // Every start, replay still waiting gets `error`.
  void answer_all(const Status& error);

 private:
  struct CallResults {
    std::vector<store::Ack> acks;
    std::vector<store::StatePut> puts;
    std::vector<store::IdPut> ids;
  };
  struct Taken {  // how much of a batch's lists one call filled
    std::size_t acks = 0, puts = 0, ids = 0;
  };
  struct PendingRetirement {
    std::uint64_t after_acks = 0;  // once this many acks are committed
    store::QueueRetirement retirement;
  };

  void take_results(store::CommitBatch& batch);
  void take_starts(store::CommitBatch& batch, const EntryPoints& entry_points);
  void answer_replays(const store::CommitResult& result);

  std::size_t max_acks_;
  std::deque<CallResults> results_;     // not yet in a commit, in order
  std::size_t acks_waiting_ = 0;        // in results_
  std::vector<Taken> in_commit_;        // per call taken into the commit under way
  std::vector<std::unique_ptr<StartCommand>> starts_;      // not yet in a commit
  std::vector<std::unique_ptr<StartCommand>> committing_;  // in the commit under way
  std::vector<std::unique_ptr<ReplayCommand>> replays_;
  std::vector<std::unique_ptr<ReplayCommand>> committing_replays_;
  std::vector<PendingRetirement> retirements_;  // not yet in a successful commit
  std::vector<store::LeaseRelease> releases_;   // until committed
  std::uint64_t acks_added_ = 0;      // acks ever added (not counting ones put back)
  std::uint64_t acks_committed_ = 0;  // of those, how many are committed (FIFO)
};

}  // namespace weir::engine
