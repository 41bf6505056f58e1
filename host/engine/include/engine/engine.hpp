// Engine: runs installed topologies. Owns the node instances, the worker
// threads and the pump (see pump.hpp for the flow of one message).
//
// Life cycle: construct, install() every topology, add listeners, start();
// then start_processes() from any thread, and install()/uninstall() from the
// controlling thread to reload a topology while it runs (the pump swaps the
// nodes once their calls have finished; see pump.hpp, "Reload"); stop() (or
// the destructor) drains
// in-flight calls for up to drain_timeout, commits their results and
// destroys the instances. A start that races with stop() is answered with
// an error, never left waiting. A plugin call that never returns keeps
// stop() waiting for its worker thread (a thread cannot be interrupted
// safely); the host's second SIGTERM exits at once in that case.
//
// Guarantees: a message is in exactly one queue until the commit that acks
// it also enqueues its outputs; the engine never hands the same message to
// two calls; after a crash, whatever was in flight is redelivered.
//
// Threads: install/uninstall/add_finished_listener/start/stop from one
// controlling thread (the host's management thread: plugins' create() and
// destroy() run there); start_processes, nodes() and version() from any
// thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/retry_policy.hpp"
#include "engine/app_gateway.hpp"
#include "engine/call_histogram.hpp"
#include "engine/process_starter.hpp"
#include "plugins/node_catalog.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"

namespace weir::engine {

// The engine's inside (private headers of host/engine/).
class CommandQueue;
class Pump;
struct NodeRuntime;

// Called on the pump thread after the commit that completes a process.
using FinishedListener = std::function<void(const store::ProcessRecord&)>;

struct ReplayOutcome {
  std::vector<std::int64_t> replayed;      // back in their queues
  std::vector<std::int64_t> not_in_trash;  // asked for, but not (or no longer) there
  std::vector<std::int64_t> not_served;    // there, but no node serves their queue now
};

struct EngineOptions {
  int workers = 8;  // worker threads shared by the nodes that name no application
  std::size_t max_acks_per_commit = 10000;
  std::chrono::milliseconds drain_timeout{30000};
  RetryPolicy retry;  // every node's, unless its topology overrides fields (new fields go last:
                      // tests initialise this struct positionally)
  // Where a node's calls reach its application (host API http); null: the
  // http callback answers that no application is reachable. With it, nodes
  // that name an application run on that application's own workers (its
  // lane, sized by AppGateway::workers_for), not on the shared ones.
  AppGateway* apps = nullptr;
};

// A node as `weir status` shows it (queue counts come from the store).
struct NodeStatus {
  std::string topology;
  std::string node;
  std::string type;
  store::QueueId queue = 0;
  int concurrency = 1;
  std::size_t max_batch = 1;
  std::int64_t in_flight = 0;
  std::string paused;  // why it does not run (its plugin is gone); empty: it runs
  // process() calls so far (this run): per CallHistogram bound (not cumulative), count, sum.
  std::array<std::uint64_t, CallHistogram::kBounds.size() + 1> call_buckets{};
  std::uint64_t calls = 0;
  std::uint64_t call_sum_us = 0;
};

class Engine : public ProcessStarter {
 public:
  Engine(store::Store& store, EngineOptions options);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Creates the topology's queues and plugin instances, and runs them; when
  // the topology is running already, the new nodes replace the old ones
  // (which finish their calls first) and the call returns once they have.
  // `t` must have been validated against `catalog` (topology_loader.hpp),
  // except that a node whose type `catalog` no longer has is installed
  // paused (its plugin was removed; see NodeStatus::paused).
  // Records its version in the store (a new one when the file changed);
  // messages queued at a node the new version no longer has go to the
  // trash with that reason. On error the running version stays.
  Status install(const topology::Topology& t, const plugins::NodeTypeCatalog& catalog);
  // Stops running the topology (its calls finish first); its messages stay
  // in their queues for when it comes back. No-op when not installed.
  Status uninstall(const std::string& topology);
  // Moves every message waiting for a topology that does not run (its file
  // was removed or disabled) to the trash with `reason`; returns how many.
  // Refused while it runs. The engine must be started.
  Result<std::int64_t> discard_queued(const std::string& topology, const std::string& reason);

  // Called on the pump thread after the commit that completes a process.
  // Must be quick and must not call back into the engine. Before start() only.
  void add_finished_listener(FinishedListener listener);

  Status start();
  void stop();

  // ProcessStarter (process_starter.hpp): `done` runs on the pump's thread,
  // or at once on this thread when the request cannot even be queued.
  StartResult start_processes(const std::string& topology,
                              std::vector<StartRequest> requests) override;
  void start_processes_async(const std::string& topology, std::vector<StartRequest> requests,
                             StartDone done) override;

  // Puts trash entries back at the nodes where they failed, recording
  // `replay.audit`, once the commit that does it is durable.
  Result<ReplayOutcome> replay(store::Replay replay);

  std::vector<NodeStatus> nodes() const;
  // The version the store gave an installed topology (0 if not installed).
  int version(const std::string& topology) const;

 private:
  using Nodes = std::vector<std::shared_ptr<NodeRuntime>>;
  struct Installed {
    Nodes nodes;
    std::vector<store::QueueId> entry_queues;
    int version = 0;
    std::int64_t delta_overlap_ms = -1;  // `delta:` (topology.hpp); -1: not a delta topology
  };
  Result<std::vector<store::QueueRetirement>> removed_nodes(const topology::Topology& t,
                                                            int version);
  Result<std::shared_ptr<NodeRuntime>> create_node(const topology::Topology& t,
                                                   const topology::NodeSpec& spec,
                                                   const plugins::NodeTypeCatalog& catalog);
  // Hands `nodes` to the running pump for `topology`; returns the replaced ones.
  Result<Nodes> swap_running(const std::string& topology, Nodes nodes,
                             std::vector<store::QueueId> entry_queues,
                             std::vector<store::QueueRetirement> retirements,
                             bool only_retire = false);
  static void destroy(Nodes& nodes);
  // Starts the workers of every lane `nodes` use that has fewer than its
  // application asks for (engine started; controlling thread).
  void ensure_lanes(const Nodes& nodes);
  void start_worker(std::string identity);
  static NodeStatus status_of(const NodeRuntime& n);
  std::size_t version_count() const;

  store::Store& store_;
  EngineOptions options_;
  zmq::context_t ctx_;
  std::string endpoint_;
  mutable std::mutex mu_;                        // guards topologies_ (readers on any thread)
  std::map<std::string, Installed> topologies_;  // what runs (the pump has its own copy)
  std::vector<FinishedListener> listeners_;
  std::unique_ptr<CommandQueue> commands_;
  std::unique_ptr<Pump> pump_;
  std::thread pump_thread_;
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> worker_count_{0};   // threads started (the pump waits for them)
  std::map<std::string, int> lanes_;           // application -> its workers started
  bool started_ = false;  // controlling thread only
};

}  // namespace weir::engine
