// HostView: the parts of a running host the control server reads and drives.
// Owned by the runtime; every pointer outlives the control server. The
// vectors are fixed once the host has started.
#pragma once

#include <vector>

#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"
#include "triggers/scheduler.hpp"

namespace weir::control {

struct HostView {
  engine::Engine* engine = nullptr;
  store::Store* store = nullptr;
  plugins::PluginRegistry* registry = nullptr;
  const std::vector<plugins::LoadRefusal>* plugin_refusals = nullptr;
  const std::vector<topology::Topology>* topologies = nullptr;
  const std::vector<topology::TopologyError>* topology_errors = nullptr;
  const triggers::Scheduler* scheduler = nullptr;  // null: no triggers shown
  const std::string* http_address = nullptr;        // "127.0.0.1:8780"; null or "": no HTTP
};

}  // namespace weir::control
