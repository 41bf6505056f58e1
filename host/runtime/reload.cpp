// Hot reload: what a rescan of plugins_dir and topologies_dir changes in a
// running host (see host.hpp for the rules). Every decision is logged, so
// an operator can follow a reload in the log; `weir status` and `weir
// topology ls` show what is in effect afterwards.
#include <algorithm>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "runtime/host.hpp"
#include "topology/topology_loader.hpp"

namespace weir::runtime {
namespace {

namespace fs = std::filesystem;

// The *.so files in `dir`, sorted (a missing directory: none).
std::vector<std::string> plugin_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->path().extension() == ".so" && it->is_regular_file(entry_ec)) {
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Does `t` have a node whose type comes from one of `plugins`?
bool uses_any(const topology::Topology& t, const std::set<std::string>& plugins) {
  return std::any_of(t.nodes.begin(), t.nodes.end(), [&](const topology::NodeSpec& n) {
    return plugins.count(n.type.substr(0, n.type.find('.'))) > 0;
  });
}

bool has_errors(const std::vector<topology::TopologyError>& errors, const std::string& file) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const topology::TopologyError& e) { return e.file == file; });
}

}  // namespace

void Host::reload() {
  std::lock_guard lock(reload_mu_);
  if (stopping_ || !engine_) return;
  const auto t0 = std::chrono::steady_clock::now();
  control::Loaded next;
  const std::set<std::string> changed = reload_plugins(next.plugin_refusals);
  apply_topologies(changed, next);
  next.reloads = loaded_.get()->reloads + 1;
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

// Loads new and changed files, forgets removed ones; returns the names of
// the plugins whose build changed or went away.
std::set<std::string> Host::reload_plugins(std::vector<plugins::LoadRefusal>& refusals) {
  std::map<std::string, std::shared_ptr<const plugins::LoadedPlugin>> before;  // by file
  for (const auto& p : registry_->plugins()) before[p->source_path] = p;
  std::set<std::string> changed;
  const auto files = plugin_files(config_.plugins_dir);
  std::erase_if(refusals_logged_, [&](const auto& entry) {  // files gone: logged afresh if back
    return !std::binary_search(files.begin(), files.end(), entry.first);
  });
  // Removed files first: a plugin renamed (acme-1.0.so -> acme-1.1.so)
  // would otherwise be refused as "already loaded" from its old name.
  for (const auto& [file, p] : before) {
    if (std::binary_search(files.begin(), files.end(), file)) continue;
    registry_->unload_file(file);
    changed.insert(p->name);
    spdlog::warn("plugins: {} (plugin {}) was removed", file, p->name);
  }
  for (const auto& file : files) {
    auto loaded = registry_->load_file(file);  // a no-op when the bytes are the same
    if (!loaded) {
      const bool serving = before.count(file) > 0;
      auto& logged = refusals_logged_[file];
      if (logged != loaded.error()) {  // new, or refused for another reason now
        spdlog::error("plugins: refused {}{}", loaded.error(),
                      serving ? "; the build loaded before keeps serving" : "");
        logged = loaded.error();
      }
      refusals.push_back(plugins::LoadRefusal{file, loaded.error()});
      continue;
    }
    refusals_logged_.erase(file);
    auto old = before.find(file);
    if (old != before.end() && old->second == *loaded) continue;
    const auto& p = **loaded;
    changed.insert(p.name);
    if (old != before.end()) changed.insert(old->second->name);
    spdlog::info("plugins: {} {} {} from {} (sha256 {})",
                 old == before.end() ? "loaded" : "replaced by", p.name, p.version, file,
                 p.sha256.substr(0, 12));
  }
  for (const auto& name : changed) {
    if (registry_->node_types(name).empty()) {
      spdlog::warn("plugins: no file provides plugin {} now; its nodes pause until one does", name);
    }
  }
  return changed;
}

void Host::apply_topologies(const std::set<std::string>& changed_plugins, control::Loaded& next) {
  auto scan = topology::load_topology_directory(config_.topologies_dir, *registry_);
  next.topology_errors = scan.errors;
  const auto previous = loaded_.get();
  std::map<std::string, const topology::Topology*> found;  // valid now, by name
  for (const auto& t : scan.topologies) found[t.name] = &t;
  std::set<std::string> handled;
  std::vector<topology::Topology> in_effect;
  bool routes_changed = false;

  auto install = [&](const topology::Topology& t, const char* why) {
    Status st = engine_->install(t, *registry_);
    if (!st) {
      spdlog::error("topology {}: {} failed: {}", t.name, why, st.message());
      next.topology_errors.push_back({t.file, 0, why + std::string(" failed: ") + st.message()});
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

  for (const auto& old : previous->topologies) {
    handled.insert(old.name);
    const bool running = old.enabled && engine_->version(old.name) > 0;
    auto now = found.find(old.name);
    if (now != found.end()) {
      const topology::Topology& t = *now->second;
      if (!t.enabled) {
        if (running) take_out(t.name, "disabled in " + t.file);
        in_effect.push_back(t);
      } else if (!running || t.content_hash != old.content_hash) {
        in_effect.push_back(install(t, running ? "changed: new version" : "enabled") ? t : old);
      } else if (uses_any(t, changed_plugins)) {
        install(t, "plugin changed: reinstalled");
        in_effect.push_back(t);
      } else {
        in_effect.push_back(old);
      }
    } else if (fs::exists(old.file) && has_errors(scan.errors, old.file)) {
      // An invalid edit (or a plugin it needs is gone): the running version stays.
      for (const auto& e : scan.errors) {
        if (e.file == old.file) spdlog::error("topology {}: {}", old.name, e.to_string());
      }
      if (running) {
        spdlog::error("topology {}: {} is invalid; version {} keeps running", old.name, old.file,
                      engine_->version(old.name));
        // Its nodes follow plugin changes all the same (a removed one pauses them).
        if (uses_any(old, changed_plugins)) install(old, "plugin changed: reinstalled");
      }
      in_effect.push_back(old);
    } else if (running) {
      take_out(old.name, fs::exists(old.file) ? old.file + " no longer declares it"
                                              : old.file + " was removed");
    }
  }
  for (const auto& t : scan.topologies) {
    if (handled.count(t.name)) continue;
    if (t.enabled) {
      if (install(t, "added")) in_effect.push_back(t);
    } else {
      in_effect.push_back(t);
    }
  }
  for (const auto& e : scan.errors) {
    bool known = std::any_of(previous->topologies.begin(), previous->topologies.end(),
                             [&](const auto& t) { return t.file == e.file; });
    if (!known) spdlog::error("topology: {}", e.to_string());
  }
  std::sort(in_effect.begin(), in_effect.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  if (routes_changed && face_) {
    std::vector<topology::Topology> running;
    for (const auto& t : in_effect) {
      if (t.enabled && engine_->version(t.name) > 0) running.push_back(t);
    }
    face_->set_topologies(running);
  }
  next.topologies = std::move(in_effect);
}

}  // namespace weir::runtime
