// Hot reload: what a rescan of plugins_dir and topologies_dir changes in a
// running host (see host.hpp for the rules). The decisions are made by the
// pure planner (reload_plan.hpp); this file gathers its input (what runs,
// what the directories hold), carries the decisions out on the registry,
// the engine, the scheduler and the webhook receiver, and logs every one, so an
// operator can follow a reload in the log; `weir status` and `weir
// topology ls` show what is in effect afterwards.
#include <algorithm>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/content_hash.hpp"
#include "runtime/host.hpp"
#include "store/cluster_view.hpp"
#include "reload_plan.hpp"
#include "topology/topology_loader.hpp"

namespace weir::runtime {
namespace {

namespace fs = std::filesystem;
using Kind = TopologyDecision::Kind;

// The *.so files in `dir`, sorted, each with the SHA-256 of its bytes ("" when
// it cannot be read: loading it says why). A missing directory: none.
std::vector<PluginFile> plugin_files(const std::string& dir) {
  std::vector<PluginFile> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->path().extension() == ".so" && it->is_regular_file(entry_ec)) {
      out.push_back(PluginFile{it->path().string(), ""});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PluginFile& a, const PluginFile& b) { return a.file < b.file; });
  for (auto& f : out) {
    std::string ignored;
    f.sha256 = sha256_hex_of_file(f.file, &ignored);
  }
  return out;
}

PluginBuild build_of(const plugins::LoadedPlugin& p) {
  return PluginBuild{p.source_path, p.name, p.version, p.sha256};
}

void log_plugin_event(const PluginEvent& e) {
  switch (e.kind) {
    case PluginEvent::Kind::removed:
      spdlog::warn("plugins: {} (plugin {}) was removed", e.build.file, e.build.name);
      break;
    case PluginEvent::Kind::refused:
      if (e.log) {
        spdlog::error("plugins: refused {}{}", e.reason,
                      e.serving ? "; the build loaded before keeps serving" : "");
      }
      break;
    case PluginEvent::Kind::loaded:
    case PluginEvent::Kind::replaced:
      spdlog::info("plugins: {} {} {} from {} (sha256 {})",
                   e.kind == PluginEvent::Kind::loaded ? "loaded" : "replaced by", e.build.name,
                   e.build.version, e.build.file, e.build.sha256.substr(0, 12));
      break;
    case PluginEvent::Kind::unprovided:
      spdlog::warn("plugins: no file provides plugin {} now; its nodes pause until one does",
                   e.build.name);
      break;
  }
}

}  // namespace

void Host::reload() {
  std::lock_guard lock(reload_mu_);
  if (stopping_ || !engine_) return;
  const auto t0 = std::chrono::steady_clock::now();
  const auto previous = loaded_.get();
  const ReloadBefore before = what_runs(*previous);
  ReloadScan scan;
  scan.plugin_files = plugin_files(config_.plugins_dir);
  const PluginFileSteps steps = plan_plugin_files(before.plugins, scan.plugin_files);
  for (const auto& gone : steps.forget) registry_->unload_file(gone.file);
  for (const auto& file : steps.load) {
    auto loaded = registry_->load_file(file);
    scan.loads.push_back(loaded ? PluginLoad{file, build_of(**loaded), ""}
                                : PluginLoad{file, std::nullopt, loaded.error()});
  }
  // The apps after the plugins (which declare application types), before
  // the topologies (whose nodes are checked against the apps in effect).
  control::Loaded next;
  std::vector<apps::App> removed_apps = reload_apps(*previous, next);
  topology::AppNames app_names;
  for (const auto& a : next.apps) app_names.emplace(a.name, a.type);
  scan.topologies =
      topology::load_topology_directory(config_.topologies_dir, *registry_, &app_names);
  for (const auto& t : before.topologies) {
    if (fs::exists(t.topology.file)) scan.existing_files.insert(t.topology.file);
  }
  const ReloadPlan plan = plan_reload(before, scan);
  for (const auto& e : plan.plugin_events) log_plugin_event(e);
  refusals_logged_ = plan.refusals_logged;
  next.plugin_refusals = plan.refusals;
  next.topology_errors = scan.topologies.errors;
  apply_topologies(plan, next);
  settle_removed_apps(std::move(removed_apps), next);
  next.reloads = previous->reloads + 1;
  next.reloaded_ms = now_ms();
  loaded_.set(std::move(next));
  spdlog::info("reload: done in {} ms",
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count());
}

Result<std::int64_t> Host::discard(const std::string& topology, const std::string& reason) {
  std::lock_guard lock(reload_mu_);
  if (stopping_ || !engine_) return Status::error("weir is shutting down");
  return engine_->discard_queued(topology, reason);
}

// The apps directory, decided by apps::rescan_apps. An app whose file went
// away stays in effect for now: a running topology may still name it, and
// taking it away would fail every call its nodes make (and make the
// topology's file invalid, so it would keep running on an app that is gone).
// settle_removed_apps decides, once the topologies of this reload are known.
std::vector<apps::App> Host::reload_apps(const control::Loaded& previous, control::Loaded& next) {
  auto scan = apps::load_app_directory(config_.apps_dir, app_types());
  for (const auto& e : scan.errors) spdlog::error("app: {}", e.to_string());
  auto r = apps::rescan_apps(previous.apps, scan);
  for (const auto& n : r.added) spdlog::info("app {}: added", n);
  for (const auto& n : r.changed) spdlog::info("app {}: changed; the new version is in effect", n);
  for (const auto& n : r.kept) {
    spdlog::warn("app {}: its file is invalid; the running version stays", n);
  }
  std::vector<apps::App> removed;
  for (const auto& n : r.removed) {
    for (const auto& a : previous.apps) {
      if (a.name == n) removed.push_back(a);
    }
  }
  for (const auto& a : r.in_effect) log_insecure(a);
  next.apps = std::move(r.in_effect);
  next.apps.insert(next.apps.end(), removed.begin(), removed.end());
  std::sort(next.apps.begin(), next.apps.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  next.app_errors = std::move(scan.errors);
  clients_.update(next.apps);
  return removed;
}

// A removed app that a topology in effect still names stays, with a
// warning naming those topologies; the others go now. The reload that takes
// the last `app:` naming it away (or the topology) takes the app away too.
void Host::settle_removed_apps(std::vector<apps::App> removed, control::Loaded& next) {
  if (removed.empty()) return;
  for (const auto& a : removed) {
    std::vector<std::string> users;
    for (const auto& t : next.topologies) {
      const bool names_it = std::any_of(t.nodes.begin(), t.nodes.end(),
                                        [&](const auto& n) { return n.app == a.name; });
      if (names_it) users.push_back(t.name);
    }
    if (users.empty()) {
      spdlog::info("app {}: removed", a.name);
      std::erase_if(next.apps, [&](const apps::App& x) { return x.name == a.name; });
      continue;
    }
    std::string list;
    for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
    spdlog::warn("app {}: its file {} is gone, but topology {} still names it; it stays in "
                 "effect until no topology does",
                 a.name, a.file, list);
    next.apps_kept_for[a.name] = std::move(users);
  }
  clients_.update(next.apps);
}

ReloadBefore Host::what_runs(const control::Loaded& loaded) const {
  ReloadBefore before;
  for (const auto& p : registry_->plugins()) before.plugins.push_back(build_of(*p));
  before.refusals_logged = refusals_logged_;
  for (const auto& t : loaded.topologies) {
    before.topologies.push_back({t, t.enabled && engine_->version(t.name) > 0});
  }
  return before;
}

// Carries out the plan's topology decisions in order, logging each; what is
// in effect afterwards goes to `next`.
void Host::apply_topologies(const ReloadPlan& plan, control::Loaded& next) {
  std::vector<topology::Topology> in_effect;
  bool routes_changed = false;

  auto install = [&](const topology::Topology& t, const std::string& why) {
    Status st = engine_->install(t, *registry_);
    if (!st) {
      spdlog::error("topology {}: {} failed: {}", t.name, why, st.message());
      next.topology_errors.push_back({t.file, 0, why + " failed: " + st.message()});
      return false;
    }
    st = scheduler_->add(t);
    if (!st) spdlog::error("topology {}: triggers: {}", t.name, st.message());
    spdlog::info("topology {}: {} (version {}, {} node(s), from {})", t.name, why,
                 engine_->version(t.name), t.nodes.size(), t.file);
    routes_changed = true;
    return true;
  };
  auto take_out = [&](const std::string& name, const std::string& why) {
    scheduler_->remove(name);
    Status st = engine_->uninstall(name);
    if (!st) spdlog::error("topology {}: taking it out failed: {}", name, st.message());
    spdlog::warn("topology {}: {}; it no longer runs, and its queued messages wait for it", name,
                 why);
    routes_changed = true;
  };

  for (const auto& d : plan.topologies) {
    const auto& t = d.topology;
    if (d.kind == Kind::invalid) {
      for (const auto& e : d.errors) spdlog::error("topology {}: {}", t.name, e.to_string());
      if (d.running) {
        spdlog::error("topology {}: {} is invalid; version {} keeps running", t.name, t.file,
                      engine_->version(t.name));
      }
    }
    if (d.take_out) take_out(t.name, d.why);
    const bool ok = d.install ? install(t, d.why) : true;
    if (auto kept = in_effect_after(d, ok)) in_effect.push_back(std::move(*kept));
  }
  for (const auto& e : plan.new_file_errors) spdlog::error("topology: {}", e.to_string());
  std::sort(in_effect.begin(), in_effect.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  if (routes_changed && webhooks_) {
    std::vector<topology::Topology> running;
    for (const auto& t : in_effect) {
      if (t.enabled && engine_->version(t.name) > 0) running.push_back(t);
    }
    webhooks_->set_topologies(running);
  }
  share_running(in_effect);
  next.topologies = std::move(in_effect);
}

void Host::share_running(const std::vector<topology::Topology>& in_effect) {
  std::vector<store::RunningTopology> running;
  for (const auto& t : in_effect) {
    const int version = engine_->version(t.name);
    if (t.enabled && version > 0) running.push_back({t.name, version, t.content_hash});
  }
  Status st = store_->note_running(running);
  if (!st) {
    spdlog::warn("store: could not record which topologies this host runs: {}", st.message());
    return;
  }
  auto hosts = store_->hosts();
  if (!hosts) return;
  for (const auto& c : store::topology_conflicts(*hosts)) spdlog::warn("cluster: {}", c.to_string());
}

}  // namespace weir::runtime
