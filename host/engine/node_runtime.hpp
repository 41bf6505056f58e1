// NodeRuntime: one node of an installed topology, as the engine runs it: its
// queue, its plugin instance, its limits and where its outputs go.
//
// Built by Engine::install() and immutable once the pump has it (workers
// read it without locks), except the atomics, which the pump writes and
// status readers read. A reload never changes a NodeRuntime: it builds new
// ones and the pump swaps them in (pump.hpp, "Reload"); the old ones are
// destroyed once the pump hands them back, after their last call.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <weir/abi.h>

#include "common/retry_policy.hpp"
#include "engine/call_histogram.hpp"
#include "plugins/node_catalog.hpp"
#include "topology/topology.hpp"
#include "store/store.hpp"

namespace weir::engine {

// What a plugin instance's weir_host* points to: who is logging.
struct InstanceContext {
  std::string topology;
  std::string node;
};

struct Follower {
  std::string node;
  store::QueueId queue = 0;
};

struct NodeRuntime {
  std::uint32_t slot = 0;  // index in the engine's node table; used on the wire
  std::string topology;
  std::string node;
  store::QueueId queue = 0;
  int concurrency = 1;
  std::size_t max_batch = 1;
  RetryPolicy retry;
  topology::Trace trace = topology::Trace::all;
  std::vector<Follower> followers;
  plugins::NodeTypeRef type;  // keeps the plugin library loaded; null while paused
  std::unique_ptr<InstanceContext> context;
  weir_node_instance* instance = nullptr;  // plugin-owned; destroyed by the engine
  // Why the node does not run (its plugin is gone); its messages wait in
  // its queue. Empty: it runs.
  std::string paused;
  std::string type_name;  // as the topology names it ("acme.export")
  std::string app;        // its application (`app:`), "" none
  std::string lane;       // the workers its calls run on: its app's, or "" (the shared ones)
  int version = 0;        // of its topology (store::topology_version), for trash entries

  bool runs() const { return instance != nullptr; }

  std::atomic<std::int64_t> in_flight{0};  // messages handed to workers, not yet committed
  CallHistogram calls;                      // every process() call's duration
};

}  // namespace weir::engine
