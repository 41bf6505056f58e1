#include "engine/engine.hpp"

#include <pthread.h>

#include <algorithm>
#include <sstream>

#include <spdlog/spdlog.h>

#include "engine/host_api.hpp"
#include "engine/worker.hpp"

namespace weir::engine {
namespace {

void collect_error(void* user, weir_str text) {
  auto* out = static_cast<std::string*>(user);
  if (!out->empty()) *out += "; ";
  out->append(text.data, text.size);
}

}  // namespace

Engine::Engine(store::Store& store, EngineOptions options)
    : store_(store), options_(options), ctx_(1) {
  std::ostringstream ep;
  ep << "inproc://weir-engine-" << static_cast<const void*>(this);
  endpoint_ = ep.str();
}

Engine::~Engine() {
  stop();
  destroy_instances();
}

Status Engine::install(const topology::Topology& t, const plugins::NodeTypeCatalog& catalog) {
  if (started_) return Status::error("engine: cannot install topology " + t.name + " while running");
  if (topologies_.count(t.name)) return Status::error("topology " + t.name + " is installed twice");
  auto version = store_.topology_version(t.name, t.content_hash, t.file);
  if (!version) return version.status().prefixed("topology " + t.name);
  Status retired = retire_removed_nodes(t, *version);
  if (!retired) return retired;
  const std::size_t first = nodes_.size();
  for (const auto& spec : t.nodes) {
    Status st = create_node(t, spec, catalog);
    if (!st) return st;
  }
  Installed installed;
  for (std::size_t i = first; i < nodes_.size(); ++i) {
    NodeRuntime& n = *nodes_[i];
    for (const auto& f : t.followers(n.node)) {
      auto it = std::find_if(nodes_.begin() + first, nodes_.end(),
                             [&](const auto& o) { return o->node == f; });
      n.followers.push_back(Follower{f, (*it)->queue});
    }
  }
  for (const auto& id : t.entry_nodes()) {
    for (std::size_t i = first; i < nodes_.size(); ++i) {
      if (nodes_[i]->node == id) installed.entry_queues.push_back(nodes_[i]->queue);
    }
  }
  installed.version = *version;
  entry_points_[t.name] = installed.entry_queues;
  topologies_[t.name] = std::move(installed);
  return Status::ok();
}

// A message queued at a node the new version no longer has cannot go on:
// it goes to the trash, saying so (nothing is dropped silently). Messages
// at nodes that remain keep their process and continue.
Status Engine::retire_removed_nodes(const topology::Topology& t, int version) {
  auto queues = store_.queues();
  if (!queues) return queues.status();
  store::CommitBatch batch;
  for (const auto& q : *queues) {
    if (q.topology != t.name || t.node(q.node) || q.queued + q.waiting == 0) continue;
    batch.retirements.push_back(store::QueueRetirement{
        q.id,
        "node '" + q.node + "' is not in topology " + t.name + " any more (version " +
            std::to_string(version) + " of " + t.file + " has no such node)",
        version - 1});
    spdlog::warn("topology {}: {} message(s) were at node '{}', which version {} no longer has; "
                 "they go to the trash",
                 t.name, q.queued + q.waiting, q.node, version);
  }
  if (batch.retirements.empty()) return Status::ok();
  auto r = store_.commit(batch);
  return r ? Status::ok() : r.status().prefixed("topology " + t.name);
}

int Engine::version(const std::string& topology) const {
  auto it = topologies_.find(topology);
  return it == topologies_.end() ? 0 : it->second.version;
}

Status Engine::create_node(const topology::Topology& t, const topology::NodeSpec& spec,
                           const plugins::NodeTypeCatalog& catalog) {
  const std::string where = "topology " + t.name + ", node " + spec.id + " (" + spec.type + ")";
  auto node = std::make_unique<NodeRuntime>();
  node->slot = static_cast<std::uint32_t>(nodes_.size());
  node->topology = t.name;
  node->node = spec.id;
  node->concurrency = std::max(1, spec.concurrency);
  node->max_batch = static_cast<std::size_t>(std::max(1, spec.max_batch));
  node->retry = spec.retry.over(options_.retry);
  node->trace = t.trace;
  node->type = catalog.find(spec.type);
  if (!node->type) return Status::error(where + ": node type is not loaded");
  auto queue = store_.queue(t.name, spec.id);
  if (!queue) return queue.status().prefixed(where);
  node->queue = *queue;
  node->context = std::make_unique<InstanceContext>(InstanceContext{t.name, spec.id});
  const std::string config = spec.config.dump();
  std::string error;
  node->instance = node->type->type->create(
      host_api(), reinterpret_cast<weir_host*>(node->context.get()),
      weir_str{config.data(), config.size()}, &collect_error, &error);
  if (!node->instance) {
    return Status::error(where + ": the plugin could not create it: " +
                         (error.empty() ? "no reason given" : error));
  }
  nodes_.push_back(std::move(node));
  return Status::ok();
}

void Engine::add_finished_listener(FinishedListener listener) {
  listeners_.push_back(std::move(listener));
}

Status Engine::start() {
  if (started_) return Status::ok();
  const int workers = std::max(1, options_.workers);
  PumpOptions po{static_cast<std::size_t>(workers), options_.max_acks_per_commit,
                 options_.drain_timeout};
  pump_ = std::make_unique<Pump>(ctx_, endpoint_, store_, nodes_, entry_points_, commands_, po,
                                 listeners_);
  try {
    pump_->bind();
  } catch (const zmq::error_t& e) {
    return Status::error("engine: cannot bind " + endpoint_ + ": " + e.what());
  }
  started_ = true;
  commands_.open();
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), ("weir-worker-" + std::to_string(i)).substr(0, 15).c_str());
      Worker(ctx_, endpoint_, i, nodes_, store_).run();
    });
  }
  pump_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-pump");
    pump_->run();
  });
  spdlog::info("engine: started {} worker(s) for {} node(s) in {} topology(ies)", workers_.size(),
               nodes_.size(), topologies_.size());
  return Status::ok();
}

void Engine::stop() {
  if (!started_) return;
  commands_.request_stop();
  if (pump_thread_.joinable()) pump_thread_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  pump_.reset();
  started_ = false;
  // Requests that arrived after the pump's last look are answered, not left hanging.
  for (auto& cmd : commands_.take().starts) {
    cmd->reply.set_value(Status::error("weir is shutting down; nothing was started"));
  }
  spdlog::info("engine: stopped");
}

void Engine::destroy_instances() {
  for (auto& n : nodes_) {
    if (n->instance) n->type->type->destroy(n->instance);
    n->instance = nullptr;
  }
}

Result<std::vector<store::ProcessId>> Engine::start_processes(const std::string& topology,
                                                              std::vector<StartRequest> requests) {
  std::promise<StartResult> answer;
  auto future = answer.get_future();
  start_processes_async(topology, std::move(requests),
                        [&answer](StartResult r) { answer.set_value(std::move(r)); });
  return future.get();
}

void Engine::start_processes_async(const std::string& topology, std::vector<StartRequest> requests,
                                   StartDone done) {
  auto it = topologies_.find(topology);
  if (it == topologies_.end()) {
    std::string known;
    for (const auto& [name, _] : topologies_) known += (known.empty() ? "" : ", ") + name;
    return done(Status::error("unknown topology '" + topology + "' (running: " +
                              (known.empty() ? "none" : known) + ")"));
  }
  if (requests.empty()) return done(std::vector<store::ProcessId>{});
  auto cmd = std::make_unique<StartCommand>();
  cmd->topology = topology;
  cmd->entry_queues = it->second.entry_queues;
  cmd->requests = std::move(requests);
  cmd->reply.done = done;
  if (!commands_.push_start(cmd)) done(Status::error("weir is not running; nothing was started"));
}

Result<ReplayOutcome> Engine::replay(store::Replay replay) {
  auto cmd = std::make_unique<ReplayCommand>();
  cmd->replay = std::move(replay);
  auto reply = cmd->reply.get_future();
  if (!commands_.push_replay(cmd)) return Status::error("weir is not running; nothing was replayed");
  return reply.get();
}

std::vector<NodeStatus> Engine::nodes() const {
  std::vector<NodeStatus> out;
  for (const auto& n : nodes_) {
    NodeStatus s{n->topology, n->node, n->type->full_name, n->queue, n->concurrency,
                 n->max_batch, n->in_flight.load()};
    for (std::size_t i = 0; i < s.call_buckets.size(); ++i) s.call_buckets[i] = n->calls.buckets[i];
    s.calls = n->calls.count;
    s.call_sum_us = n->calls.sum_us;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace weir::engine
