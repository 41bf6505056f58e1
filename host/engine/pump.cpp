#include "pump.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "routing.hpp"
#include "work_protocol.hpp"

namespace weir::engine {

Pump::Pump(zmq::context_t& ctx, std::string endpoint, store::Store& store, CommandQueue& commands,
           PumpOptions options, std::vector<FinishedListener> listeners)
    : router_(ctx, zmq::socket_type::router),
      endpoint_(std::move(endpoint)),
      store_(store),
      commands_(commands),
      options_(options),
      listeners_(std::move(listeners)),
      dispatcher_(table_, store,
                  [this](const std::string& worker, std::uint64_t id, NodeRuntime& node,
                         const std::vector<store::QueuedMessage>& inputs) {
                    send_call(worker, id, node, inputs);
                  }),
      plan_(options.max_acks_per_commit),
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
  if (dispatcher_.calls_running()) {
    spdlog::warn("engine: stopping with {} call(s) still running; their messages stay queued and "
                 "are redelivered at the next start",
                 dispatcher_.calls_running_count());
  }
  const Status down = Status::error("weir is shutting down; nothing was done");
  plan_.answer_all(down);
  for (auto& cmd : swaps_) cmd->reply.set_value(down);
  swaps_.clear();
  quit_workers();
}

// ---- waiting and receiving --------------------------------------------------

// Something to hand out or to commit right now (so do not block in poll).
bool Pump::work_waiting() const {
  if (!stopping_ && dispatcher_.lapse_pending() && !committer_.busy()) return true;
  if (!stopping_) {
    if (quarantine_.phase() == Quarantine::Phase::ready && dispatcher_.can_dispatch_alone(quarantine_.slot())) {
      return true;
    }
    if (!quarantine_.active() && dispatcher_.can_dispatch()) return true;
  }
  if (committer_.busy() || std::chrono::steady_clock::now() < retry_after_) return false;
  if (plan_.has_work() || swap_ready()) return true;
  if (stopping_) return false;
  return retries_due() || (!quarantine_.active() && dispatcher_.wants_leases());
}

void Pump::wait_for_input(bool busy) {
  // With the ack buffer full, results wait in the socket: polling it then
  // would return at once, over and over, while a commit runs.
  const short router_events =
      plan_.acks_waiting() < options_.max_acks_per_commit ? ZMQ_POLLIN : 0;
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
  while (plan_.acks_waiting() < options_.max_acks_per_commit) {
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
    dispatcher_.worker_announced(std::move(worker));
    return;
  }
  if (frames.size() != 2) {  // a host bug; keep the worker, its call stays in flight
    spdlog::error("engine: worker {} sent {} frames; expected 2", worker, frames.size());
  } else {
    on_result(worker, frames[0], frames[1]);
  }
  dispatcher_.worker_idle(std::move(worker));
}

// A call's results become acks (routing.hpp), committed with the call's
// state writes.
void Pump::on_result(const std::string& worker, const zmq::message_t& header,
                     const zmq::message_t& body) {
  auto h = read_header(header);
  auto call = h ? dispatcher_.end_call(h->call_id) : std::nullopt;
  if (!call) {
    spdlog::error("engine: worker {} answered an unknown call ({})", worker,
                  h ? std::to_string(h->call_id) : h.error());
    return;
  }
  if (quarantine_.call_ended(call->slot)) dispatcher_.all_maybe_ready();
  NodeRuntime& node = *table_.at(call->slot);
  auto result = read_result(body);
  if (!result) spdlog::error("engine: {}/{}: {}", node.topology, node.node, result.error());
  if (result) node.calls.observe(result->duration_us);
  std::vector<store::Ack> acks;
  for (std::size_t i = 0; i < call->inputs.size(); ++i) {
    MessageOutcome outcome;
    if (result && i < result->outcomes.size()) outcome = std::move(result->outcomes[i]);
    else outcome.error = "host error: the worker returned no outcome for this message";
    store::Ack ack = route(node, std::move(call->inputs[i]), std::move(outcome),
                           Moment{now_ms(), jitter_(rng_)}, table_.entry_points());
    ack.duration_us = result ? result->duration_us : 0;
    if (ack.failed) {
      spdlog::warn("[{}/{}] message {} of process {} failed: {}", node.topology, node.node,
                   ack.input.id, ack.input.process_id, ack.failed->error);
    }
    if (ack.prerequisite) {
      spdlog::info("[{}/{}] message {} of process {} waits: {}", node.topology, node.node,
                   ack.input.id, ack.input.process_id, ack.prerequisite->why);
    }
    acks.push_back(std::move(ack));
  }
  std::vector<store::StatePut> puts;
  if (result) {
    for (auto& [key, value] : result->state_puts) {
      puts.push_back(store::StatePut{node.topology, std::move(key), std::move(value)});
    }
  }
  for (const store::Ack& ack : acks) add_confirmations(node, ack, puts);
  plan_.add_call(std::move(acks), std::move(puts),
                 result ? std::move(result->id_puts) : std::vector<store::IdPut>{});
}

void Pump::send_call(const std::string& worker, std::uint64_t call_id, NodeRuntime& node,
                     const std::vector<store::QueuedMessage>& inputs) {
  zmq::message_t body = pack_work(inputs, node.topology, node.node);
  router_.send(zmq::buffer(worker), zmq::send_flags::sndmore);
  router_.send(pack_header(CallHeader{call_id, node.slot, &node}), zmq::send_flags::sndmore);
  router_.send(body, zmq::send_flags::none);
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
    plan_.add_replay(std::move(cmd));
  }
  for (auto& cmd : taken.swaps) swaps_.push_back(std::move(cmd));
  dispatcher_.queues_ready(taken.ready);
  for (auto& cmd : taken.starts) {
    if (stopping_) {
      cmd->reply.set_value(Status::error("weir is shutting down; nothing was started"));
      continue;
    }
    if (cmd->requests.empty()) {  // nothing to commit: answer now, never strand it
      cmd->reply.set_value(std::vector<store::ProcessId>{});
      continue;
    }
    plan_.add_start(std::move(cmd));
  }
}

// ---- commits ----------------------------------------------------------------

void Pump::collect_commit() {
  if (!committer_.busy()) return;
  auto done = committer_.take();
  if (!done) return;
  if (done->result) {
    on_committed(done->batch, *done->result);
  } else {
    on_commit_failed(done->batch, done->result.status());
  }
  // Starts that came during the commit did not wake us (quiet): take them
  // now, so this iteration's commit carries them.
  commands_.quiet_starts(false);
  take_commands();
}

void Pump::on_committed(store::CommitBatch& batch, store::CommitResult& result) {
  backoff_ = std::chrono::milliseconds(0);
  if (batch.held) tell_held_ = false;
  if (!batch.releases.empty()) quarantine_.releases_committed();
  next_due_ms_ = result.next_due_ms;
  plan_.committed(batch, result);
  for (const auto& p : result.finished) {
    for (const auto& listener : listeners_) listener(p);
  }
  dispatcher_.note_readiness(batch, result);
  auto taken = dispatcher_.take_leased(std::move(result.leased));
  for (auto& ack : taken.set_aside) plan_.add_call({std::move(ack)});
  plan_.add_releases(taken.releases);
}

void Pump::on_commit_failed(store::CommitBatch& batch, const Status& error) {
  spdlog::error("engine: commit failed, will retry (nothing was lost): {}", error.message());
  plan_.failed(batch, error);
  // Whether it committed is unknown (its answer may be what was lost), and
  // the database may have lost earlier commits too: the next commit says
  // which leases this host holds, and the store lets go of the others.
  tell_held_ = true;
  backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
  retry_after_ = std::chrono::steady_clock::now() + backoff_;
}

void Pump::submit_commit() {
  if (committer_.busy() || std::chrono::steady_clock::now() < retry_after_) return;
  const bool lease = !stopping_;
  store::CommitBatch batch =
      plan_.build(table_.entry_points(), table_.served_queues(),
                  lease ? dispatcher_.plan_leases(quarantine_.active()) : std::vector<store::LeaseRequest>{},
                  retries_due() ? now_ms() : 0);
  if (tell_held_) {
    std::vector<store::LeaseKey> held;
    dispatcher_.held_leases(held);
    plan_.pending_inputs(held);
    for (const auto& ack : batch.acks) held.push_back({ack.input.queue, ack.input.seq});
    batch.held = std::move(held);
  }
  if (batch.empty()) return;
  committer_.submit(std::move(batch));
  commands_.quiet_starts(true);  // until collect_commit: a burst of starts wakes us once
}

bool Pump::retries_due() const {
  return !stopping_ && next_due_ms_ > 0 && now_ms() >= next_due_ms_;
}

// ---- reload -----------------------------------------------------------------

// Swaps in order of arrival; each waits until its topology's old nodes
// have no call running and no commit is under way (so no lease for them is
// on its way back). A quarantine runs to its end first.
bool Pump::swap_ready() const {
  if (!swaps_.empty() && swaps_.front()->only_retire) return true;
  if (swaps_.empty() || committer_.busy() || quarantine_.active()) return false;
  const auto* old = table_.slots_of(swaps_.front()->topology);
  return !old || dispatcher_.idle(*old);
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
      if (table_.slots_of(cmd.topology)) {
        cmd.reply.set_value(Status::error("topology " + cmd.topology + " is running"));
      } else {
        for (auto& r : cmd.retirements) plan_.add_retirement(std::move(r));
        cmd.reply.set_value(std::vector<std::shared_ptr<NodeRuntime>>{});
      }
      swaps_.pop_front();
      continue;
    }
    if (const auto* old = table_.slots_of(cmd.topology)) dispatcher_.retire(*old);
    if (!swap_ready()) return;
    cmd.reply.set_value(swap(cmd));
    swaps_.pop_front();
  }
}

std::vector<std::shared_ptr<NodeRuntime>> Pump::swap(SwapCommand& cmd) {
  std::vector<store::QueueId> queues;
  for (const auto& n : cmd.nodes) queues.push_back(n->queue);
  // A queue served again (a node added back) must not be emptied by the
  // retirement an earlier version asked for.
  plan_.forget_retirements(queues);
  auto swapped = table_.swap(cmd.topology, std::move(cmd.nodes), std::move(cmd.entry_queues));
  plan_.add_releases(dispatcher_.hand_over(swapped));
  for (auto& r : cmd.retirements) plan_.add_retirement(std::move(r));
  return std::move(swapped.old);
}

// ---- dispatch and quarantine --------------------------------------------------

void Pump::dispatch() {
  if (stopping_) return;
  if (dispatcher_.lapse_pending()) {
    // Given back once no commit is under way (as for a stop): a lease that
    // landed after the releases were computed would be released under it.
    if (committer_.busy()) return;
    if (quarantine_.active()) quarantine_.abandon();  // the suspect is given back too
    plan_.add_releases(dispatcher_.give_back_after_lapse());
    return;
  }
  if (quarantine_.phase() == Quarantine::Phase::ready) {  // the suspect runs alone
    if (dispatcher_.prefetched(quarantine_.slot()).empty()) {  // nothing left to run alone
      quarantine_.abandon();
      dispatcher_.all_maybe_ready();
    } else if (dispatcher_.dispatch_alone(quarantine_.slot())) {
      quarantine_.suspect_sent();
    }
    return;
  }
  if (quarantine_.active()) return;
  if (auto suspect = dispatcher_.dispatch()) quarantine_.begin(*suspect);
}

// Once the other calls are done (and no commit can bring leases), every
// lease but the suspect's goes back in one commit.
void Pump::advance_quarantine() {
  if (stopping_ && quarantine_.active()) {
    quarantine_.abandon();  // the stop gives back every lease, the suspect's too
    return;
  }
  if (!quarantine_.time_to_release(dispatcher_.calls_running(), committer_.busy())) return;
  if (dispatcher_.prefetched(quarantine_.slot()).empty()) {  // nothing left to run alone
    quarantine_.abandon();
    dispatcher_.all_maybe_ready();
    return;
  }
  plan_.add_releases(dispatcher_.give_back(quarantine_.slot()));
  quarantine_.releases_planned();
}

// ---- stopping -----------------------------------------------------------------

// Releases are planned once no commit is under way, so no lease can land in
// a buffer after they were computed.
void Pump::plan_stop() {
  if (!stopping_ || releases_planned_ || committer_.busy()) return;
  plan_.add_releases(dispatcher_.give_back());
  releases_planned_ = true;
}

bool Pump::finished_stopping() const {
  if (!stopping_ || committer_.busy()) return false;
  // Every worker must have announced itself, or one that does so later
  // would never get its quit message.
  if (dispatcher_.workers() != options_.workers->load()) return false;
  const auto now = std::chrono::steady_clock::now();
  const bool released = releases_planned_ && !plan_.releasing();
  const bool drained = !dispatcher_.calls_running() && plan_.drained();
  if (released && (drained || now > drain_deadline_)) return true;
  // Commits keep failing (a broken disk): do not hang the stop forever.
  // What was not committed is still in the store and is redelivered.
  return now > drain_deadline_ + std::min<std::chrono::steady_clock::duration>(
                                     options_.drain_timeout, std::chrono::seconds(10));
}

void Pump::quit_workers() {
  for (const auto& w : dispatcher_.all_workers()) {
    router_.send(zmq::buffer(w), zmq::send_flags::sndmore);
    router_.send(zmq::message_t(), zmq::send_flags::none);
  }
}

}  // namespace weir::engine
