// Host: one running weir (what `weir serve` is). Starts the parts in order:
// data directory lock, store (with crash recovery), plugins, topologies,
// engine, scheduler, HTTP, control socket, directory watcher; stops them in
// reverse, draining in-flight work.
//
// Hot reload (reload.cpp, deciding with reload_plan.hpp): the watcher
// (dir_watcher.hpp) calls reload() when files in plugins_dir, topologies_dir
// or apps_dir change; it rescans them and applies the difference to the
// engine, the scheduler, the webhook receiver and the apps in effect
// (apps::rescan_apps: an invalid edit keeps the running version):
//   - a new or changed plugin file is loaded (a refused one changes nothing:
//     the build already loaded keeps serving); topologies that use a changed
//     plugin are installed again, so new calls go to the new build once the
//     old build's calls have finished; a removed file pauses its nodes;
//   - a new valid topology file is installed; a changed valid one replaces
//     its running version (Engine::install); an invalid one changes nothing
//     and its errors (file:line) are logged and shown; a removed file (or
//     `enabled: false`) takes the topology out, keeping its queued messages.
//
// Threads: start/stop from one thread (main). reload() runs on the watcher's
// thread (or the control server's, for `weir reload`), one at a time; it is
// the management thread for plugins once the host has started. The parts
// run their own threads.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "config/host_config.hpp"
#include "control/control_server.hpp"
#include "engine/engine.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "httpclient/app_clients.hpp"
#include "plugins/plugin_registry.hpp"
#include "schedule/scheduler.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"
#include "webhooks/receiver.hpp"

namespace weir::runtime {

// The runtime's inside (dir_watcher.hpp, reload_plan.hpp).
class DirWatcher;
struct ReloadBefore;
struct ReloadPlan;

class Host {
 public:
  explicit Host(config::HostConfig config);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  Status start();
  void stop();

  // Rescans plugins_dir and topologies_dir and applies what changed.
  void reload();
  // `weir topology discard`: the messages waiting for a topology that no
  // longer runs go to the trash (serialised with reloads, so it cannot race
  // the topology coming back).
  Result<std::int64_t> discard(const std::string& topology, const std::string& reason);

 private:
  Status lock_data_dir();
  Result<std::unique_ptr<store::Store>> open_store();
  Status load_plugins_and_topologies();
  Status start_http();
  void load_apps(control::Loaded& now);
  // Returns the apps whose file went away: they stay in `next.apps` until
  // settle_removed_apps knows whether a topology in effect still names them.
  apps::AppTypes app_types() const;
  std::vector<apps::App> reload_apps(const control::Loaded& previous, control::Loaded& next);
  void settle_removed_apps(std::vector<apps::App> removed, control::Loaded& next);
  static void log_insecure(const apps::App& a);
  // reload.cpp (the decisions: reload_plan.hpp)
  ReloadBefore what_runs(const control::Loaded& loaded) const;
  void apply_topologies(const ReloadPlan& plan, control::Loaded& next);
  // Tells the store which topology versions this host runs, and says in the
  // log which of them differ from what other live hosts run (a cluster).
  void share_running(const std::vector<topology::Topology>& in_effect);

  config::HostConfig config_;
  int lock_fd_ = -1;
  std::unique_ptr<store::Store> store_;
  std::string store_name_;  // for the log: the SQLite file, or the PostgreSQL host name
  std::unique_ptr<plugins::PluginRegistry> registry_;
  control::LoadedBox loaded_;  // what the last load or reload found
  std::mutex reload_mu_;       // one reload at a time
  // Plugin files refused, and why, as last logged: a file that stays
  // refused for the same reason is not logged again at every rescan.
  // Guarded by reload_mu_ (written before the host starts, then by reloads).
  std::map<std::string, std::string> refusals_logged_;
  bool stopping_ = false;      // guarded by reload_mu_: no reload once stop() began
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<schedule::Scheduler> scheduler_;
  std::unique_ptr<webhooks::Receiver> webhooks_;
  httpclient::AppClients clients_;  // each app's client and limiter, as in effect
  std::unique_ptr<engine::AppGateway> gateway_;  // nodes' http calls, through clients_
  http::Router routes_;          // set up before http_ starts, then read-only
  std::atomic<bool> ready_{false};  // /readyz
  std::unique_ptr<http::Server> http_;
  std::string http_address_;  // what the server bound ("" when off)
  std::unique_ptr<control::ControlServer> control_;
  std::unique_ptr<DirWatcher> watcher_;
};

// `weir serve`: runs a host until SIGINT or SIGTERM (a second one exits at
// once). Returns the process exit code.
int serve(const config::HostConfig& config);

}  // namespace weir::runtime
