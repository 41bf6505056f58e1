// The decisions of a hot reload, as pure functions: what runs now and what
// a rescan of plugins_dir and topologies_dir found -> what to do. They are
// the table in docs/architecture.md ("Hot reload"):
//
//   new valid topology file         installed (added)
//   changed valid file              its new version replaces the running one
//   invalid file                    nothing changes; the running version
//                                   stays, its errors are logged and shown
//   file removed / enabled: false   taken out; its queued messages wait
//   new or changed .so              loaded; every topology with a node of
//                                   that plugin is installed again
//   .so refused                     nothing changes; the build loaded
//                                   before keeps serving
//   .so removed                     forgotten; the topologies using it are
//                                   installed again, their nodes paused
//
// A rescan goes in two steps, because the topologies are read against the
// plugins as they are once the plugin files are loaded:
//   1. plan_plugin_files: which files to forget and which to load;
//   2. (the host loads them and reads the topologies directory)
//      plan_reload: what each load means, and per topology what to do.
// Host::reload (reload.cpp) gathers the input, does the steps in order and
// logs each decision.
//
// Free functions of values; no I/O, no state; any thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plugins/plugin_registry.hpp"
#include "topology/topology.hpp"
#include "topology/topology_loader.hpp"

namespace weir::runtime {

// One build of a plugin, by the file it was loaded from.
struct PluginBuild {
  std::string file;
  std::string name;
  std::string version;
  std::string sha256;
};

// A *.so file a rescan found, with the SHA-256 of its bytes ("": it could
// not be read; loading it says why).
struct PluginFile {
  std::string file;
  std::string sha256;
};

// Step 1. Files gone are forgotten first: a plugin renamed (acme-1.0.so ->
// acme-1.1.so) would otherwise be refused as already loaded from its old
// name. A file is loaded when no build of its bytes is loaded from it: new,
// changed, unreadable, or refused before (a fix outside the file, such as a
// missing library installed, may make it load now).
struct PluginFileSteps {
  std::vector<PluginBuild> forget;  // builds whose file is gone
  std::vector<std::string> load;    // files, in the order found
};
PluginFileSteps plan_plugin_files(const std::vector<PluginBuild>& loaded,
                                  const std::vector<PluginFile>& found);

// What loading one file gave: its build, or why it was refused.
struct PluginLoad {
  std::string file;
  std::optional<PluginBuild> build;
  std::string refusal;  // set when `build` is not
};

// What runs now: the result of the last load or reload.
struct ReloadBefore {
  std::vector<PluginBuild> plugins;  // loaded
  // Refusals as last logged (file -> reason): one that stays the same is
  // not logged again at every rescan.
  std::map<std::string, std::string> refusals_logged;
  struct InEffect {
    topology::Topology topology;  // the running version, or a valid disabled one
    bool running = false;         // enabled and installed in the engine
  };
  std::vector<InEffect> topologies;
};

// What the rescan found.
struct ReloadScan {
  std::vector<PluginFile> plugin_files;
  std::vector<PluginLoad> loads;  // of the files step 1 said to load
  // The topologies directory, read against the plugins loaded now.
  topology::DirectoryLoad topologies;
  // Which files of the topologies in effect still exist.
  std::set<std::string> existing_files;
};

// A plugin change, for the log.
struct PluginEvent {
  enum class Kind {
    loaded,      // a new file's build
    replaced,    // a file's new build in place of its old one (`build`)
    refused,     // `reason`; `serving`: a build loaded before from the file keeps serving
    removed,     // the file of `build` is gone
    unprovided,  // no file provides plugin `build.name` now: its nodes pause
  };
  Kind kind;
  PluginBuild build;
  std::string reason;
  bool serving = false;
  bool log = true;  // refused: false when this refusal was logged at an earlier rescan
};

// What to do with one topology (by name), and why.
struct TopologyDecision {
  enum class Kind {
    added,        // a new valid file: install `topology`
    enabled,      // valid, was not running (it was disabled): install `topology`
    changed,      // valid, other content: install `topology` (a new version)
    reinstalled,  // same content, a plugin it uses changed: install `topology` again
    unchanged,    // nothing to do
    invalid,      // the file has errors: the version in effect stays (`errors`);
                  // with `install` set, it is installed again (a plugin it uses changed)
    disabled,     // `enabled: false`: taken out if it ran; listed as disabled
    removed,      // the file is gone or declares another name: taken out if it ran
  };
  Kind kind;
  // The version this is about: the one to install, or the one in effect
  // (unchanged, invalid, removed).
  topology::Topology topology;
  bool install = false;   // Engine::install(topology), then its triggers
  bool take_out = false;  // Engine::uninstall (its messages wait), triggers removed
  bool running = false;   // it ran before this reload
  std::string why;        // the log's words for the install or the take-out
  std::vector<topology::TopologyError> errors;  // invalid: its file's errors
  // In effect before (the fallback when an install fails).
  std::optional<topology::Topology> previous;
};

struct ReloadPlan {
  std::vector<PluginEvent> plugin_events;
  std::set<std::string> changed_plugins;  // names whose build changed or went away
  std::vector<plugins::LoadRefusal> refusals;  // as `plugins ls` shows them
  std::map<std::string, std::string> refusals_logged;  // for the next rescan
  // The topologies in effect before first (in their order), then the new
  // files' (by name).
  std::vector<TopologyDecision> topologies;
  // Errors of files no topology in effect came from (logged as found).
  std::vector<topology::TopologyError> new_file_errors;
};

// Step 2.
ReloadPlan plan_reload(const ReloadBefore& before, const ReloadScan& scan);

// What `weir topology ls` lists for `d` once it is done: the version
// installed, or the previous one when the install failed (none for a new
// file); the version in effect when nothing was installed; none when it
// was removed.
std::optional<topology::Topology> in_effect_after(const TopologyDecision& d, bool install_ok);

// Does `t` have a node whose type comes from one of `plugins`?
bool uses_any(const topology::Topology& t, const std::set<std::string>& plugins);

}  // namespace weir::runtime
