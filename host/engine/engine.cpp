#include "engine/engine.hpp"

#include <pthread.h>

#include <algorithm>
#include <sstream>

#include <spdlog/spdlog.h>

#include "command_queue.hpp"
#include "host_api.hpp"
#include "node_runtime.hpp"
#include "pump.hpp"
#include "worker.hpp"

namespace weir::engine {
namespace {

void collect_error(void* user, weir_str text) {
  auto* out = static_cast<std::string*>(user);
  if (!out->empty()) *out += "; ";
  out->append(text.data, text.size);
}

}  // namespace

Engine::Engine(store::Store& store, EngineOptions options)
    : store_(store), options_(options), ctx_(1), commands_(std::make_unique<CommandQueue>()) {
  std::ostringstream ep;
  ep << "inproc://weir-engine-" << static_cast<const void*>(this);
  endpoint_ = ep.str();
}

Engine::~Engine() {
  stop();
  std::lock_guard lock(mu_);
  for (auto& [_, t] : topologies_) destroy(t.nodes);
}

Status Engine::install(const topology::Topology& t, const plugins::NodeTypeCatalog& catalog) {
  Installed installed;
  for (const auto& spec : t.nodes) {
    auto node = create_node(t, spec, catalog);
    if (!node) {
      destroy(installed.nodes);
      return node.status();
    }
    installed.nodes.push_back(std::move(node).value());
  }
  // Recorded once the nodes exist: a version that never ran gets no number.
  auto version = store_.topology_version(t.name, t.content_hash, t.file);
  auto retirements = version ? removed_nodes(t, *version)
                             : Result<std::vector<store::QueueRetirement>>(version.status());
  if (!retirements) {
    destroy(installed.nodes);
    return retirements.status().prefixed("topology " + t.name);
  }
  installed.version = *version;
  installed.delta_overlap_ms = t.delta_overlap_ms.value_or(-1);
  for (auto& n : installed.nodes) n->version = *version;
  for (auto& n : installed.nodes) {
    for (const auto& f : t.followers(n->node)) {
      auto it = std::find_if(installed.nodes.begin(), installed.nodes.end(),
                             [&](const auto& o) { return o->node == f; });
      n->followers.push_back(Follower{f, (*it)->queue});
    }
  }
  for (const auto& id : t.entry_nodes()) {
    for (const auto& n : installed.nodes) {
      if (n->node == id) installed.entry_queues.push_back(n->queue);
    }
  }
  Nodes replaced;
  if (started_) {
    ensure_lanes(installed.nodes);
    auto old = swap_running(t.name, installed.nodes, installed.entry_queues,
                            std::move(retirements).value());
    if (!old) {
      destroy(installed.nodes);
      return old.status().prefixed("topology " + t.name);
    }
    replaced = std::move(old).value();
  } else if (!retirements->empty()) {  // no pump yet: straight to the store
    store::CommitBatch batch;
    batch.retirements = std::move(retirements).value();
    auto r = store_.commit(batch);
    if (!r) {
      destroy(installed.nodes);
      return r.status().prefixed("topology " + t.name);
    }
  }
  {
    std::lock_guard lock(mu_);
    auto& slot = topologies_[t.name];
    if (!started_) replaced = std::move(slot.nodes);
    slot = std::move(installed);
  }
  destroy(replaced);  // after their last call (the pump said so)
  return Status::ok();
}

Status Engine::uninstall(const std::string& topology) {
  Nodes replaced;
  {
    std::lock_guard lock(mu_);
    if (!topologies_.count(topology)) return Status::ok();
  }
  if (started_) {
    auto old = swap_running(topology, {}, {}, {});
    if (!old) return old.status().prefixed("topology " + topology);
    replaced = std::move(old).value();
  }
  {
    std::lock_guard lock(mu_);
    auto it = topologies_.find(topology);
    if (!started_) replaced = std::move(it->second.nodes);
    topologies_.erase(it);
  }
  destroy(replaced);
  return Status::ok();
}

Result<std::int64_t> Engine::discard_queued(const std::string& topology,
                                            const std::string& reason) {
  if (version(topology) > 0) {
    return Status::error("topology " + topology + " is running; take it out first (remove its "
                         "file or set enabled: false)");
  }
  auto queues = store_.queues();
  if (!queues) return queues.status();
  std::vector<store::QueueRetirement> retirements;
  std::int64_t count = 0;
  bool known = false;
  for (const auto& q : *queues) {
    if (q.topology != topology) continue;
    known = true;
    if (q.queued + q.waiting == 0) continue;
    count += q.queued + q.waiting;
    retirements.push_back(store::QueueRetirement{q.id, reason, 0});  // 0: the store's last
  }
  if (!known) return Status::error("no queues of a topology " + topology + " in the store");
  if (retirements.empty()) return std::int64_t{0};
  auto done = swap_running(topology, {}, {}, std::move(retirements), true);
  if (!done) return done.status();
  spdlog::warn("topology {}: {} waiting message(s) moved to the trash: {}", topology, count,
               reason);
  return count;
}

Result<Engine::Nodes> Engine::swap_running(const std::string& topology, Nodes nodes,
                                           std::vector<store::QueueId> entry_queues,
                                           std::vector<store::QueueRetirement> retirements,
                                           bool only_retire) {
  auto cmd = std::make_unique<SwapCommand>();
  cmd->only_retire = only_retire;
  cmd->topology = topology;
  cmd->nodes = std::move(nodes);
  cmd->entry_queues = std::move(entry_queues);
  cmd->retirements = std::move(retirements);
  auto reply = cmd->reply.get_future();
  if (!commands_->push_swap(cmd)) return Status::error("weir is not running");
  return reply.get();
}

void Engine::destroy(Nodes& nodes) {
  for (auto& n : nodes) {
    if (n->instance) n->type->type->destroy(n->instance);
    n->instance = nullptr;
  }
  nodes.clear();
}

// A message queued at a node the new version no longer has cannot go on:
// it goes to the trash, saying so (nothing is dropped silently). Messages
// at nodes that remain keep their process and continue.
Result<std::vector<store::QueueRetirement>> Engine::removed_nodes(const topology::Topology& t,
                                                                  int version) {
  auto queues = store_.queues();
  if (!queues) return queues.status();
  std::vector<store::QueueRetirement> out;
  for (const auto& q : *queues) {
    if (q.topology != t.name || t.node(q.node)) continue;
    // While running, a node being removed may still get messages from the
    // old version's last calls: retire its queue even if it looks empty.
    if (!started_ && q.queued + q.waiting == 0) continue;
    out.push_back(store::QueueRetirement{
        q.id,
        "node '" + q.node + "' is not in topology " + t.name + " any more (version " +
            std::to_string(version) + " of " + t.file + " has no such node)",
        version - 1});
    if (q.queued + q.waiting > 0) {
      spdlog::warn("topology {}: {} message(s) were at node '{}', which version {} no longer "
                   "has; they go to the trash",
                   t.name, q.queued + q.waiting, q.node, version);
    }
  }
  return out;
}

int Engine::version(const std::string& topology) const {
  std::lock_guard lock(mu_);
  auto it = topologies_.find(topology);
  return it == topologies_.end() ? 0 : it->second.version;
}

Result<std::shared_ptr<NodeRuntime>> Engine::create_node(const topology::Topology& t,
                                                         const topology::NodeSpec& spec,
                                                         const plugins::NodeTypeCatalog& catalog) {
  const std::string where = "topology " + t.name + ", node " + spec.id + " (" + spec.type + ")";
  auto node = std::make_shared<NodeRuntime>();
  node->topology = t.name;
  node->node = spec.id;
  node->type_name = spec.type;
  node->app = spec.app;
  if (options_.apps) node->lane = spec.app;
  node->concurrency = std::max(1, spec.concurrency);
  node->max_batch = static_cast<std::size_t>(std::max(1, spec.max_batch));
  node->retry = spec.retry.over(options_.retry);
  node->trace = t.trace;
  auto queue = store_.queue(t.name, spec.id);
  if (!queue) return queue.status().prefixed(where);
  node->queue = *queue;
  node->type = catalog.find(spec.type);
  if (!node->type) {  // its plugin went away while the host runs: the node waits for it
    node->paused = "node type " + spec.type + " is not loaded (its plugin file was removed or "
                   "refused); messages wait in the queue until it is back";
    spdlog::warn("{}: paused: {}", where, node->paused);
    return node;
  }
  node->context = std::make_unique<InstanceContext>(InstanceContext{t.name, spec.id});
  const std::string config =  // replace: dump() would throw on a string that is not UTF-8
      spec.config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string error;
  node->instance = node->type->type->create(
      host_api(), reinterpret_cast<weir_host*>(node->context.get()),
      weir_str{config.data(), config.size()}, &collect_error, &error);
  if (!node->instance) {
    return Status::error(where + ": the plugin could not create it: " +
                         (error.empty() ? "no reason given" : error));
  }
  return node;
}

void Engine::add_finished_listener(FinishedListener listener) {
  listeners_.push_back(std::move(listener));
}

Status Engine::start() {
  if (started_) return Status::ok();
  const int workers = std::max(1, options_.workers);
  worker_count_ = 0;
  PumpOptions po{&worker_count_, options_.max_acks_per_commit, options_.drain_timeout};
  pump_ = std::make_unique<Pump>(ctx_, endpoint_, store_, *commands_, po, listeners_);
  std::size_t node_count = 0;
  Nodes all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, t] : topologies_) {
      pump_->install(name, t.nodes, t.entry_queues);
      node_count += t.nodes.size();
      all.insert(all.end(), t.nodes.begin(), t.nodes.end());
    }
  }
  try {
    pump_->bind();
  } catch (const zmq::error_t& e) {
    return Status::error("engine: cannot bind " + endpoint_ + ": " + e.what());
  }
  started_ = true;
  commands_->open();
  // Hosts sharing the store (PostgreSQL) put messages into our queues too.
  store_.watch_queues([commands = commands_.get()](const std::vector<store::QueueId>& queues) {
    commands->push_ready(queues);
  });
  for (int i = 0; i < workers; ++i) start_worker("w" + std::to_string(i));
  ensure_lanes(all);
  pump_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-pump");
    pump_->run();
  });
  std::string lanes;
  for (const auto& [app, n] : lanes_) lanes += ", " + std::to_string(n) + " for app " + app;
  spdlog::info("engine: started {} shared worker(s){} for {} node(s) in {} topology(ies)", workers,
               lanes, node_count, version_count());
  return Status::ok();
}

void Engine::start_worker(std::string identity) {
  ++worker_count_;  // before the thread: a stop waits for its announcement
  workers_.emplace_back([this, identity = std::move(identity)] {
    pthread_setname_np(pthread_self(), ("weir-" + identity).substr(0, 15).c_str());
    Worker(ctx_, endpoint_, identity, store_, options_.apps).run();
  });
}

// A lane grows when its application asks for more workers (its concurrency
// went up in a reload); it never shrinks while the host runs: an idle
// worker costs a thread blocked in recv, and a call may be running on it.
void Engine::ensure_lanes(const Nodes& nodes) {
  if (!options_.apps) return;
  for (const auto& n : nodes) {
    if (n->lane.empty()) continue;
    const int asked = options_.apps->workers_for(n->lane);
    const int want =
        std::clamp(asked > 0 ? asked : AppGateway::kDefaultLane, 1, AppGateway::kMaxLane);
    int& have = lanes_[n->lane];
    if (have >= want) continue;
    if (have > 0) spdlog::info("engine: app {} now has {} worker(s)", n->lane, want);
    while (have < want) start_worker(n->lane + "/" + std::to_string(have++));
  }
}

void Engine::stop() {
  if (!started_) return;
  store_.watch_queues(nullptr);  // before the queue it pushes to can go
  commands_->request_stop();
  if (pump_thread_.joinable()) pump_thread_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  lanes_.clear();
  pump_.reset();
  started_ = false;
  // Requests that arrived after the pump's last look are answered, not left hanging.
  auto left = commands_->take();
  for (auto& cmd : left.starts) {
    cmd->reply.set_value(Status::error("weir is shutting down; nothing was started"));
  }
  for (auto& cmd : left.replays) {
    cmd->reply.set_value(Status::error("weir is shutting down; nothing was replayed"));
  }
  for (auto& cmd : left.swaps) {
    cmd->reply.set_value(Status::error("weir is shutting down; the topology was not reloaded"));
  }
  spdlog::info("engine: stopped");
}

StartResult Engine::start_processes(const std::string& topology,
                                    std::vector<StartRequest> requests) {
  std::promise<StartResult> answer;
  auto future = answer.get_future();
  start_processes_async(topology, std::move(requests),
                        [&answer](StartResult r) { answer.set_value(std::move(r)); });
  return future.get();
}

void Engine::start_processes_async(const std::string& topology, std::vector<StartRequest> requests,
                                   StartDone done) {
  std::int64_t delta_overlap_ms = -1;
  {
    std::lock_guard lock(mu_);
    auto it = topologies_.find(topology);
    if (it == topologies_.end()) {
      std::string known;
      for (const auto& [name, _] : topologies_) known += (known.empty() ? "" : ", ") + name;
      return done(Status::error("unknown topology '" + topology + "' (running: " +
                                (known.empty() ? "none" : known) + ")"));
    }
    delta_overlap_ms = it->second.delta_overlap_ms;
    for (auto& req : requests) {  // a trigger's `start:` node: its queue
      if (req.start_node.empty()) continue;
      for (const auto& n : it->second.nodes) {
        if (n->node == req.start_node) req.start_queue = n->queue;
      }
      if (req.start_queue == 0) {
        return done(Status::error("topology " + topology + " has no node '" + req.start_node +
                                  "' to start at"));
      }
    }
  }
  if (requests.empty()) return done(std::vector<store::ProcessId>{});
  auto cmd = std::make_unique<StartCommand>();  // the pump looks up the entry nodes
  cmd->topology = topology;
  cmd->delta_overlap_ms = delta_overlap_ms;
  cmd->requests = std::move(requests);
  cmd->reply.done = done;
  if (!commands_->push_start(cmd)) done(Status::error("weir is not running; nothing was started"));
}

Result<ReplayOutcome> Engine::replay(store::Replay replay) {
  auto cmd = std::make_unique<ReplayCommand>();
  cmd->replay = std::move(replay);
  auto reply = cmd->reply.get_future();
  if (!commands_->push_replay(cmd)) return Status::error("weir is not running; nothing was replayed");
  return reply.get();
}

std::vector<NodeStatus> Engine::nodes() const {
  std::lock_guard lock(mu_);
  std::vector<NodeStatus> out;
  for (const auto& [_, t] : topologies_) {
    for (const auto& n : t.nodes) out.push_back(status_of(*n));
  }
  return out;
}

std::size_t Engine::version_count() const {
  std::lock_guard lock(mu_);
  return topologies_.size();
}

NodeStatus Engine::status_of(const NodeRuntime& n) {
  NodeStatus s{n.topology, n.node, n.type ? n.type->full_name : n.type_name, n.queue,
               n.concurrency, n.max_batch, n.in_flight.load(), n.paused};
  for (std::size_t i = 0; i < s.call_buckets.size(); ++i) s.call_buckets[i] = n.calls.buckets[i];
  s.calls = n.calls.count;
  s.call_sum_us = n.calls.sum_us;
  return s;
}

}  // namespace weir::engine
