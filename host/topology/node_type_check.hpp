// Checks one node of a topology against the node type it names, as the host's
// catalog knows it: the type exists, max_batch is within the type's limit, and
// the config passes the type's JSON Schema and then its validate_config.
// Part of the topology loader; errors carry lines but no file (the loader
// adds it). Safe to call from any thread: validate_config calls are made one
// at a time, as abi.h promises plugins.
#pragma once

#include <vector>

#include "plugins/node_catalog.hpp"
#include "topology/topology.hpp"
#include "topology/yaml_json.hpp"

namespace weir::topology {

// Where the parts of one node were written (1-based lines; 0 = not written).
struct NodeLines {
  int type = 0;
  int max_batch = 0;
  int config = 0;                           // the `config:` key
  int app = 0;                              // the `app:` key
  const YamlJson* config_source = nullptr;  // lines inside the config; may be null
};

std::vector<TopologyError> check_node_type(const NodeSpec& node, const NodeLines& lines,
                                           const plugins::NodeTypeCatalog& catalog);

}  // namespace weir::topology
