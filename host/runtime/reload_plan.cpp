#include "reload_plan.hpp"

#include <algorithm>

namespace weir::runtime {
namespace {

using Kind = TopologyDecision::Kind;

const PluginBuild* build_of(const std::vector<PluginBuild>& builds, const std::string& file) {
  for (const auto& b : builds) {
    if (b.file == file) return &b;
  }
  return nullptr;
}

bool found_file(const std::vector<PluginFile>& found, const std::string& file) {
  return std::any_of(found.begin(), found.end(),
                     [&](const PluginFile& f) { return f.file == file; });
}

bool has_errors(const std::vector<topology::TopologyError>& errors, const std::string& file) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const topology::TopologyError& e) { return e.file == file; });
}

// The plugin half of the plan: what each load and each file gone means.
void plan_plugins(const ReloadBefore& before, const ReloadScan& scan, ReloadPlan& plan) {
  plan.refusals_logged = before.refusals_logged;
  std::erase_if(plan.refusals_logged, [&](const auto& entry) {  // files gone: logged afresh if back
    return !found_file(scan.plugin_files, entry.first);
  });
  std::vector<PluginBuild> after;  // what is loaded once the loads are done
  for (const auto& b : before.plugins) {
    if (found_file(scan.plugin_files, b.file)) {
      after.push_back(b);
      continue;
    }
    plan.plugin_events.push_back({PluginEvent::Kind::removed, b});
    plan.changed_plugins.insert(b.name);
  }
  for (const auto& f : scan.plugin_files) {  // a file with its build loaded: not refused now
    const PluginBuild* b = build_of(before.plugins, f.file);
    if (b && b->sha256 == f.sha256) plan.refusals_logged.erase(f.file);
  }
  for (const auto& load : scan.loads) {
    const PluginBuild* old = build_of(before.plugins, load.file);
    if (!load.build) {
      auto& logged = plan.refusals_logged[load.file];
      PluginEvent refused{PluginEvent::Kind::refused, {}, load.refusal, old != nullptr};
      refused.build.file = load.file;
      refused.log = logged != load.refusal;  // new, or refused for another reason now
      logged = load.refusal;
      plan.plugin_events.push_back(std::move(refused));
      plan.refusals.push_back(plugins::LoadRefusal{load.file, load.refusal});
      continue;
    }
    plan.refusals_logged.erase(load.file);
    const PluginBuild& now = *load.build;
    if (old && old->sha256 == now.sha256 && old->name == now.name) continue;  // the same build
    plan.changed_plugins.insert(now.name);
    if (old) plan.changed_plugins.insert(old->name);
    std::erase_if(after, [&](const PluginBuild& b) { return b.file == now.file; });
    after.push_back(now);
    plan.plugin_events.push_back(
        {old ? PluginEvent::Kind::replaced : PluginEvent::Kind::loaded, now});
  }
  for (const auto& name : plan.changed_plugins) {
    const bool provided = std::any_of(after.begin(), after.end(),
                                      [&](const PluginBuild& b) { return b.name == name; });
    if (provided) continue;
    PluginEvent gone{PluginEvent::Kind::unprovided};
    gone.build.name = name;
    plan.plugin_events.push_back(std::move(gone));
  }
}

// A topology in effect before: what its file says now.
TopologyDecision decide(const ReloadBefore::InEffect& old, const ReloadScan& scan,
                        const topology::Topology* now, const std::set<std::string>& changed) {
  TopologyDecision d{Kind::unchanged, old.topology};
  d.running = old.running;
  d.previous = old.topology;
  const std::string& file = old.topology.file;
  if (now) {
    d.topology = *now;
    if (!now->enabled) {
      d.kind = Kind::disabled;
      d.take_out = old.running;
      d.why = "disabled in " + now->file;
    } else if (!old.running || now->content_hash != old.topology.content_hash) {
      d.kind = old.running ? Kind::changed : Kind::enabled;
      d.install = true;
      d.why = old.running ? "changed: new version" : "enabled";
    } else if (uses_any(*now, changed)) {
      d.kind = Kind::reinstalled;
      d.install = true;
      d.why = "plugin changed: reinstalled";
    } else {
      d.topology = old.topology;  // the same content: what runs stays as it is
    }
    return d;
  }
  if (scan.existing_files.count(file) && has_errors(scan.topologies.errors, file)) {
    // An invalid edit (or a plugin it needs is gone): the version in effect
    // stays; its nodes follow plugin changes all the same (a removed one
    // pauses them).
    d.kind = Kind::invalid;
    for (const auto& e : scan.topologies.errors) {
      if (e.file == file) d.errors.push_back(e);
    }
    if (old.running && uses_any(old.topology, changed)) {
      d.install = true;
      d.why = "plugin changed: reinstalled";
    }
    return d;
  }
  d.kind = Kind::removed;
  d.take_out = old.running;
  d.why = scan.existing_files.count(file) ? file + " no longer declares it" : file + " was removed";
  return d;
}

}  // namespace

bool uses_any(const topology::Topology& t, const std::set<std::string>& plugins) {
  return std::any_of(t.nodes.begin(), t.nodes.end(), [&](const topology::NodeSpec& n) {
    return plugins.count(n.type.substr(0, n.type.find('.'))) > 0;
  });
}

PluginFileSteps plan_plugin_files(const std::vector<PluginBuild>& loaded,
                                  const std::vector<PluginFile>& found) {
  PluginFileSteps steps;
  for (const auto& b : loaded) {
    if (!found_file(found, b.file)) steps.forget.push_back(b);
  }
  for (const auto& f : found) {
    const PluginBuild* b = build_of(loaded, f.file);
    if (!b || f.sha256.empty() || b->sha256 != f.sha256) steps.load.push_back(f.file);
  }
  return steps;
}

ReloadPlan plan_reload(const ReloadBefore& before, const ReloadScan& scan) {
  ReloadPlan plan;
  plan_plugins(before, scan, plan);
  std::map<std::string, const topology::Topology*> found;  // valid now, by name
  for (const auto& t : scan.topologies.topologies) found[t.name] = &t;
  std::set<std::string> known;
  for (const auto& old : before.topologies) {
    known.insert(old.topology.name);
    auto now = found.find(old.topology.name);
    plan.topologies.push_back(
        decide(old, scan, now == found.end() ? nullptr : now->second, plan.changed_plugins));
  }
  for (const auto& t : scan.topologies.topologies) {
    if (known.count(t.name)) continue;
    TopologyDecision d{t.enabled ? Kind::added : Kind::disabled, t};
    d.install = t.enabled;
    d.why = t.enabled ? "added" : "";
    plan.topologies.push_back(std::move(d));
  }
  for (const auto& e : scan.topologies.errors) {
    const bool known_file = std::any_of(before.topologies.begin(), before.topologies.end(),
                                        [&](const auto& t) { return t.topology.file == e.file; });
    if (!known_file) plan.new_file_errors.push_back(e);
  }
  return plan;
}

std::optional<topology::Topology> in_effect_after(const TopologyDecision& d, bool install_ok) {
  switch (d.kind) {
    case Kind::added:
    case Kind::enabled:
    case Kind::changed:
      if (install_ok) return d.topology;
      return d.previous;
    case Kind::reinstalled:  // the same content either way
    case Kind::unchanged:
    case Kind::invalid:
    case Kind::disabled:
      return d.topology;
    case Kind::removed:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace weir::runtime
