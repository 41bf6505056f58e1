#include "dispatcher.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "routing.hpp"

namespace weir::engine {
namespace {

// Prefetch per node: two rounds of full calls, so a freed call slot finds
// its next batch waiting; bounded so memory stays small with big batches.
constexpr std::size_t kMaxPrefetch = 4000;

}  // namespace

std::string Dispatcher::lane_of(const std::string& worker_id) {
  const auto slash = worker_id.rfind('/');
  return slash == std::string::npos ? std::string() : worker_id.substr(0, slash);
}

void Dispatcher::worker_announced(std::string id) {
  workers_.push_back(id);
  worker_idle(std::move(id));
}

void Dispatcher::worker_idle(std::string id) {
  idle_[lane_of(id)].push_back(std::move(id));
  ++idle_count_;
}

bool Dispatcher::lane_idle(const NodeRuntime& node) const {
  const auto it = idle_.find(node.lane);
  return it != idle_.end() && !it->second.empty();
}

bool Dispatcher::active(const NodeRuntime* node) const {
  return node && node->runs() && !state_[node->slot].retiring;
}

bool Dispatcher::is_suspect(const NodeRuntime& node) const {
  const auto& buffer = state_[node.slot].prefetched;
  return !buffer.empty() && buffer.front().crashes > 0;
}

std::size_t Dispatcher::prefetch_target(const NodeRuntime& node) const {
  return std::min(kMaxPrefetch, 2 * static_cast<std::size_t>(node.concurrency) * node.max_batch);
}

bool Dispatcher::leases_ours() const {
  return !lapse_pending() && store_.leases_held();
}

std::vector<store::LeaseRelease> Dispatcher::give_back_after_lapse() {
  lapses_handled_ = store_.lease_lapses();
  all_maybe_ready();
  return give_back();
}

bool Dispatcher::can_dispatch() const {
  if (idle_count_ == 0 || !leases_ours()) return false;
  for (std::uint32_t slot = 0; slot < table_.slots(); ++slot) {
    const NodeRuntime* n = table_.at(slot);
    if (!active(n)) continue;
    const NodeState& s = state_[slot];
    if (!s.prefetched.empty() && s.calls < n->concurrency && lane_idle(*n)) return true;
  }
  return false;
}

// One node after another from a rotating start, so no node is always
// served last.
std::optional<std::uint32_t> Dispatcher::dispatch() {
  if (!leases_ours()) return std::nullopt;
  const std::size_t count = table_.slots();
  bool sent = true;
  while (sent && idle_count_ > 0) {
    sent = false;
    for (std::size_t k = 0; k < count && idle_count_ > 0; ++k) {
      NodeRuntime* candidate = table_.at(static_cast<std::uint32_t>((round_robin_ + k) % count));
      if (!active(candidate)) continue;
      NodeRuntime& node = *candidate;
      NodeState& s = state_[node.slot];
      if (s.prefetched.empty() || s.calls >= node.concurrency || !lane_idle(node)) continue;
      if (is_suspect(node)) {  // stop handing out work: it runs alone
        spdlog::warn("[{}/{}] message {} was in a call when the host stopped {} time(s); "
                     "running it alone",
                     node.topology, node.node, s.prefetched.front().id,
                     s.prefetched.front().crashes);
        return node.slot;
      }
      send_call(node, node.max_batch);
      sent = true;
    }
    round_robin_ = count ? (round_robin_ + 1) % count : 0;
  }
  return std::nullopt;
}

bool Dispatcher::can_dispatch_alone(std::uint32_t slot) const {
  const NodeRuntime* node = table_.at(slot);
  return node && lane_idle(*node) && leases_ours();
}

bool Dispatcher::dispatch_alone(std::uint32_t slot) {
  if (!can_dispatch_alone(slot) || state_[slot].prefetched.empty()) return false;
  send_call(*table_.at(slot), 1);
  return true;
}

void Dispatcher::send_call(NodeRuntime& node, std::size_t most) {
  NodeState& s = state_[node.slot];
  std::vector<store::QueuedMessage> inputs;
  while (!s.prefetched.empty() && inputs.size() < most) {
    inputs.push_back(std::move(s.prefetched.front()));
    s.prefetched.pop_front();
  }
  // Before the send: should the host die from here on, recovery knows these
  // were in a call (and the rest of the buffer was not).
  std::vector<std::uint64_t> seqs;
  seqs.reserve(inputs.size());
  for (const auto& m : inputs) seqs.push_back(m.seq);
  store_.note_call(node.queue, seqs);
  const std::uint64_t id = next_call_id_++;
  std::vector<std::string>& idle = idle_[node.lane];
  std::string worker = std::move(idle.back());
  idle.pop_back();
  --idle_count_;
  send_(worker, id, node, inputs);
  ++s.calls;
  s.in_flight += inputs.size();
  node.in_flight += static_cast<std::int64_t>(inputs.size());
  calls_.emplace(id, InFlightCall{node.slot, std::move(inputs)});
}

std::optional<Dispatcher::Ended> Dispatcher::end_call(std::uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return std::nullopt;
  Ended out{it->second.slot, std::move(it->second.inputs)};
  calls_.erase(it);
  NodeState& s = state_[out.slot];
  --s.calls;
  s.in_flight -= out.inputs.size();
  table_.at(out.slot)->in_flight -= static_cast<std::int64_t>(out.inputs.size());
  return out;
}

bool Dispatcher::idle(const std::vector<std::uint32_t>& slots) const {
  return std::all_of(slots.begin(), slots.end(),
                     [&](std::uint32_t slot) { return state_[slot].calls == 0; });
}

void Dispatcher::retire(const std::vector<std::uint32_t>& slots) {
  for (std::uint32_t slot : slots) state_[slot].retiring = true;
}

std::vector<store::LeaseRequest> Dispatcher::plan_leases(bool quiet) const {
  std::vector<store::LeaseRequest> out;
  if (quiet) return out;
  for (std::uint32_t slot = 0; slot < table_.slots(); ++slot) {
    const NodeRuntime* n = table_.at(slot);
    if (!active(n)) continue;
    const NodeState& s = state_[slot];
    const std::size_t have = s.prefetched.size() + s.in_flight;
    const std::size_t target = prefetch_target(*n);
    if (s.maybe_ready && have < target) out.push_back({n->queue, target - have});
  }
  return out;
}

// Messages leave a node's buffer in seq order, so everything above the
// newest one in a call (or everything, when no call runs) is unstarted.
std::vector<store::LeaseRelease> Dispatcher::give_back(std::optional<std::uint32_t> keep) {
  std::vector<store::LeaseRelease> out;
  std::vector<std::uint64_t> newest(table_.slots(), 0);  // seqs
  for (const auto& [id, call] : calls_) {
    for (const auto& m : call.inputs) newest[call.slot] = std::max(newest[call.slot], m.seq);
  }
  for (std::uint32_t slot = 0; slot < table_.slots(); ++slot) {
    const NodeRuntime* n = table_.at(slot);
    if (!n) continue;
    auto& buffer = state_[slot].prefetched;
    store_.note_started(n->queue, newest[slot]);  // a kept suspect has not started
    std::uint64_t suspect = 0;
    if (keep == slot && !buffer.empty()) {  // the suspect is at the front of its buffer
      suspect = buffer.front().seq;
      newest[slot] = std::max(newest[slot], suspect);
      buffer.erase(buffer.begin() + 1, buffer.end());
    } else {
      buffer.clear();
    }
    out.push_back({n->queue, newest[slot], suspect});
  }
  return out;
}

void Dispatcher::held_leases(std::vector<store::LeaseKey>& out) const {
  for (std::uint32_t slot = 0; slot < table_.slots(); ++slot) {
    const NodeRuntime* n = table_.at(slot);
    if (!n) continue;
    for (const auto& m : state_[slot].prefetched) out.push_back({m.queue, m.seq});
  }
  for (const auto& [id, call] : calls_) {
    for (const auto& m : call.inputs) out.push_back({m.queue, m.seq});
  }
}

// Leased messages join their node's buffer, except those whose attempts
// crashes of the host have used up: they go to the trash without running.
Dispatcher::Taken Dispatcher::take_leased(std::vector<store::QueuedMessage>&& leased) {
  Taken out;
  for (auto& m : leased) {
    const NodeRuntime* node = table_.serving(m.queue);
    if (!node) {  // never asked for (a swap waits for the commit): give back
      spdlog::error("engine: leased message {} of a queue no node serves; giving it back", m.id);
      out.releases.push_back({m.queue, 0});
      continue;
    }
    if (attempts_used_up(*node, m)) {
      store::Ack ack = set_aside(*node, std::move(m), Moment{now_ms(), 0.5});
      spdlog::error("[{}/{}] message {} of process {}: {}", node->topology, node->node,
                    ack.input.id, ack.input.process_id, ack.failed->error);
      out.set_aside.push_back(std::move(ack));
      continue;
    }
    state_[node->slot].prefetched.push_back(std::move(m));
  }
  return out;
}

void Dispatcher::note_readiness(const store::CommitBatch& batch, const store::CommitResult& result) {
  std::unordered_map<store::QueueId, std::size_t> got;
  for (const auto& m : result.leased) ++got[m.queue];
  for (const auto& req : batch.leases) {
    const NodeRuntime* node = table_.serving(req.queue);
    if (node && got[req.queue] < req.max) state_[node->slot].maybe_ready = false;
  }
  auto filled = [&](store::QueueId q) {
    const NodeRuntime* node = table_.serving(q);  // a replay may fill a queue not served
    if (node && !got.count(q)) state_[node->slot].maybe_ready = true;
  };
  for (const auto& ack : batch.acks) {
    for (const auto& out : ack.outputs) filled(out.queue);
    if (ack.prerequisite) {  // a process of it may have started
      for (auto q : ack.prerequisite->entry_queues) filled(q);
    }
  }
  for (const auto& np : batch.new_processes) {
    for (auto q : np.entry_queues) filled(q);
  }
  for (auto q : result.promoted) filled(q);
}

void Dispatcher::queues_ready(const std::vector<store::QueueId>& queues) {
  if (queues.empty()) return;
  for (std::uint32_t slot = 0; slot < table_.slots(); ++slot) {
    const NodeRuntime* n = table_.at(slot);
    if (n && std::find(queues.begin(), queues.end(), n->queue) != queues.end()) {
      state_[slot].maybe_ready = true;
    }
  }
}

void Dispatcher::all_maybe_ready() {
  for (auto& s : state_) s.maybe_ready = true;
}

std::vector<store::LeaseRelease> Dispatcher::hand_over(const NodeTable::Swapped& swapped) {
  state_.resize(table_.slots());
  for (std::uint32_t slot : swapped.new_slots) state_[slot] = NodeState{};
  std::vector<store::LeaseRelease> out;
  for (const auto& h : swapped.handovers) {
    NodeState& was = state_[h.old_slot];
    if (h.heir) {
      state_[*h.heir].prefetched = std::move(was.prefetched);
    } else {  // nobody runs this queue now (and no call does): its leases go back
      out.push_back({h.queue, 0});
      store_.note_started(h.queue, 0);
    }
    was = NodeState{};
  }
  return out;
}

}  // namespace weir::engine
