#include "engine/routing.hpp"

#include <algorithm>

namespace weir::engine {
namespace {

store::Ack failed(store::QueuedMessage&& input, std::string error) {
  store::Ack ack;
  ack.input = std::move(input);
  ack.failed = store::TrashInfo{std::move(error)};
  return ack;
}

std::string follower_list(const NodeRuntime& node) {
  if (node.followers.empty()) return "it has none";
  std::string out;
  for (const auto& f : node.followers) out += (out.empty() ? "" : ", ") + f.node;
  return "followers: " + out;
}

// The followers a FORWARD names, or an error naming the one that is not.
std::vector<const Follower*> forward_targets(const NodeRuntime& node,
                                             const std::vector<std::string>& names,
                                             std::string* error) {
  std::vector<const Follower*> out;
  for (const auto& name : names) {
    auto it = std::find_if(node.followers.begin(), node.followers.end(),
                           [&](const Follower& f) { return f.node == name; });
    if (it == node.followers.end()) {
      *error = "node " + node.topology + "/" + node.node + " forwarded to '" + name +
               "', which is not one of its followers (" + follower_list(node) + ")";
      return {};
    }
    if (std::find(out.begin(), out.end(), &*it) == out.end()) out.push_back(&*it);
  }
  return out;
}

}  // namespace

store::Ack route(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome) {
  if (outcome.outcome == WEIR_OUTCOME_FAILED || outcome.outcome == 0) {
    return failed(std::move(input),
                  outcome.error.empty() ? "node " + node.topology + "/" + node.node + " (" +
                                              node.type->full_name + ") failed without a message"
                                        : std::move(outcome.error));
  }
  store::Ack ack;
  if (outcome.outcome == WEIR_OUTCOME_STOP) {
    ack.input = std::move(input);
    return ack;
  }
  std::vector<const Follower*> targets;
  if (outcome.outcome == WEIR_OUTCOME_FORWARD) {
    std::string error;
    targets = forward_targets(node, outcome.targets, &error);
    if (!error.empty()) return failed(std::move(input), std::move(error));
  } else {
    for (const auto& f : node.followers) targets.push_back(&f);
  }
  if (outcome.outputs.empty()) outcome.outputs.push_back(EmittedOutput{{}, input.payload});
  for (const Follower* f : targets) {
    for (const auto& out : outcome.outputs) {
      ack.outputs.push_back(
          store::Output{f->queue, out.headers.empty() ? input.headers : out.headers, out.payload});
    }
  }
  ack.input = std::move(input);
  return ack;
}

}  // namespace weir::engine
