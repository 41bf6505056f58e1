#include "trash_commands.hpp"

#include <set>

#include <weir/payload.hpp>

#include "control/protocol.hpp"
#include "message/attempt_history.hpp"

namespace weir::control {
namespace {

Json payload_json(const store::Bytes& bytes) {
  try {
    return payload::to_json(bytes);
  } catch (const PayloadError& e) {
    return Json{{"unreadable_payload", e.what()}};
  }
}

Json entry_json(const store::TrashRecord& r, bool full) {
  Json j = {{"id", r.id},
            {"topology", r.topology},
            {"topology_version", r.topology_version},
            {"node", r.node},
            {"process_id", r.process_id},
            {"correlation_id", r.correlation_id},
            {"message_id", r.message_id},
            {"attempts", r.attempts},
            {"error", r.error},
            {"first_failed_ms", r.first_failed_ms},
            {"failed_ms", r.failed_ms}};
  if (!full) return j;
  Json headers = Json::object();
  try {
    for (const auto& [k, v] : payload::decode_headers(r.headers)) headers[k] = v;
  } catch (const PayloadError&) {
  }
  j["parent_id"] = r.parent_id;
  j["headers"] = headers;
  j["payload"] = payload_json(r.payload);
  j["history"] = message::history_json(r.errors);
  return j;
}

store::TrashFilter filter_of(const Json& body) {
  store::TrashFilter f;
  f.limit = body.value("limit", std::size_t{1000});
  f.after_id = body.value("after_id", std::int64_t{0});
  f.topology = body.value("topology", "");
  f.node = body.value("node", "");
  f.since_ms = body.value("since_ms", std::int64_t{0});
  f.grep = body.value("grep", "");
  return f;
}

std::string detail_of(const Json& body, const Json& outcome) {
  Json d = outcome;
  if (body.contains("filter")) d["filter"] = body["filter"];
  if (body.contains("reason")) d["reason"] = body["reason"];
  return d.dump();
}

}  // namespace

std::string actor_of(const Json& body) {
  const Json who = body.value("who", Json::object());
  return who.value("user", std::string("unknown")) + " (uid " +
         std::to_string(who.value("uid", -1)) + ", pid " + std::to_string(who.value("pid", -1)) +
         ")";
}

Json trash_ls(const HostView& host, const Json& body) {
  auto entries = host.store->trash(filter_of(body));
  if (!entries) return error_reply(entries.error());
  const bool full = body.value("full", false);
  Json list = Json::array();
  for (const auto& e : *entries) list.push_back(entry_json(e, full));
  return ok_reply({{"entries", list}, {"last_id", entries->empty() ? 0 : entries->back().id}});
}

Json trash_show(const HostView& host, const Json& body) {
  const auto id = body.at("id").get<std::int64_t>();
  auto entry = host.store->trash_entry(id);
  if (!entry) return error_reply(entry.error());
  if (!entry->has_value()) return error_reply("no trash entry " + std::to_string(id));
  return ok_reply(entry_json(**entry, true));
}

// A replay goes back to the node that failed; if that node does not run
// (its topology is gone, disabled or changed), the entry stays in the trash.
Json refusals(const HostView& host, std::vector<std::int64_t>& ids) {
  std::set<std::pair<std::string, std::string>> running;
  for (const auto& n : host.engine->nodes()) running.insert({n.topology, n.node});
  Json refused = Json::array();
  std::vector<std::int64_t> keep;
  for (auto id : ids) {
    auto e = host.store->trash_entry(id);
    if (e && e->has_value() && !running.count({(*e)->topology, (*e)->node})) {
      refused.push_back({{"id", id}, {"reason", "node " + (*e)->topology + "/" + (*e)->node +
                                                    " is not running; replay it when it is"}});
    } else {
      keep.push_back(id);
    }
  }
  ids.swap(keep);
  return refused;
}

Json trash_replay(const HostView& host, const Json& body, store::AuditEntry who) {
  auto ids = body.at("ids").get<std::vector<std::int64_t>>();
  Json refused = refusals(host, ids);
  who.action = "trash.replay";
  who.detail = detail_of(body, {{"ids", ids}, {"refused", refused}});
  auto out = host.engine->replay(store::Replay{std::move(ids), std::move(who), std::nullopt});
  if (!out) return error_reply(out.error());
  // A reload may have taken the node out after the check above: the commit
  // checks again, and those stay in the trash too.
  for (auto id : out->not_served) {
    refused.push_back({{"id", id}, {"reason", "its node stopped running (a reload) before the "
                                              "replay was committed; replay it when it runs"}});
  }
  return ok_reply(
      {{"replayed", out->replayed}, {"not_in_trash", out->not_in_trash}, {"refused", refused}});
}

Json trash_discard(const HostView& host, const Json& body, store::AuditEntry who) {
  const auto ids = body.at("ids").get<std::vector<std::int64_t>>();
  who.action = "trash.discard";
  who.detail = detail_of(body, Json::object());
  auto gone = host.store->discard_trash(ids, std::move(who));
  if (!gone) return error_reply(gone.error());
  Json missing = Json::array();
  for (auto id : ids) {
    if (std::find(gone->begin(), gone->end(), id) == gone->end()) missing.push_back(id);
  }
  return ok_reply({{"discarded", *gone}, {"not_in_trash", missing}});
}

Json audit_ls(const HostView& host, const Json& body) {
  auto entries = host.store->audit(body.value("limit", std::size_t{100}));
  if (!entries) return error_reply(entries.error());
  Json list = Json::array();
  for (const auto& e : *entries) {
    Json detail = Json::parse(e.detail, nullptr, false);
    list.push_back({{"id", e.id}, {"at_ms", e.at_ms}, {"actor", e.actor}, {"socket", e.socket},
                    {"action", e.action}, {"detail", detail.is_discarded() ? Json(e.detail) : detail}});
  }
  return ok_reply({{"entries", list}});
}

}  // namespace weir::control
