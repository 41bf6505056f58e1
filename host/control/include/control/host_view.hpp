// HostView: the parts of a running host the control server reads and drives.
// Owned by the runtime; every pointer outlives the control server.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "apps/app_loader.hpp"
#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"
#include "schedule/scheduler.hpp"

namespace weir::control {

// What the host's last load or reload of its directories found.
struct Loaded {
  std::vector<plugins::LoadRefusal> plugin_refusals;
  // In effect: the running version of each topology (which an invalid edit
  // of its file does not replace), and the valid disabled ones.
  std::vector<topology::Topology> topologies;
  std::vector<topology::TopologyError> topology_errors;  // of the files as they are now
  // In effect: each application's running version (an invalid edit of its
  // file does not replace it), and the errors of the files as they are now.
  std::vector<apps::App> apps;
  std::vector<apps::AppError> app_errors;
  // Apps among `apps` whose file is gone, kept because topologies in effect
  // still name them: app -> those topologies.
  std::map<std::string, std::vector<std::string>> apps_kept_for;
  int reloads = 0;               // rescans since the start
  std::int64_t reloaded_ms = 0;  // when the last one ended (0: none yet)
};

// The current Loaded, replaced whole by each reload; readers keep the one
// they got. Any thread.
class LoadedBox {
 public:
  std::shared_ptr<const Loaded> get() const {
    std::lock_guard lock(mu_);
    return now_;
  }
  void set(Loaded loaded) {
    auto next = std::make_shared<const Loaded>(std::move(loaded));
    std::lock_guard lock(mu_);
    now_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Loaded> now_ = std::make_shared<const Loaded>();
};

struct HostView {
  engine::Engine* engine = nullptr;
  store::Store* store = nullptr;
  plugins::PluginRegistry* registry = nullptr;
  const LoadedBox* loaded = nullptr;
  const schedule::Scheduler* scheduler = nullptr;  // null: no triggers shown
  const std::string* http_address = nullptr;        // "127.0.0.1:8780"; null or "": no HTTP
  // Rescans the plugins and topologies directories now and applies what
  // changed (what the watcher does on its own); empty: not offered.
  std::function<void()> reload;
  // Moves the messages waiting for a topology that no longer runs to the
  // trash (name, reason); returns how many. Empty: not offered.
  std::function<Result<std::int64_t>(const std::string&, const std::string&)> discard_topology;
  // apps.check: the app's check request; runs on a thread of its own (it
  // waits for the remote), never on the control thread. Empty: not offered.
  std::function<nlohmann::json(const std::string& app)> check_app;
  // limiter.ls: each application's limiter figures. Empty: none.
  std::function<nlohmann::json()> limiters;
};

}  // namespace weir::control
