#include "views.hpp"

#include "store/cluster_view.hpp"

#include <algorithm>
#include <map>

namespace weir::control {
namespace {

const char* kind_name(weir_node_kind k) {
  switch (k) {
    case WEIR_NODE_TRIGGER: return "trigger";
    case WEIR_NODE_CONNECTOR: return "connector";
    case WEIR_NODE_BATCH: return "batch";
    default: return "custom";
  }
}

// The store's counts are one snapshot; the engine's in-flight count is
// read live, a moment apart. A message in flight is still a row of its
// queue, so in flight is shown as at most the snapshot's rows: otherwise a
// message leased after the snapshot (still counted there as waiting to
// retry) would be counted twice, and queued + in flight + waiting would
// not add up to what the node holds.
Json node_json(const engine::NodeStatus& n, const store::QueueInfo* q) {
  const std::int64_t rows = q ? q->queued : 0;
  const std::int64_t in_flight = std::clamp<std::int64_t>(n.in_flight, 0, rows);
  return Json{{"id", n.node},
              {"paused", n.paused},
              {"type", n.type},
              {"queued", rows - in_flight},
              {"in_flight", in_flight},
              {"waiting", q ? q->waiting : 0},
              {"retried", q ? q->retried : 0},
              {"done", q ? q->done : 0},
              {"stopped", q ? q->stopped : 0},
              {"failed", q ? q->failed : 0},
              {"concurrency", n.concurrency},
              {"max_batch", n.max_batch}};
}

std::string topology_file(const Loaded& loaded, const std::string& name) {
  for (const auto& t : loaded.topologies) {
    if (t.name == name) return t.file;
  }
  return "";
}

}  // namespace

Result<Json> status_view(const HostView& host) {
  auto queues = host.store->queues();
  if (!queues) return queues.status();
  std::map<store::QueueId, const store::QueueInfo*> by_id;
  for (const auto& q : *queues) by_id[q.id] = &q;
  const auto loaded = host.loaded->get();
  Json topologies = Json::array();
  std::map<std::string, Json> by_name;
  for (const auto& n : host.engine->nodes()) {
    Json& t = by_name[n.topology];
    if (t.is_null()) t = Json{{"name", n.topology}, {"file", topology_file(*loaded, n.topology)},
                              {"nodes", Json::array()}};
    t["nodes"].push_back(node_json(n, by_id.count(n.queue) ? by_id[n.queue] : nullptr));
    by_id.erase(n.queue);
  }
  for (auto& [_, t] : by_name) topologies.push_back(std::move(t));
  Json orphans = Json::array();
  for (const auto& [id, q] : by_id) {
    if (q->queued > 0) orphans.push_back({{"topology", q->topology}, {"node", q->node}, {"queued", q->queued}});
  }
  Json problems = Json::array();
  for (const auto& e : loaded->topology_errors) problems.push_back(e.to_string());
  for (const auto& r : loaded->plugin_refusals) problems.push_back(r.reason);
  for (const auto& n : host.engine->nodes()) {
    if (!n.paused.empty()) problems.push_back(n.topology + "/" + n.node + " is paused: " + n.paused);
  }
  // The cluster (PostgreSQL): every host with its heartbeat, and the
  // topologies whose content differs between live hosts. The node counts
  // above are the store's, so they are the cluster's queues already; in
  // flight is this host's calls.
  auto hosts = host.store->hosts();
  if (!hosts) return hosts.status();
  Json cluster = Json::array();
  for (const auto& h : *hosts) {
    Json running = Json::array();
    for (const auto& t : h.topologies) {
      running.push_back({{"name", t.name}, {"version", t.version}, {"hash", t.content_hash}});
    }
    cluster.push_back({{"name", h.name},
                       {"self", h.self},
                       {"alive", h.alive},
                       {"pid", h.pid},
                       {"started_ms", h.started_ms},
                       {"heartbeat_ms", h.heartbeat_ms},
                       {"silent_ms", h.silent_ms},
                       {"leased", h.leased},
                       {"topologies", running}});
    if (!h.alive && h.leased > 0) {
      problems.push_back("host " + h.name + " has sent no heartbeat for " +
                         std::to_string(h.silent_ms / 1000) + " s and holds " +
                         std::to_string(h.leased) +
                         " lease(s): the other hosts take them over as they expire");
    }
  }
  for (const auto& c : store::topology_conflicts(*hosts)) problems.push_back(c.to_string());
  return Json{{"topologies", topologies},
              {"orphaned_queues", orphans},
              {"hosts", cluster},
              {"problems", problems},
              {"reloads", loaded->reloads},
              {"reloaded_ms", loaded->reloaded_ms},
              {"http", host.http_address ? *host.http_address : ""}};
}

Json plugins_view(const HostView& host) {
  Json plugins = Json::array();
  for (const auto& p : host.registry->plugins()) {
    Json types = Json::array();
    for (const auto& t : host.registry->node_types(p->name)) {
      types.push_back({{"type", t->full_name}, {"kind", kind_name(t->kind)},
                       {"description", t->description}, {"max_batch", t->max_batch}});
    }
    plugins.push_back({{"name", p->name}, {"version", p->version}, {"file", p->source_path},
                       {"sha256", p->sha256}, {"loaded_ms", p->loaded_ms},
                       {"abi", std::to_string(p->abi_major) + "." + std::to_string(p->abi_minor)},
                       {"node_types", types}});
  }
  Json refused = Json::array();
  for (const auto& r : host.loaded->get()->plugin_refusals) {
    refused.push_back({{"file", r.path}, {"reason", r.reason}});
  }
  return Json{{"plugins", plugins}, {"refused", refused}};
}

Json apps_view(const HostView& host) {
  const auto loaded = host.loaded->get();
  Json list = Json::array();
  for (const apps::App& a : loaded->apps) {
    Json secrets = Json::object();
    for (const auto& [role, ref] : a.auth.secrets) {
      secrets[role] = (ref.kind == SecretRef::Kind::env ? "env:" : "file:") + ref.name;
    }
    Json auth = {{"kind", apps::to_string(a.auth.kind)}, {"secrets", secrets}};
    if (a.auth.kind == apps::AuthSpec::Kind::header) auth["header"] = a.auth.header;
    if (a.auth.kind == apps::AuthSpec::Kind::oauth1) auth["signature_method"] = a.auth.signature_method;
    if (a.auth.kind == apps::AuthSpec::Kind::login) auth["path"] = a.auth.login_path;
    const bool invalid_edit = std::any_of(loaded->app_errors.begin(), loaded->app_errors.end(),
                                          [&](const auto& e) { return e.file == a.file; });
    Json app = {{"name", a.name},
                {"type", a.type},
                {"base_url", a.base_url},
                {"description", a.description},
                {"file", a.file},
                {"hash", a.content_hash},
                {"invalid_edit", invalid_edit},
                {"file_gone_kept_for", loaded->apps_kept_for.count(a.name)
                                           ? Json(loaded->apps_kept_for.at(a.name))
                                           : Json::array()},
                {"auth", auth},
                {"concurrency", a.concurrency},
                {"timeout_ms", a.timeout.count()},
                {"tls", {{"ca_file", a.tls.ca_file}, {"insecure", a.tls.insecure}}}};
    if (a.rate) {
      app["rate"] = limiter::format_rate(*a.rate);
      app["burst"] = a.rate->burst;
    }
    list.push_back(std::move(app));
  }
  Json errors = Json::array();
  for (const auto& e : loaded->app_errors) {
    errors.push_back({{"file", e.file}, {"line", e.line}, {"message", e.message}});
  }
  return Json{{"apps", list}, {"errors", errors}};
}

Json topologies_view(const HostView& host) {
  Json list = Json::array();
  const auto fires = host.scheduler ? host.scheduler->next_fires()
                                     : std::vector<schedule::TriggerView>{};
  const auto loaded = host.loaded->get();
  std::map<std::string, store::SyncWindow> windows;
  if (auto w = host.store->sync_windows()) {
    for (auto& one : *w) windows[one.topology] = one;
  }
  for (const auto& t : loaded->topologies) {
    Json edges = Json::array();
    for (const auto& e : t.edges) edges.push_back(e.from + " -> " + e.to);
    Json triggers = Json::array();
    for (const auto& f : fires) {
      if (f.topology != t.name) continue;
      triggers.push_back({{"id", f.trigger},
                          {"cron", f.schedule},
                          {"timezone", f.timezone},
                          {"overlap", f.overlap},
                          {"next_ms", f.next_ms},
                          {"last_fire_ms", f.last_fire_ms},
                          {"last_process", f.last_process},
                          {"fired", f.fired},
                          {"skipped", f.skipped}});
    }
    // The file has errors now, yet this version (read before) still runs.
    const bool invalid_edit =
        std::any_of(loaded->topology_errors.begin(), loaded->topology_errors.end(),
                    [&](const auto& e) { return e.file == t.file; });
    list.push_back({{"name", t.name}, {"description", t.description}, {"file", t.file},
                    {"version", host.engine->version(t.name)}, {"enabled", t.enabled},
                    {"invalid_edit", invalid_edit},
                    {"nodes", t.nodes.size()}, {"edges", edges}, {"entry_nodes", t.entry_nodes()},
                    {"hash", t.content_hash}, {"triggers", triggers}});
    if (t.delta_overlap_ms) {  // where its next run starts; null: a full sync
      auto w = windows.find(t.name);
      list.back()["delta"] = {
          {"overlap_ms", *t.delta_overlap_ms},
          {"since_ms", w == windows.end() ? Json() : Json(w->second.since_ms)},
          {"set_ms", w == windows.end() ? Json() : Json(w->second.updated_ms)}};
    }
  }
  Json errors = Json::array();
  for (const auto& e : loaded->topology_errors) {
    errors.push_back({{"file", e.file}, {"line", e.line}, {"message", e.message}});
  }
  return Json{{"topologies", list}, {"errors", errors}};
}

Json process_json(const store::ProcessRecord& p) {
  return Json{{"id", p.id},
              {"topology", p.topology},
              {"correlation_id", p.correlation_id},
              {"state", store::to_string(p.state)},
              {"done", p.done},
              {"failed", p.failed},
              {"outstanding", p.outstanding},
              {"total", p.done + p.failed + p.outstanding},
              {"started_ms", p.started_ms},
              {"finished_ms", p.finished_ms},
              {"duration_ms", p.finished_ms ? p.finished_ms - p.started_ms : 0},
              {"needed_by", p.needed_by}};
}

Json visit_json(const store::Visit& v) {
  static const std::map<int, const char*> kNames = {
      {WEIR_OUTCOME_SUCCESS, "success"}, {WEIR_OUTCOME_FORWARD, "forward"},
      {WEIR_OUTCOME_STOP, "stop"},       {WEIR_OUTCOME_FAILED, "failed"},
      {WEIR_OUTCOME_RETRY, "retry"},     {WEIR_OUTCOME_CURSOR, "next_page"},
      {WEIR_OUTCOME_PREREQUISITE, "prerequisite"}, {store::kOutcomeSetAside, "set_aside"}};
  auto name = kNames.find(v.outcome);
  return Json{{"message_id", v.message_id}, {"parent_id", v.parent_id}, {"attempt", v.attempt},
              {"topology", v.topology},     {"node", v.node},           {"at_ms", v.at_ms},
              {"duration_us", v.duration_us},
              {"outcome", name == kNames.end() ? "unknown" : name->second},
              {"outputs", v.outputs},       {"error", v.error}};
}

}  // namespace weir::control
