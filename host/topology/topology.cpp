#include "topology/topology.hpp"

#include <algorithm>

namespace weir::topology {

const NodeSpec* Topology::node(const std::string& id) const {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const NodeSpec& n) { return n.id == id; });
  return it == nodes.end() ? nullptr : &*it;
}

std::vector<std::string> Topology::followers(const std::string& id) const {
  std::vector<std::string> out;
  for (const Edge& e : edges) {
    if (e.from == id) out.push_back(e.to);
  }
  return out;
}

std::vector<std::string> Topology::entry_nodes() const {
  std::vector<std::string> out;
  for (const NodeSpec& n : nodes) {
    bool has_input =
        std::any_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.to == n.id; });
    if (!has_input) out.push_back(n.id);
  }
  return out;
}

std::string TopologyError::to_string() const {
  std::string where = file;
  if (line > 0)
    where += where.empty() ? "line " + std::to_string(line) : ":" + std::to_string(line);
  return where.empty() ? message : where + ": " + message;
}

}  // namespace weir::topology
