// CommandQueue: how other threads ask the pump for something (start
// processes, replay, swap a topology's nodes, stop). Commands wait under a mutex; an eventfd, which the pump
// polls together with its ZeroMQ socket, wakes it.
//
// The queue accepts starts only between open() and request_stop(), so a
// start can never slip in after the pump stopped looking (it is refused).
//
// Threads: push_start from any thread; open/request_stop from the engine's
// controlling thread; take() and fd() from the pump (or, once it has
// stopped, the controlling thread).
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "node_runtime.hpp"
#include "engine/process_starter.hpp"
#include "store/store.hpp"

namespace weir::engine {

// Answered once committed (or failed): through `done` when it is set (called
// on the pump thread: it must not block), else through the promise.
struct StartReply {
  std::promise<StartResult> promise;
  StartDone done;
  void set_value(StartResult r) {
    if (done) done(std::move(r));
    else promise.set_value(std::move(r));
  }
  std::future<StartResult> get_future() { return promise.get_future(); }
};

struct StartCommand {
  std::string topology;
  std::vector<store::QueueId> entry_queues;  // set by the pump when it commits the start
  std::int64_t delta_overlap_ms = -1;        // the topology's `delta:`; -1: none
  std::vector<StartRequest> requests;
  StartReply reply;
};

struct ReplayCommand {
  store::Replay replay;
  std::promise<Result<ReplayOutcome>> reply;  // set once committed (or failed)
};

// A topology's nodes, replaced while the engine runs (hot reload), or, with
// no nodes, taken out (its messages stay in their queues).
struct SwapCommand {
  std::string topology;
  std::vector<std::shared_ptr<NodeRuntime>> nodes;  // the new version's; empty: remove
  std::vector<store::QueueId> entry_queues;
  // Queues of nodes the new version no longer has: emptied into the trash
  // once every result of the old nodes is committed.
  std::vector<store::QueueRetirement> retirements;
  // The replaced nodes, once no call runs on them (the caller destroys their
  // instances), or why nothing was swapped.
  std::promise<Result<std::vector<std::shared_ptr<NodeRuntime>>>> reply;
  // Only the retirements: the topology does not run (refused if it does).
  bool only_retire = false;
};

class CommandQueue {
 public:
  CommandQueue();
  ~CommandQueue();
  CommandQueue(const CommandQueue&) = delete;
  CommandQueue& operator=(const CommandQueue&) = delete;

  void open();
  // False (and `cmd` untouched) when the queue is not open.
  bool push_start(std::unique_ptr<StartCommand>& cmd);
  bool push_replay(std::unique_ptr<ReplayCommand>& cmd);
  bool push_swap(std::unique_ptr<SwapCommand>& cmd);
  // Another writer of the store (a host of the same cluster) put messages
  // into these queues: the pump leases from them again. Any thread.
  void push_ready(const std::vector<store::QueueId>& queues);
  void request_stop();
  // While a commit runs, starts cannot be committed anyway: with quiet on, a
  // start does not wake the pump (replays, swaps and stop still do). The pump
  // turns it off when the commit is back and then take()s what came.
  void quiet_starts(bool quiet);

  int fd() const { return fd_; }
  struct Taken {
    std::vector<std::unique_ptr<StartCommand>> starts;
    std::vector<std::unique_ptr<ReplayCommand>> replays;
    std::vector<std::unique_ptr<SwapCommand>> swaps;
    std::vector<store::QueueId> ready;
    bool stop = false;
  };
  // Takes everything queued and clears the wakeup.
  Taken take();

 private:
  void wake();
  bool empty_locked() const;  // nothing waits for the pump (mu_ held)
  int fd_ = -1;
  std::mutex mu_;
  std::vector<std::unique_ptr<StartCommand>> starts_;  // guarded by mu_
  std::vector<std::unique_ptr<ReplayCommand>> replays_;  // guarded by mu_
  std::vector<std::unique_ptr<SwapCommand>> swaps_;      // guarded by mu_
  std::vector<store::QueueId> ready_;                    // guarded by mu_
  bool stop_ = false;                                  // guarded by mu_
  bool open_ = false;                                  // guarded by mu_
  bool quiet_starts_ = false;                          // guarded by mu_
};

}  // namespace weir::engine
