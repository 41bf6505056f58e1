#include "state_commands.hpp"

#include <algorithm>

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

Json sync_reset(const HostView& host, const Json& body, store::AuditEntry who) {
  const std::string name = body.value("topology", "");
  if (name.empty()) return error_reply("sync.reset needs a topology");
  std::string error;
  const auto loaded = host.loaded->get();
  const topology::Topology* topo = find_topology(*loaded, name, &error);
  if (!topo) return error_reply(error);
  if (!topo->delta_overlap_ms) {
    return error_reply("topology " + name + " is not a delta topology (it has no delta: key), so "
                       "every run of it is full already");
  }
  who.action = "sync.reset";
  who.detail = Json{{"topology", name}}.dump();
  auto was = host.store->reset_sync_window(name, std::move(who));
  if (!was) return error_reply(was.error());
  return ok_reply(Json{{"reset", *was}});
}

namespace {

Json mapping_json(const store::IdMapping& m) {
  return Json{{"system", m.system},       {"entity", m.entity},
              {"local_id", m.local_id},   {"remote_id", m.remote_id},
              {"updated_ms", m.updated_ms}};
}

}  // namespace

Json ids_ls(const HostView& host, const Json& body) {
  store::IdFilter f;
  f.system = body.value("system", "");
  f.entity = body.value("entity", "");
  f.after_local = body.value("after", "");
  f.limit = std::clamp<std::size_t>(body.value("limit", std::size_t{100}), 1, 10000);
  if (!f.after_local.empty() && (f.system.empty() || f.entity.empty())) {
    return error_reply("ids.ls: paging (after) needs a system and an entity");
  }
  const std::size_t wanted = f.limit;
  f.limit = wanted + 1;  // one more says whether there is more
  auto list = host.store->id_list(f);
  if (!list) return error_reply(list.error());
  Json out = Json::array();
  for (std::size_t i = 0; i < list->size() && i < wanted; ++i) out.push_back(mapping_json((*list)[i]));
  return ok_reply(Json{{"mappings", out}, {"more", list->size() > wanted}});
}

Json ids_show(const HostView& host, const Json& body) {
  const std::string system = body.value("system", "");
  const std::string entity = body.value("entity", "");
  const std::string local = body.value("local", "");
  const std::string remote = body.value("remote", "");
  if (system.empty() || entity.empty() || local.empty() == remote.empty()) {
    return error_reply("ids.show needs a system, an entity and either a local or a remote id");
  }
  auto other = local.empty() ? host.store->id_find(system, entity, remote)
                             : host.store->id_get(system, entity, local);
  if (!other) return error_reply(other.error());
  if (!other->has_value()) return ok_reply(Json{{"mapping", nullptr}});
  Json mapping{{"system", system}, {"entity", entity},
               {"local_id", local.empty() ? **other : local},
               {"remote_id", local.empty() ? remote : **other}};
  return ok_reply(Json{{"mapping", mapping}});
}

Json ids_forget(const HostView& host, const Json& body, store::AuditEntry who) {
  const std::string system = body.value("system", "");
  const std::string entity = body.value("entity", "");
  const std::string local = body.value("local", "");
  if (system.empty() || entity.empty() || local.empty()) {
    return error_reply("ids.forget needs a system, an entity and a local id");
  }
  auto remote = host.store->id_get(system, entity, local);
  if (!remote) return error_reply(remote.error());
  if (!remote->has_value()) return ok_reply(Json{{"forgot", nullptr}});
  who.action = "ids.forget";
  who.detail = Json{{"system", system}, {"entity", entity}, {"local_id", local},
                    {"remote_id", **remote}}.dump();
  auto was = host.store->forget_id(system, entity, local, std::move(who));
  if (!was) return error_reply(was.error());
  if (!*was) return ok_reply(Json{{"forgot", nullptr}});  // gone in between
  return ok_reply(Json{{"forgot", Json{{"system", system}, {"entity", entity},
                                       {"local_id", local}, {"remote_id", **remote}}}});
}

}  // namespace weir::control
