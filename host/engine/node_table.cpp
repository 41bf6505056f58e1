#include "node_table.hpp"

#include <algorithm>

namespace weir::engine {

NodeTable::Swapped NodeTable::swap(const std::string& topology,
                                   std::vector<std::shared_ptr<NodeRuntime>> nodes,
                                   std::vector<store::QueueId> entry_queues) {
  Swapped out;
  for (auto& n : nodes) {
    if (free_slots_.empty()) {
      n->slot = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
    } else {  // reused: nothing refers to a freed slot any more (no call, no quarantine)
      n->slot = free_slots_.back();
      free_slots_.pop_back();
    }
    out.new_slots.push_back(n->slot);
    nodes_[n->slot] = n;
  }
  if (auto it = slots_.find(topology); it != slots_.end()) {
    for (std::uint32_t slot : it->second) {
      const store::QueueId queue = nodes_[slot]->queue;
      auto heir = std::find_if(nodes.begin(), nodes.end(),
                               [&](const auto& n) { return n->queue == queue; });
      Handover h{slot, queue, std::nullopt};
      if (heir != nodes.end() && (*heir)->runs()) h.heir = (*heir)->slot;
      if (heir == nodes.end()) by_queue_.erase(queue);  // a paused heir still serves it
      out.handovers.push_back(h);
      out.old.push_back(std::move(nodes_[slot]));
      free_slots_.push_back(slot);
    }
    slots_.erase(it);
  }
  for (const auto& n : nodes) by_queue_[n->queue] = n.get();
  if (nodes.empty()) {
    entry_points_.erase(topology);
  } else {
    entry_points_[topology] = std::move(entry_queues);
    slots_[topology] = out.new_slots;
  }
  return out;
}

NodeRuntime* NodeTable::serving(store::QueueId queue) const {
  auto it = by_queue_.find(queue);
  return it == by_queue_.end() ? nullptr : it->second;
}

std::vector<store::QueueId> NodeTable::served_queues() const {
  std::vector<store::QueueId> out;
  out.reserve(by_queue_.size());
  for (const auto& [queue, node] : by_queue_) out.push_back(queue);
  return out;
}

const std::vector<std::uint32_t>* NodeTable::slots_of(std::string_view topology) const {
  auto it = slots_.find(topology);
  return it == slots_.end() ? nullptr : &it->second;
}

}  // namespace weir::engine
