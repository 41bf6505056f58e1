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

// Built by appending: g++ 12 at -O3 reports a false -Wrestrict inside
// std::string's operator+ on `"line " + std::to_string(line)` (GCC bug
// 105329), which -Werror turns into a failed Release build.
std::string TopologyError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += out.empty() ? "line " : ":";
    out += std::to_string(line);
  }
  if (out.empty()) return message;
  out += ": ";
  out += message;
  return out;
}

}  // namespace weir::topology
