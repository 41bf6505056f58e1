#include "state_commands.hpp"

#include "control/protocol.hpp"

namespace weir::control {
namespace {

using Json = nlohmann::json;

// The comparator's names (plugins/core/comparator.hpp; the host writes the
// same keys in engine/routing.hpp).
constexpr const char* kComparatorType = "core.comparator";
constexpr const char* kComparedPrefix = "cmp/";

const topology::Topology* find_topology(const Loaded& loaded, const std::string& name,
                                        std::string* error) {
  std::string known;
  for (const auto& t : loaded.topologies) {
    if (t.name == name) return &t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  *error = "no topology '" + name + "' is in effect (in effect: " +
           (known.empty() ? "none" : known) + ")";
  return nullptr;
}

}  // namespace

Json comparator_reset(const HostView& host, const Json& body, store::AuditEntry who) {
  const std::string name = body.value("topology", "");
  const std::string only_node = body.value("node", "");
  const std::string key = body.value("key", "");
  if (name.empty()) return error_reply("comparator.reset needs a topology");
  std::string error;
  const auto loaded = host.loaded->get();
  const topology::Topology* topo = find_topology(*loaded, name, &error);
  if (!topo) return error_reply(error);
  std::vector<std::string> nodes;
  std::string comparators;
  for (const auto& n : topo->nodes) {
    if (n.type != kComparatorType) continue;
    comparators += (comparators.empty() ? "" : ", ") + n.id;
    if (only_node.empty() || n.id == only_node) nodes.push_back(n.id);
  }
  if (nodes.empty()) {
    return error_reply(
        comparators.empty()
            ? "topology " + name + " has no " + kComparatorType + " node"
            : "node '" + only_node + "' of topology " + name + " is not a " + kComparatorType +
                  " (its comparators: " + comparators + ")");
  }
  std::int64_t deleted = 0;
  for (const auto& node : nodes) {
    const std::string prefix = std::string(kComparedPrefix) + node + "/";
    store::AuditEntry audit = who;
    audit.action = "comparator.reset";
    Json detail{{"topology", name}, {"node", node}};
    if (!key.empty()) detail["key"] = key;
    audit.detail = detail.dump();
    auto n = host.store->delete_state(
        name, prefix, key.empty() ? std::vector<std::string>{} : std::vector{prefix + key},
        std::move(audit));
    if (!n) return error_reply("resetting " + name + "/" + node + ": " + n.error());
    deleted += *n;
  }
  return ok_reply(Json{{"deleted", deleted}, {"nodes", nodes}});
}

}  // namespace weir::control
