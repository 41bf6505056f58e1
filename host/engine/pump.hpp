// The pump: the engine's dispatcher. Each loop it
//   1. drains worker results (ZeroMQ ROUTER) and commands (start, stop),
//   2. takes back a finished commit: its leased messages fill the nodes'
//      prefetch buffers, completed processes go to the listeners,
//   3. hands prefetched messages to idle workers (max_batch per call, at most
//      `concurrency` calls per node),
//   4. if the committer is idle, gives it the next batch: in ONE store
//      transaction, the acknowledged inputs with their outputs to the
//      followers, new processes, state writes, and leases that top up each
//      node's prefetch buffer.
// The committer (committer.hpp) runs the transaction on its own thread, so
// while it waits for fsync the pump keeps dispatching and results pile up
// for the next commit: commits grow with load (group commit) without any
// timer, and a freed call slot is refilled from the prefetch buffer at once.
//
// Capacity: a node never has more than `concurrency` calls in flight, and a
// call only goes to an idle worker, so a slow node cannot take more workers
// than its concurrency from the others.
//
// If a commit fails (disk full, I/O error) nothing of it is applied: the
// results stay pending and are retried with backoff; start requests in it are
// answered with the error (the caller keeps its data); no message is lost.
// On stop, once no commit is under way, leased messages that no worker got
// are released, so a clean stop counts a delivery attempt only against
// messages a worker really had.
//
// Crash safety: a message on record as in flight when the host stopped
// (crashes > 0) may be what crashes it. It runs in quarantine: the pump
// drains every call, gives back every other lease, and runs the suspect
// alone, so a further crash counts against it and nobody else. A message
// whose attempts are used up that way goes to the trash instead of running
// ("crashed the host N times"); see pump_quarantine.cpp.
//
// Reload (hot reload of a topology or of a plugin): the engine sends a
// SwapCommand with the topology's new nodes (or none, to take it out). From
// then on the old nodes get no new calls and no new leases; once their last
// call has answered and no commit is under way, the pump swaps: a node that
// keeps its queue in the new version takes over the old one's prefetched
// messages, other leases are given back, the entry points change, and the
// old NodeRuntimes go back to the engine, which destroys their instances.
// So a plugin build's in-flight calls finish on that build, and new calls go
// to the new one. Queues of nodes the new version no longer has are emptied
// into the trash only after every result of the old nodes is committed
// (the store applies retirements before the acks of the same commit).
// Other topologies keep flowing throughout.
//
// Threads: the constructor, install() and bind() on the engine's thread,
// run() on the pump thread; everything else is private to run().
#pragma once

#include <chrono>
#include <deque>
#include <random>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "engine/command_queue.hpp"
#include "engine/committer.hpp"
#include "engine/node_runtime.hpp"
#include "engine/routing.hpp"
#include "engine/work_protocol.hpp"
#include "store/store.hpp"

namespace weir::engine {

using FinishedListener = std::function<void(const store::ProcessRecord&)>;

struct PumpOptions {
  std::size_t workers = 1;  // how many workers will announce themselves
  std::size_t max_acks_per_commit = 10000;
  std::chrono::milliseconds drain_timeout{30000};
};

class Pump {
 public:
  Pump(zmq::context_t& ctx, std::string endpoint, store::Store& store, CommandQueue& commands,
       PumpOptions options, std::vector<FinishedListener> listeners);

  // A topology's nodes, before run() (later ones come as SwapCommands).
  void install(const std::string& topology, std::vector<std::shared_ptr<NodeRuntime>> nodes,
               std::vector<store::QueueId> entry_queues);
  void bind();  // before any worker connects
  void run();   // until stopped and drained; then tells every worker to quit

 private:
  struct InFlightCall {
    std::uint32_t slot = 0;
    std::vector<store::QueuedMessage> inputs;
  };
  // The pump's view of one node.
  struct NodeState {
    std::deque<store::QueuedMessage> prefetched;  // leased, not yet handed to a worker
    int calls = 0;                                // calls in flight
    std::size_t in_flight = 0;                    // messages in those calls
    bool maybe_ready = true;  // its queue may hold messages not leased yet (see note_readiness)
    bool retiring = false;    // a swap replaces it: no new calls, no new leases
  };
  struct PendingRetirement {
    std::uint64_t after_acks = 0;  // once this many acks are committed
    store::QueueRetirement retirement;
  };

  bool work_waiting() const;
  void wait_for_input(bool busy);
  void receive();
  void on_worker_message(zmq::message_t& identity, std::vector<zmq::message_t>& frames);
  void on_result(const std::string& worker, const zmq::message_t& header,
                 const zmq::message_t& body);
  void take_commands();
  // Reload: swaps whose old nodes are idle (see the file comment).
  void advance_swaps();
  bool swap_ready() const;
  void aim_prerequisite(store::Ack& ack);
  std::vector<std::shared_ptr<NodeRuntime>> swap(SwapCommand& cmd);
  // A node that may get calls and leases now.
  bool active(const NodeRuntime* node) const {
    return node && node->runs() && !state_[node->slot].retiring;
  }
  void push_ack(store::Ack&& ack) {
    acks_.push_back(std::move(ack));
    ++acks_pushed_;
  }
  void collect_commit();
  void submit_commit();
  store::CommitBatch build_batch();
  void plan_stop();
  bool finished_stopping() const;
  std::vector<store::LeaseRequest> plan_leases() const;
  // Gives back every lease no worker has; `keep` (slot, id) stays leased.
  std::vector<store::LeaseRelease> plan_releases(
      std::optional<std::pair<std::uint32_t, std::uint64_t>> keep = std::nullopt);
  std::size_t prefetch_target(const NodeRuntime& node) const;
  void on_commit_failed(store::CommitBatch& batch, const Status& error);
  void on_committed(store::CommitBatch& batch, store::CommitResult& result);
  void note_readiness(const store::CommitBatch& batch, const store::CommitResult& result);
  void take_leased(std::vector<store::QueuedMessage>&& leased);
  void answer_replays(const store::CommitResult& result);
  void answer_all(const Status& error);
  // pump_quarantine.cpp
  bool is_suspect(const NodeRuntime& node) const;
  void advance_quarantine();
  void end_quarantine(std::uint32_t slot);
  void dispatch();
  void send_call(NodeRuntime& node);
  bool drained() const;
  bool retries_due() const;
  void quit_workers();

  zmq::socket_t router_;
  std::string endpoint_;
  store::Store& store_;
  std::vector<std::shared_ptr<NodeRuntime>> nodes_;  // by slot; null once swapped out
  EntryPoints topologies_;                           // where each topology's processes start
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> slots_;  // by topology
  std::vector<std::uint32_t> free_slots_;  // of swapped-out nodes, for the next swap
  std::unordered_map<store::QueueId, NodeRuntime*> by_queue_;  // the current node of each queue
  CommandQueue& commands_;
  PumpOptions options_;
  std::vector<FinishedListener> listeners_;

  std::vector<std::string> workers_;  // every worker that announced itself
  std::vector<std::string> idle_;     // workers waiting for a call
  std::unordered_map<std::uint64_t, InFlightCall> calls_;
  std::uint64_t next_call_id_ = 1;
  std::vector<NodeState> state_;  // by slot
  std::size_t round_robin_ = 0;

  std::deque<store::Ack> acks_;
  std::vector<store::StatePut> puts_;
  std::vector<std::unique_ptr<StartCommand>> starts_;      // not yet in a commit
  std::vector<std::unique_ptr<StartCommand>> committing_;  // in the commit under way
  std::vector<std::unique_ptr<ReplayCommand>> replays_;             // not yet in a commit
  std::vector<std::unique_ptr<ReplayCommand>> committing_replays_;  // in the commit under way
  std::deque<std::unique_ptr<SwapCommand>> swaps_;  // in order of arrival
  std::vector<PendingRetirement> retirements_;      // not yet in a successful commit
  std::uint64_t acks_pushed_ = 0;     // acks ever added to acks_ (not counting re-queued ones)
  std::uint64_t acks_committed_ = 0;  // of those, how many are committed (acks_ is FIFO)
  Committer committer_;
  std::chrono::steady_clock::time_point retry_after_;      // after a failed commit
  std::int64_t next_due_ms_ = 1;  // wall clock ms of the next waiting retry (0: none);
                                  // 1 at start: the first commit looks
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};
  bool stopping_ = false;
  std::vector<store::LeaseRelease> releases_;  // leases to give back, until committed
  bool releases_planned_ = false;              // for the stop

  // Quarantine of a crash suspect: drain, release the rest, run it alone.
  enum class Quarantine { none, draining, releasing, ready, running };
  Quarantine quarantine_ = Quarantine::none;
  std::uint32_t suspect_slot_ = 0;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace weir::engine
