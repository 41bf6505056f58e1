// Host: one running weir (what `weir serve` is). Starts the parts in order:
// data directory lock, store (with crash recovery), plugins, topologies,
// engine, control socket; stops them in reverse, draining in-flight work.
//
// Threads: start/stop from one thread (main). The parts run their own.
#pragma once

#include <memory>
#include <vector>

#include "config/host_config.hpp"
#include "control/control_server.hpp"
#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"
#include "http/face.hpp"
#include "http/http_server.hpp"
#include "triggers/scheduler.hpp"

namespace weir::runtime {

class Host {
 public:
  explicit Host(config::HostConfig config);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  Status start();
  void stop();

 private:
  Status lock_data_dir();
  Status load_plugins_and_topologies();
  Status start_http();

  config::HostConfig config_;
  int lock_fd_ = -1;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<plugins::PluginRegistry> registry_;
  std::vector<plugins::LoadRefusal> refusals_;
  std::vector<topology::Topology> topologies_;
  std::vector<topology::TopologyError> topology_errors_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<triggers::Scheduler> scheduler_;
  std::unique_ptr<http::Face> face_;
  std::unique_ptr<http::Server> http_;
  std::string http_address_;  // what the server bound ("" when off)
  std::unique_ptr<control::ControlServer> control_;
};

// `weir serve`: runs a host until SIGINT or SIGTERM (a second one exits at
// once). Returns the process exit code.
int serve(const config::HostConfig& config);

}  // namespace weir::runtime
