// An engine on a real SQLite store in a temp directory, with the real core
// and testkit plugins loaded through the real registry, and topologies read
// from YAML text by the real loader. Tests drive it and read the store.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "topology/topology_loader.hpp"
#include <weir/payload.hpp>

namespace weir::test {

class EngineFixture {
 public:
  // `own_plugins`: the test plugins are copied to plugins_dir() and loaded
  // from there, so a test may replace or remove them (hot reload).
  explicit EngineFixture(engine::EngineOptions options = {}, std::int64_t max_store_bytes = 0,
                         bool own_plugins = false)
      : registry_(dir_.file("plugin-cache")), options_(options), max_store_bytes_(max_store_bytes) {
    std::string test_plugins = WEIR_TEST_PLUGINS_DIR;
    if (own_plugins) {
      std::filesystem::create_directories(plugins_dir());
      for (const auto& e : std::filesystem::directory_iterator(test_plugins)) {
        if (e.path().extension() == ".so") {
          std::filesystem::copy_file(e.path(), plugins_dir() + "/" + e.path().filename().string());
        }
      }
      test_plugins = plugins_dir();
    }
    for (const std::string& d : {std::string(WEIR_PLUGINS_DIR), test_plugins}) {
      auto refused = registry_.load_directory(d);
      for (const auto& r : refused) FAIL("plugin refused: " << r.path << ": " << r.reason);
    }
    open();
  }
  ~EngineFixture() { close(); }

  // (Re)opens the store and a fresh engine (not started).
  void open() {
    auto s = store::open_sqlite_store(store::SqliteOptions{dir_.file("weir.db"), true,
                                                           max_store_bytes_});
    INFO(s.error());
    REQUIRE(s.is_ok());
    store_ = std::move(s).value();
    engine_ = std::make_unique<engine::Engine>(*store_, options_);
    engine_->add_finished_listener([this](const store::ProcessRecord& p) {
      std::lock_guard lock(mu_);
      finished_.insert(p.id);
      cv_.notify_all();
    });
  }
  // Takes effect at the next open().
  void set_max_store_bytes(std::int64_t bytes) { max_store_bytes_ = bytes; }
  void close() {
    engine_.reset();
    store_.reset();
  }

  // Before start(), or while running: a reload (the registry as it is now).
  void install(const std::string& yaml) {
    auto loaded = topology::load_topology_text(yaml, "test.yaml", registry_);
    for (const auto& e : loaded.errors) FAIL(e.to_string());
    Status st = engine_->install(*loaded.topology, registry_);
    INFO(st.message());
    REQUIRE(st.is_ok());
  }
  void start() { REQUIRE(engine_->start().is_ok()); }

  std::vector<store::ProcessId> run(const std::string& topology, const std::vector<Json>& payloads) {
    std::vector<engine::StartRequest> reqs;
    for (const auto& p : payloads) reqs.push_back({payload::from_json(p), {}, ""});
    auto r = engine_->start_processes(topology, std::move(reqs));
    INFO(r.error());
    REQUIRE(r.is_ok());
    return *r;
  }

  // Waits until every id has finished (up to `timeout`); true if they did.
  bool wait_finished(const std::vector<store::ProcessId>& ids,
                     std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (auto id : ids) {
        if (!finished_.count(id)) return false;
      }
      return true;
    });
  }

  store::ProcessRecord process(store::ProcessId id) {
    auto p = store_->process(id);
    REQUIRE(p.is_ok());
    REQUIRE(p->has_value());
    return **p;
  }
  std::int64_t total_queued() {
    std::int64_t n = 0;
    for (const auto& q : store_->queues().value()) n += q.queued;
    return n;
  }
  std::vector<store::TrashRecord> trash() { return store_->trash(100000).value(); }

  std::string plugins_dir() const { return dir_.file("plugins"); }
  plugins::PluginRegistry& registry() { return registry_; }
  engine::Engine& engine() { return *engine_; }
  store::Store& store() { return *store_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  plugins::PluginRegistry registry_;
  engine::EngineOptions options_;
  std::int64_t max_store_bytes_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<store::ProcessId> finished_;  // guarded by mu_
};

}  // namespace weir::test
