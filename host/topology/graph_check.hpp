// Checks the edges of a topology against its nodes: both ends are declared
// nodes, no edge is declared twice, no node feeds itself, and the graph has no
// cycle (each cycle found is named: "cycle: a -> b -> c -> a", at the line of
// the edge that closes it). Part of the topology loader; errors carry lines
// but no file (the loader adds it).
#pragma once

#include <vector>

#include "topology/topology.hpp"

namespace weir::topology {

std::vector<TopologyError> check_graph(const std::vector<NodeSpec>& nodes,
                                       const std::vector<Edge>& edges);

}  // namespace weir::topology
