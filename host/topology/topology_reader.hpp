// Reads one parsed YAML document into a Topology and checks it: required,
// unknown and repeated keys; kinds of values; names and ids; edges in both
// forms ("a -> b -> c" and {from: a, to: [b, c]}); then each node against its
// type in the catalog (node_type_check.hpp) and the graph (graph_check.hpp).
// Every problem is collected with its line, none stops the reading. Errors
// carry no file and are in the order found; topology_loader.hpp adds the
// file and sorts them. Safe to call from any thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "plugins/node_catalog.hpp"
#include "topology/topology.hpp"

namespace weir::topology {

struct TopologyRead {
  Topology topology;  // as far as it could be read; trust it only without errors
  std::vector<TopologyError> errors;
  int name_line = 0;  // where `name` is written (1-based), for cross-file checks
};

// `base_dir`: the topology file's directory, where a relative `file:`
// secret reference starts ("" keeps such paths as written).
// `apps`: the application names nodes may use (null: `app:` unchecked).
TopologyRead read_topology(const YAML::Node& document, const plugins::NodeTypeCatalog& catalog,
                           const std::string& base_dir = "", const AppNames* apps = nullptr);

}  // namespace weir::topology
