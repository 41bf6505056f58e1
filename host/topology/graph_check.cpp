#include "graph_check.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "topology/suggestions.hpp"

namespace weir::topology {
namespace {

std::string edge_name(const Edge& e) { return "edge " + e.from + " -> " + e.to; }

// Depth-first search that reports every back edge as a cycle.
class CycleFinder {
 public:
  CycleFinder(const std::map<std::string, std::vector<const Edge*>>& out,
              std::vector<TopologyError>& errors)
      : out_(out), errors_(errors) {}

  void visit(const std::string& node) {
    if (state_[node] != kUnseen) return;
    state_[node] = kOnPath;
    path_.push_back(node);
    auto it = out_.find(node);
    if (it != out_.end()) {
      for (const Edge* e : it->second) {
        if (state_[e->to] == kOnPath) report(*e);
        visit(e->to);
      }
    }
    path_.pop_back();
    state_[node] = kDone;
  }

 private:
  enum State { kUnseen, kOnPath, kDone };

  void report(const Edge& closing) {
    auto start = std::find(path_.begin(), path_.end(), closing.to);
    std::string cycle;
    for (auto it = start; it != path_.end(); ++it) cycle += *it + " -> ";
    errors_.push_back({"", closing.line, "cycle: " + cycle + closing.to});
  }

  const std::map<std::string, std::vector<const Edge*>>& out_;
  std::vector<TopologyError>& errors_;
  std::map<std::string, State> state_;
  std::vector<std::string> path_;
};

class EdgeCheck {
 public:
  EdgeCheck(const std::vector<NodeSpec>& nodes, std::vector<TopologyError>& errors)
      : errors_(errors) {
    for (const NodeSpec& n : nodes) {
      if (known_.insert(n.id).second) ids_.push_back(n.id);
    }
  }

  // True when `e` can take part in the graph.
  bool sound(const Edge& e) {
    bool from_known = known_end(e, e.from);
    bool to_known = known_end(e, e.to);
    if (e.from == e.to) {
      errors_.push_back({"", e.line, edge_name(e) + ": a node cannot feed itself"});
      return false;
    }
    auto [first, fresh] = seen_.emplace(std::make_pair(e.from, e.to), e.line);
    if (!fresh) {
      errors_.push_back({"", e.line,
                         edge_name(e) + " is declared twice (first at line " +
                             std::to_string(first->second) + ")"});
    }
    return from_known && to_known && fresh;
  }

  const std::vector<std::string>& ids() const { return ids_; }

 private:
  bool known_end(const Edge& e, const std::string& id) {
    if (known_.count(id)) return true;
    errors_.push_back({"", e.line,
                       edge_name(e) + ": unknown node '" + id + "' (" + did_you_mean(id, ids_) +
                           "nodes: " + name_list(ids_) + ")"});
    return false;
  }

  std::vector<TopologyError>& errors_;
  std::set<std::string> known_;
  std::vector<std::string> ids_;                             // declaration order
  std::map<std::pair<std::string, std::string>, int> seen_;  // edge -> first line
};

}  // namespace

std::vector<TopologyError> check_graph(const std::vector<NodeSpec>& nodes,
                                       const std::vector<Edge>& edges) {
  std::vector<TopologyError> errors;
  EdgeCheck check(nodes, errors);
  std::map<std::string, std::vector<const Edge*>> out;
  for (const Edge& e : edges) {
    if (check.sound(e)) out[e.from].push_back(&e);
  }
  CycleFinder cycles(out, errors);
  for (const std::string& id : check.ids()) cycles.visit(id);
  return errors;
}

}  // namespace weir::topology
