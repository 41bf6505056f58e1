// NodeTable: which node runs in each slot, which node serves each queue, and
// where each topology's processes start. A slot is a node's number on the
// wire (a call's header carries it) and in the dispatcher's per-node state.
//
// A swap (hot reload) puts a topology's new nodes in, freed slots first, and
// takes its old ones out. It reports, for each old slot, the new slot that
// serves the same queue (its heir, which takes over the prefetched messages)
// or that nobody does now, so the dispatcher can move or give back what the
// old slot held. A slot freed by a swap is reused only by a later swap, so an
// old slot and its heir are never the same. The table does not check that
// the old nodes are idle: the pump swaps only once they are (pump.hpp).
//
// Threads: the engine's thread before the pump runs, then the pump's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node_runtime.hpp"
#include "routing.hpp"

namespace weir::engine {

class NodeTable {
 public:
  struct Handover {
    std::uint32_t old_slot = 0;
    store::QueueId queue = 0;
    std::optional<std::uint32_t> heir;  // the new slot serving `queue` (and running); none: nobody
  };
  struct Swapped {
    std::vector<std::shared_ptr<NodeRuntime>> old;  // back to the engine, which destroys them
    std::vector<Handover> handovers;                // one per old slot
    std::vector<std::uint32_t> new_slots;
  };

  // Installs `nodes` as `topology` (setting each node's slot), replacing the
  // topology's old nodes; no nodes: takes the topology out.
  Swapped swap(const std::string& topology, std::vector<std::shared_ptr<NodeRuntime>> nodes,
               std::vector<store::QueueId> entry_queues);

  std::size_t slots() const { return nodes_.size(); }       // some may be empty
  NodeRuntime* at(std::uint32_t slot) const { return nodes_[slot].get(); }  // null: empty
  NodeRuntime* serving(store::QueueId queue) const;          // null: no node serves it
  std::vector<store::QueueId> served_queues() const;
  const EntryPoints& entry_points() const { return entry_points_; }
  // The slots of a running topology; null when it does not run here.
  const std::vector<std::uint32_t>* slots_of(std::string_view topology) const;

 private:
  std::vector<std::shared_ptr<NodeRuntime>> nodes_;  // by slot; null once swapped out
  EntryPoints entry_points_;
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> slots_;  // by topology
  std::vector<std::uint32_t> free_slots_;  // of swapped-out nodes, for the next swap
  std::unordered_map<store::QueueId, NodeRuntime*> by_queue_;  // the current node of each queue
};

}  // namespace weir::engine
