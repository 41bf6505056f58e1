// Dispatcher: hands leased messages to idle workers.
//
// Per node slot it keeps the prefetch buffer (messages leased, not yet in a
// call, in seq order), the calls in flight, and whether the node's queue may
// hold messages not leased yet; per worker, whether it is idle. From that it
// decides which node's messages go out next (nodes take turns from a
// rotating start; at most `concurrency` calls per node, `max_batch` messages
// per call, a call only to an idle worker, so a slow node cannot take more
// workers than its concurrency), what to lease to top each buffer up, and
// what to give back.
//
// Prefetch: each node keeps up to 2 x concurrency x max_batch (at most
// 4,000) messages leased ahead, so a freed call slot is refilled at once
// instead of one fsync later.
//
// Readiness (note_readiness) is derived only from committed facts: a lease
// that came back short means the queue had nothing more unleased at that
// commit; a commit that put messages into a queue it did not lease from
// makes that queue ready again.
//
// Lanes: a node that names an application (`app:`) runs its calls only on
// that application's workers (identities "<app>/<n>"); every other node on
// the shared workers ("w<n>"). A call waiting inside the host's HTTP client
// for its application's budget (a 1/s shop) so holds a worker only of its
// own lane, never one that other nodes need (docs/architecture.md,
// "Isolation").
//
// Before a call goes out the store is told which seqs it holds
// (Store::note_started), and when leases go back, which ones are still in a
// call: a crash then blames only what a call had started.
//
// Threads: the pump's.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "node_table.hpp"
#include "store/store.hpp"

namespace weir::engine {

// Sends one call: `inputs` to `worker`, as call `call_id` of `node`.
using SendCall = std::function<void(const std::string& worker, std::uint64_t call_id,
                                    NodeRuntime& node,
                                    const std::vector<store::QueuedMessage>& inputs)>;

class Dispatcher {
 public:
  Dispatcher(const NodeTable& table, store::Store& store, SendCall send)
      : table_(table), store_(store), send_(std::move(send)) {}

  // ---- workers ----
  void worker_announced(std::string id);  // a new worker, idle
  void worker_idle(std::string id);       // it answered its call
  // The lane a worker serves: "" for the shared ones ("w<n>"), the
  // application's name for "<app>/<n>".
  static std::string lane_of(const std::string& worker_id);
  std::size_t workers() const { return workers_.size(); }
  const std::vector<std::string>& all_workers() const { return workers_; }

  // ---- calls ----
  // Sends calls while workers are idle and nodes have work. Stops at a node
  // whose next message is a crash suspect (crashes > 0), sending nothing
  // more, and returns its slot (the caller quarantines it).
  std::optional<std::uint32_t> dispatch();
  // Sends the suspect at the front of `slot`'s buffer in a call of its own.
  // False when no worker is idle.
  bool dispatch_alone(std::uint32_t slot);
  // A call could go out now (a node has messages, room and an idle worker,
  // and the leases are this host's: leases_ours()).
  bool can_dispatch() const;
  bool can_dispatch_alone(std::uint32_t slot) const;
  // Calls start only while the store says this host's leases are surely its
  // own (a cluster host whose renewal is late stops dispatching) and no
  // lapse of them waits to be handled.
  bool leases_ours() const;
  // A lapse: the leases were renewed after a gap, so what the buffers hold
  // may be another host's by now. give_back_after_lapse() gives it all back
  // (to lease again); calls already running finish, their acks fenced.
  bool lapse_pending() const { return store_.lease_lapses() != lapses_handled_; }
  std::vector<store::LeaseRelease> give_back_after_lapse();

  struct Ended {
    std::uint32_t slot = 0;
    std::vector<store::QueuedMessage> inputs;
  };
  // The call answered (counters updated); nullopt for an unknown call id.
  std::optional<Ended> end_call(std::uint64_t call_id);
  bool calls_running() const { return !calls_.empty(); }
  std::size_t calls_running_count() const { return calls_.size(); }
  // No call runs on any of `slots`.
  bool idle(const std::vector<std::uint32_t>& slots) const;
  // No new calls or leases for `slots` (a swap waits for them to go idle).
  void retire(const std::vector<std::uint32_t>& slots);

  // ---- leases ----
  // What to lease in the next commit to top the buffers up (none while
  // `quiet`: a quarantine).
  std::vector<store::LeaseRequest> plan_leases(bool quiet) const;
  bool wants_leases() const { return !plan_leases(false).empty(); }
  // Gives back every lease no call holds, on every node (a lease cursor may
  // be ahead of the calls even with an empty buffer); `keep`: that slot's
  // first prefetched message stays leased (a quarantined suspect).
  std::vector<store::LeaseRelease> give_back(std::optional<std::uint32_t> keep = std::nullopt);
  // Every lease in a buffer or a call, appended to `out`.
  void held_leases(std::vector<store::LeaseKey>& out) const;
  // Freshly leased messages join their nodes' buffers. Those of a queue no
  // node serves are given back (in `releases`); those whose attempts
  // crashes have used up become acks for the trash (`set_aside`).
  struct Taken {
    std::vector<store::Ack> set_aside;
    std::vector<store::LeaseRelease> releases;
  };
  Taken take_leased(std::vector<store::QueuedMessage>&& leased);
  void note_readiness(const store::CommitBatch& batch, const store::CommitResult& result);
  void all_maybe_ready();  // the leases a quarantine gave back are ready again
  // Another host put messages into these queues (Store::watch_queues).
  void queues_ready(const std::vector<store::QueueId>& queues);

  // ---- reload ----
  // After NodeTable::swap: heirs take over their old slot's buffer; queues
  // nobody serves now are given back (returned).
  std::vector<store::LeaseRelease> hand_over(const NodeTable::Swapped& swapped);

  const std::deque<store::QueuedMessage>& prefetched(std::uint32_t slot) const {
    return state_.at(slot).prefetched;
  }

 private:
  struct InFlightCall {
    std::uint32_t slot = 0;
    std::vector<store::QueuedMessage> inputs;
  };
  // The dispatcher's view of one node.
  struct NodeState {
    std::deque<store::QueuedMessage> prefetched;  // leased, not yet in a call
    int calls = 0;                                // calls in flight
    std::size_t in_flight = 0;                    // messages in those calls
    bool maybe_ready = true;  // its queue may hold messages not leased yet
    bool retiring = false;    // a swap replaces it: no new calls, no new leases
  };

  NodeState& state(std::uint32_t slot);  // grows with the table
  bool active(const NodeRuntime* node) const;
  bool is_suspect(const NodeRuntime& node) const;
  std::size_t prefetch_target(const NodeRuntime& node) const;
  void send_call(NodeRuntime& node, std::size_t most);
  bool lane_idle(const NodeRuntime& node) const;

  const NodeTable& table_;
  store::Store& store_;
  SendCall send_;
  std::vector<NodeState> state_;      // by slot
  std::vector<std::string> workers_;  // every worker that announced itself
  std::unordered_map<std::string, std::vector<std::string>> idle_;  // by lane: waiting for a call
  std::size_t idle_count_ = 0;
  std::unordered_map<std::uint64_t, InFlightCall> calls_;
  std::uint64_t next_call_id_ = 1;
  std::size_t round_robin_ = 0;
  std::uint64_t lapses_handled_ = 0;  // the store's lease_lapses() at the last give-back
};

}  // namespace weir::engine
