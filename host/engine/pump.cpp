#include "engine/pump.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "engine/routing.hpp"
#include "message/attempt_history.hpp"

namespace weir::engine {
namespace {

// Prefetch per node: two rounds of full calls, so a freed call slot finds
// its next batch waiting; bounded so memory stays small with big batches.
constexpr std::size_t kMaxPrefetch = 4000;

}  // namespace

Pump::Pump(zmq::context_t& ctx, std::string endpoint, store::Store& store, CommandQueue& commands,
           PumpOptions options, std::vector<FinishedListener> listeners)
    : router_(ctx, zmq::socket_type::router),
      endpoint_(std::move(endpoint)),
      store_(store),
      commands_(commands),
      options_(options),
      listeners_(std::move(listeners)),
      committer_(store) {}

void Pump::install(const std::string& topology, std::vector<std::shared_ptr<NodeRuntime>> nodes,
                   std::vector<store::QueueId> entry_queues) {
  SwapCommand cmd;
  cmd.topology = topology;
  cmd.nodes = std::move(nodes);
  cmd.entry_queues = std::move(entry_queues);
  swap(cmd);
}

void Pump::bind() {
  router_.set(zmq::sockopt::router_mandatory, 1);
  router_.set(zmq::sockopt::linger, 0);
  router_.bind(endpoint_);
}

void Pump::run() {
  for (;;) {
    wait_for_input(work_waiting());
    receive();
    take_commands();
    collect_commit();
    advance_swaps();
    dispatch();
    advance_quarantine();  // after dispatch, which may have found a suspect
    plan_stop();
    submit_commit();
    if (finished_stopping()) break;
  }
  if (!calls_.empty()) {
    spdlog::warn("engine: stopping with {} call(s) still running; their messages stay queued and "
                 "are redelivered at the next start",
                 calls_.size());
  }
  answer_all(Status::error("weir is shutting down; nothing was done"));
  quit_workers();
}

// Every command still waiting gets `error`; none is left hanging.
void Pump::answer_all(const Status& error) {
  for (auto* list : {&starts_, &committing_}) {
    for (auto& cmd : *list) cmd->reply.set_value(error);
    list->clear();
  }
  for (auto* list : {&replays_, &committing_replays_}) {
    for (auto& cmd : *list) cmd->reply.set_value(error);
    list->clear();
  }
  for (auto& cmd : swaps_) cmd->reply.set_value(error);
  swaps_.clear();
}

// Releases are planned once no commit is under way, so no lease can land in
// a prefetch buffer after they were computed.
void Pump::plan_stop() {
  if (!stopping_ || releases_planned_ || committer_.busy()) return;
  auto all = plan_releases();  // after any a swap left
  releases_.insert(releases_.end(), all.begin(), all.end());
  releases_planned_ = true;
}

bool Pump::finished_stopping() const {
  if (!stopping_ || committer_.busy()) return false;
  // Every worker must have announced itself, or one that does so later
  // would never get its quit message.
  if (workers_.size() != options_.workers) return false;
  const auto now = std::chrono::steady_clock::now();
  // (A quarantine in progress simply ends here: its suspect stays leased
  // and counts as in flight at the next start, which is what it is.)
  const bool released = releases_planned_ && releases_.empty();
  if (released && (drained() || now > drain_deadline_)) return true;
  // Commits keep failing (a broken disk): do not hang the stop forever.
  // What was not committed is still in the store and is redelivered.
  return now > drain_deadline_ + std::min<std::chrono::steady_clock::duration>(
                                     options_.drain_timeout, std::chrono::seconds(10));
}

std::size_t Pump::prefetch_target(const NodeRuntime& node) const {
  return std::min(kMaxPrefetch,
                  2 * static_cast<std::size_t>(node.concurrency) * node.max_batch);
}

// Something to hand out or to commit right now (so do not block in poll).
bool Pump::work_waiting() const {
  if (quarantine_ == Quarantine::ready && !stopping_ && !idle_.empty()) return true;
  for (const auto& n : nodes_) {
    if (quarantine_ != Quarantine::none) break;  // nothing else is handed out
    if (!active(n.get())) continue;
    const NodeState& s = state_[n->slot];
    if (!stopping_ && !s.prefetched.empty() && s.calls < n->concurrency && !idle_.empty()) {
      return true;
    }
  }
  if (committer_.busy() || std::chrono::steady_clock::now() < retry_after_) return false;
  if (!acks_.empty() || !puts_.empty() || !starts_.empty() || !replays_.empty() ||
      !releases_.empty()) {
    return true;
  }
  for (const auto& r : retirements_) {
    if (r.after_acks <= acks_committed_) return true;
  }
  if (swap_ready()) return true;
  if (stopping_) return false;
  if (retries_due()) return true;
  for (const auto& n : nodes_) {
    if (!active(n.get())) continue;
    const NodeState& s = state_[n->slot];
    if (s.maybe_ready && s.prefetched.size() + s.in_flight < prefetch_target(*n)) return true;
  }
  return false;
}

void Pump::wait_for_input(bool busy) {
  // With the ack buffer full, results wait in the socket: polling it then
  // would return at once, over and over, while a commit runs.
  const short router_events = acks_.size() < options_.max_acks_per_commit ? ZMQ_POLLIN : 0;
  zmq::pollitem_t items[] = {{router_.handle(), 0, router_events, 0},
                             {nullptr, commands_.fd(), ZMQ_POLLIN, 0},
                             {nullptr, committer_.fd(), ZMQ_POLLIN, 0}};
  using std::chrono::milliseconds;
  milliseconds timeout = busy ? milliseconds(0) : stopping_ ? milliseconds(50) : milliseconds(-1);
  const auto now = std::chrono::steady_clock::now();
  if (!busy && now < retry_after_) {
    timeout = std::chrono::ceil<milliseconds>(retry_after_ - now);
  }
  if (!busy && !stopping_ && next_due_ms_ > 0) {  // wake when the next retry is due
    const milliseconds until_due(std::max<std::int64_t>(0, next_due_ms_ - now_ms()));
    if (timeout.count() < 0 || until_due < timeout) timeout = until_due;
  }
  zmq::poll(items, 3, timeout);
}

void Pump::receive() {
  // Bounded so that one commit's transaction stays bounded too.
  while (acks_.size() < options_.max_acks_per_commit) {
    zmq::message_t identity;
    if (!router_.recv(identity, zmq::recv_flags::dontwait)) return;
    std::vector<zmq::message_t> frames;
    while (router_.get(zmq::sockopt::rcvmore)) {
      frames.emplace_back();
      (void)router_.recv(frames.back());
    }
    on_worker_message(identity, frames);
  }
}

void Pump::on_worker_message(zmq::message_t& identity, std::vector<zmq::message_t>& frames) {
  std::string worker = identity.to_string();
  if (frames.size() == 1 && frames[0].size() == 0) {  // a worker announcing itself
    workers_.push_back(worker);
    idle_.push_back(std::move(worker));
    return;
  }
  if (frames.size() != 2) {  // a host bug; keep the worker, its call stays in flight
    spdlog::error("engine: worker {} sent {} frames; expected 2", worker, frames.size());
    idle_.push_back(std::move(worker));
    return;
  }
  on_result(worker, frames[0], frames[1]);
  idle_.push_back(std::move(worker));
}

void Pump::on_result(const std::string& worker, const zmq::message_t& header,
                     const zmq::message_t& body) {
  auto h = read_header(header);
  auto it = h ? calls_.find(h->call_id) : calls_.end();
  if (it == calls_.end()) {
    spdlog::error("engine: worker {} answered an unknown call ({})", worker,
                  h ? std::to_string(h->call_id) : h.error());
    return;
  }
  InFlightCall call = std::move(it->second);
  calls_.erase(it);
  end_quarantine(call.slot);
  NodeRuntime& node = *nodes_[call.slot];
  NodeState& state = state_[call.slot];
  --state.calls;
  state.in_flight -= call.inputs.size();
  node.in_flight -= static_cast<std::int64_t>(call.inputs.size());
  auto result = read_result(body);
  if (!result) spdlog::error("engine: {}/{}: {}", node.topology, node.node, result.error());
  if (result) node.calls.observe(result->duration_us);
  for (std::size_t i = 0; i < call.inputs.size(); ++i) {
    MessageOutcome outcome;
    if (result && i < result->outcomes.size()) outcome = std::move(result->outcomes[i]);
    else outcome.error = "host error: the worker returned no outcome for this message";
    store::Ack ack = route(node, std::move(call.inputs[i]), std::move(outcome),
                           Clock{now_ms(), jitter_(rng_)}, topologies_);
    ack.duration_us = result ? result->duration_us : 0;
    if (ack.failed) {
      spdlog::warn("[{}/{}] message {} of process {} failed: {}", node.topology, node.node,
                   ack.input.id, ack.input.process_id, ack.failed->error);
    }
    if (ack.prerequisite) {
      spdlog::info("[{}/{}] message {} of process {} waits: {}", node.topology, node.node,
                   ack.input.id, ack.input.process_id, ack.prerequisite->why);
    }
    push_ack(std::move(ack));
  }
  if (result) {
    for (auto& [key, value] : result->state_puts) {
      puts_.push_back(store::StatePut{node.topology, std::move(key), std::move(value)});
    }
  }
}

void Pump::take_commands() {
  auto taken = commands_.take();
  if (taken.stop && !stopping_) {
    stopping_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + options_.drain_timeout;
  }
  for (auto& cmd : taken.replays) {
    if (stopping_) {
      cmd->reply.set_value(Status::error("weir is shutting down; nothing was replayed"));
      continue;
    }
    replays_.push_back(std::move(cmd));
  }
  for (auto& cmd : taken.swaps) swaps_.push_back(std::move(cmd));
  for (auto& cmd : taken.starts) {
    if (stopping_) {
      cmd->reply.set_value(Status::error("weir is shutting down; nothing was started"));
      continue;
    }
    if (cmd->requests.empty()) {  // nothing to commit: answer now, never strand it
      cmd->reply.set_value(std::vector<store::ProcessId>{});
      continue;
    }
    starts_.push_back(std::move(cmd));
  }
}

void Pump::collect_commit() {
  if (!committer_.busy()) return;
  auto done = committer_.take();
  if (!done) return;
  if (done->result) {
    on_committed(done->batch, *done->result);
  } else {
    on_commit_failed(done->batch, done->result.status());
  }
  committing_.clear();
  committing_replays_.clear();
  // Starts that came during the commit did not wake us (quiet): take them
  // now, so this iteration's commit carries them.
  commands_.quiet_starts(false);
  take_commands();
}

void Pump::submit_commit() {
  if (committer_.busy() || std::chrono::steady_clock::now() < retry_after_) return;
  // Every start command holds at least one request, so a batch that took
  // starts into committing_ is never empty.
  store::CommitBatch batch = build_batch();
  if (batch.empty()) return;
  committer_.submit(std::move(batch));
  commands_.quiet_starts(true);  // until collect_commit: a burst of starts wakes us once
}

store::CommitBatch Pump::build_batch() {
  store::CommitBatch batch;
  const std::size_t n = std::min(acks_.size(), options_.max_acks_per_commit);
  batch.acks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.acks.push_back(std::move(acks_.front()));
    acks_.pop_front();
  }
  batch.state_puts.swap(puts_);
  // Entry points are looked up now, not when the start was asked for: a
  // reload in between may have changed them.
  for (auto& cmd : starts_) {
    auto entry = topologies_.find(cmd->topology);
    if (entry == topologies_.end()) {
      cmd->reply.set_value(Status::error("topology " + cmd->topology +
                                         " is not running any more (removed or disabled by a "
                                         "reload); nothing was started"));
      continue;
    }
    cmd->entry_queues = entry->second;
    committing_.push_back(std::move(cmd));
  }
  starts_.clear();
  committing_replays_.swap(replays_);
  for (const auto& cmd : committing_replays_) batch.replays.push_back(cmd->replay);
  for (auto& ack : batch.acks) {
    if (ack.prerequisite) aim_prerequisite(ack);
  }
  for (auto& r : retirements_) {
    if (r.after_acks <= acks_committed_) batch.retirements.push_back(r.retirement);
  }
  std::erase_if(retirements_, [&](const auto& r) { return r.after_acks <= acks_committed_; });
  for (const auto& cmd : committing_) {
    for (const auto& req : cmd->requests) {
      batch.new_processes.push_back(store::NewProcess{cmd->topology, req.correlation_id,
                                                      cmd->entry_queues, req.headers,
                                                      req.payload, req.trigger, req.fire_ms});
    }
  }
  if (retries_due()) batch.promote_until_ms = now_ms();
  if (!stopping_) batch.leases = plan_leases();
  batch.releases = releases_;
  return batch;
}

// Tops up each node's prefetch buffer (messages leased but not yet in a call).
std::vector<store::LeaseRequest> Pump::plan_leases() const {
  std::vector<store::LeaseRequest> out;
  if (quarantine_ != Quarantine::none) return out;  // only the suspect may be leased
  for (const auto& n : nodes_) {
    if (!active(n.get())) continue;
    const NodeState& s = state_[n->slot];
    const std::size_t have = s.prefetched.size() + s.in_flight;
    const std::size_t target = prefetch_target(*n);
    if (s.maybe_ready && have < target) out.push_back({n->queue, target - have});
  }
  return out;
}

// Gives back every leased message no worker got, for every node (a cursor
// may be ahead of the calls even with an empty buffer). Messages leave a
// node's buffer in id order, so everything above the newest one in a call
// (or everything, when no call runs) is unstarted.
std::vector<store::LeaseRelease> Pump::plan_releases(
    std::optional<std::pair<std::uint32_t, std::uint64_t>> keep) {
  std::vector<store::LeaseRelease> out;
  std::vector<std::uint64_t> newest(nodes_.size(), 0);  // seqs
  for (const auto& [id, call] : calls_) {
    for (const auto& m : call.inputs) newest[call.slot] = std::max(newest[call.slot], m.seq);
  }
  for (const auto& n : nodes_) {
    if (!n) continue;
    auto& buffer = state_[n->slot].prefetched;
    store_.note_started(n->queue, newest[n->slot]);  // the suspect below has not started
    if (keep && keep->first == n->slot) {  // the suspect is at the front of its buffer
      newest[n->slot] = std::max(newest[n->slot], keep->second);
      buffer.erase(buffer.begin() + 1, buffer.end());
    } else {
      buffer.clear();
    }
    out.push_back({n->queue, newest[n->slot]});
  }
  return out;
}

void Pump::on_commit_failed(store::CommitBatch& batch, const Status& error) {
  spdlog::error("engine: commit failed, will retry (nothing was lost): {}", error.message());
  for (auto it = batch.acks.rbegin(); it != batch.acks.rend(); ++it) {
    acks_.push_front(std::move(*it));
  }
  // Before anything collected since: a newer write to the same key must win.
  puts_.insert(puts_.begin(), std::make_move_iterator(batch.state_puts.begin()),
               std::make_move_iterator(batch.state_puts.end()));
  for (auto& r : batch.retirements) retirements_.push_back({0, std::move(r)});
  for (auto& cmd : committing_) cmd->reply.set_value(error.prefixed("nothing was started"));
  for (auto& cmd : committing_replays_) cmd->reply.set_value(error.prefixed("nothing was replayed"));
  backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
  retry_after_ = std::chrono::steady_clock::now() + backoff_;
}

void Pump::on_committed(store::CommitBatch& batch, store::CommitResult& result) {
  backoff_ = std::chrono::milliseconds(0);
  acks_committed_ += batch.acks.size();
  if (!batch.releases.empty()) {
    releases_.clear();
    if (quarantine_ == Quarantine::releasing) quarantine_ = Quarantine::ready;
  }
  next_due_ms_ = result.next_due_ms;
  std::size_t next = 0;
  for (auto& cmd : committing_) {
    const std::size_t n = cmd->requests.size();
    cmd->reply.set_value(std::vector<store::ProcessId>(result.started.begin() + next,
                                                       result.started.begin() + next + n));
    next += n;
  }
  for (const auto& p : result.finished) {
    for (const auto& listener : listeners_) listener(p);
  }
  answer_replays(result);
  note_readiness(batch, result);
  take_leased(std::move(result.leased));
}

// The store reports replayed and missing ids in request order; walk both.
void Pump::answer_replays(const store::CommitResult& result) {
  std::size_t r = 0, m = 0;
  for (auto& cmd : committing_replays_) {
    ReplayOutcome out;
    for (std::int64_t id : cmd->replay.trash_ids) {
      if (r < result.replayed.size() && result.replayed[r] == id) {
        out.replayed.push_back(result.replayed[r++]);
      } else if (m < result.not_in_trash.size()) {
        out.not_in_trash.push_back(result.not_in_trash[m++]);
      }
    }
    cmd->reply.set_value(std::move(out));
  }
}

// Leased messages join their node's buffer, except those whose attempts
// crashes of the host have used up: they go to the trash without running.
void Pump::take_leased(std::vector<store::QueuedMessage>&& leased) {
  for (auto& m : leased) {
    auto found = by_queue_.find(m.queue);
    if (found == by_queue_.end()) {  // never asked for (a swap waits for the commit): give back
      spdlog::error("engine: leased message {} of a queue no node serves; giving it back", m.id);
      releases_.push_back({m.queue, 0});
      continue;
    }
    const NodeRuntime& node = *found->second;
    if (attempts_used_up(node, m)) {
      store::Ack ack = set_aside(node, std::move(m), Clock{now_ms(), 0.5});
      spdlog::error("[{}/{}] message {} of process {}: {}", node.topology, node.node,
                    ack.input.id, ack.input.process_id, ack.failed->error);
      push_ack(std::move(ack));
      continue;
    }
    state_[node.slot].prefetched.push_back(std::move(m));
  }
}

// Readiness follows what a commit did, never what is still pending: a lease
// that came back short means the queue had nothing more unleased at that
// commit (outputs of the same commit included); a queue that got messages in
// a commit without being leased in it may have some now.
void Pump::note_readiness(const store::CommitBatch& batch, const store::CommitResult& result) {
  std::unordered_map<store::QueueId, std::size_t> got;
  for (const auto& m : result.leased) ++got[m.queue];
  for (const auto& req : batch.leases) {
    if (got[req.queue] < req.max) state_[by_queue_.at(req.queue)->slot].maybe_ready = false;
  }
  auto filled = [&](store::QueueId q) {
    auto node = by_queue_.find(q);  // a replay may fill the queue of a topology not loaded
    if (node != by_queue_.end() && !got.count(q)) state_[node->second->slot].maybe_ready = true;
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

// Hands prefetched messages to idle workers, one node after another from a
// rotating start, so no node is always served last.
void Pump::dispatch() {
  if (stopping_) return;
  if (quarantine_ == Quarantine::ready) {  // the suspect runs alone
    if (idle_.empty()) return;
    send_call(*nodes_[suspect_slot_]);
    quarantine_ = Quarantine::running;
    return;
  }
  if (quarantine_ != Quarantine::none) return;
  const std::size_t count = nodes_.size();
  bool sent = true;
  while (sent && !idle_.empty()) {
    sent = false;
    for (std::size_t k = 0; k < count && !idle_.empty(); ++k) {
      NodeRuntime* candidate = nodes_[(round_robin_ + k) % count].get();
      if (!active(candidate)) continue;
      NodeRuntime& node = *candidate;
      NodeState& s = state_[node.slot];
      if (s.prefetched.empty() || s.calls >= node.concurrency) continue;
      if (is_suspect(node)) {  // stop handing out work: it runs alone
        quarantine_ = Quarantine::draining;
        suspect_slot_ = node.slot;
        spdlog::warn("[{}/{}] message {} was in flight when the host stopped {} time(s); "
                     "running it alone",
                     node.topology, node.node, s.prefetched.front().id,
                     s.prefetched.front().crashes);
        return;
      }
      send_call(node);
      sent = true;
    }
    round_robin_ = count ? (round_robin_ + 1) % count : 0;
  }
}

void Pump::send_call(NodeRuntime& node) {
  NodeState& s = state_[node.slot];
  std::vector<store::QueuedMessage> inputs;
  const std::size_t most = quarantine_ == Quarantine::ready ? 1 : node.max_batch;
  while (!s.prefetched.empty() && inputs.size() < most) {
    inputs.push_back(std::move(s.prefetched.front()));
    s.prefetched.pop_front();
  }
  // Before the send: should the host die from here on, recovery knows these
  // were in a call (and the rest of the buffer was not).
  store_.note_started(node.queue, inputs.back().seq);
  const std::uint64_t id = next_call_id_++;
  std::string worker = std::move(idle_.back());
  idle_.pop_back();
  zmq::message_t body = pack_work(inputs, node.topology, node.node);
  router_.send(zmq::buffer(worker), zmq::send_flags::sndmore);
  router_.send(pack_header(CallHeader{id, node.slot, &node}), zmq::send_flags::sndmore);
  router_.send(body, zmq::send_flags::none);
  ++s.calls;
  s.in_flight += inputs.size();
  node.in_flight += static_cast<std::int64_t>(inputs.size());
  calls_.emplace(id, InFlightCall{node.slot, std::move(inputs)});
}

// Swaps in order of arrival; each waits until its topology's old nodes
// have no call running and no commit is under way (so no lease for them is
// on its way back). A quarantine runs to its end first.
// A prerequisite starts its topology where that topology starts now (a
// reload since the node's result may have changed it), or, when it no
// longer runs, the message goes to the trash saying so.
void Pump::aim_prerequisite(store::Ack& ack) {
  auto entry = topologies_.find(ack.prerequisite->topology);
  if (entry != topologies_.end()) {
    ack.prerequisite->entry_queues = entry->second;
    return;
  }
  store::PrerequisiteInfo pre = std::move(*ack.prerequisite);
  ack.prerequisite.reset();
  const std::int64_t first = message::first_attempt_at(pre.errors, now_ms());
  ack.failed = store::TrashInfo{pre.why + " (but topology " + pre.topology +
                                    " was taken out by a reload before it could start)",
                                std::move(pre.errors), first};
  spdlog::warn("message {} of process {}: {}", ack.input.id, ack.input.process_id,
               ack.failed->error);
}

bool Pump::swap_ready() const {
  if (!swaps_.empty() && swaps_.front()->only_retire) return true;
  if (swaps_.empty() || committer_.busy() || quarantine_ != Quarantine::none) return false;
  auto old = slots_.find(swaps_.front()->topology);
  if (old == slots_.end()) return true;
  return std::all_of(old->second.begin(), old->second.end(),
                     [&](std::uint32_t slot) { return state_[slot].calls == 0; });
}

void Pump::advance_swaps() {
  while (!swaps_.empty()) {
    SwapCommand& cmd = *swaps_.front();
    if (stopping_) {
      cmd.reply.set_value(Status::error("weir is shutting down; the topology was not reloaded"));
      swaps_.pop_front();
      continue;
    }
    if (cmd.only_retire) {
      if (slots_.count(cmd.topology)) {
        cmd.reply.set_value(Status::error("topology " + cmd.topology + " is running"));
      } else {
        for (auto& r : cmd.retirements) retirements_.push_back({acks_pushed_, std::move(r)});
        cmd.reply.set_value(std::vector<std::shared_ptr<NodeRuntime>>{});
      }
      swaps_.pop_front();
      continue;
    }
    bool idle = true;
    if (auto old = slots_.find(cmd.topology); old != slots_.end()) {
      for (std::uint32_t slot : old->second) {
        state_[slot].retiring = true;
        idle = idle && state_[slot].calls == 0;
      }
    }
    if (!idle || committer_.busy() || quarantine_ != Quarantine::none) return;
    cmd.reply.set_value(swap(cmd));
    swaps_.pop_front();
  }
}

std::vector<std::shared_ptr<NodeRuntime>> Pump::swap(SwapCommand& cmd) {
  std::vector<std::shared_ptr<NodeRuntime>> old;
  std::vector<std::uint32_t> slots;
  for (auto& n : cmd.nodes) {
    if (free_slots_.empty()) {
      n->slot = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
      state_.emplace_back();
    } else {  // reused: nothing refers to a freed slot any more (no call, no quarantine)
      n->slot = free_slots_.back();
      free_slots_.pop_back();
    }
    slots.push_back(n->slot);
    nodes_[n->slot] = n;
    state_[n->slot] = NodeState{};
  }
  // A queue served again (a node added back) must not be emptied by the
  // retirement an earlier version asked for.
  std::erase_if(retirements_, [&](const PendingRetirement& r) {
    return std::any_of(cmd.nodes.begin(), cmd.nodes.end(),
                       [&](const auto& n) { return n->queue == r.retirement.queue; });
  });
  if (auto it = slots_.find(cmd.topology); it != slots_.end()) {
    for (std::uint32_t slot : it->second) {
      NodeState& was = state_[slot];
      auto heir = std::find_if(cmd.nodes.begin(), cmd.nodes.end(),
                               [&](const auto& n) { return n->queue == nodes_[slot]->queue; });
      if (heir != cmd.nodes.end() && (*heir)->runs()) {
        state_[(*heir)->slot].prefetched = std::move(was.prefetched);
      } else {  // nobody runs this queue now (and no call): its leases go back
        releases_.push_back({nodes_[slot]->queue, 0});
        store_.note_started(nodes_[slot]->queue, 0);
        by_queue_.erase(nodes_[slot]->queue);
      }
      was = NodeState{};
      old.push_back(std::move(nodes_[slot]));
      free_slots_.push_back(slot);
    }
    slots_.erase(it);
  }
  for (const auto& n : cmd.nodes) by_queue_[n->queue] = n.get();
  if (cmd.nodes.empty()) {
    topologies_.erase(cmd.topology);
  } else {
    topologies_[cmd.topology] = cmd.entry_queues;
    slots_[cmd.topology] = std::move(slots);
  }
  for (auto& r : cmd.retirements) retirements_.push_back({acks_pushed_, std::move(r)});
  return old;
}

bool Pump::retries_due() const {
  return !stopping_ && next_due_ms_ > 0 && now_ms() >= next_due_ms_;
}

bool Pump::drained() const {
  return calls_.empty() && acks_.empty() && puts_.empty() && starts_.empty() && replays_.empty();
}

void Pump::quit_workers() {
  for (const auto& w : workers_) {
    router_.send(zmq::buffer(w), zmq::send_flags::sndmore);
    router_.send(zmq::message_t(), zmq::send_flags::none);
  }
}

}  // namespace weir::engine
