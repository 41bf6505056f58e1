// The directory watcher, on real directories under a temp dir: real files, real inotify.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/dir_watcher.hpp"
#include "support/temp_dir.hpp"

using weir::runtime::DirWatcher;
using weir::runtime::WatchOptions;
using weir::test::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kSettle = 50ms;
constexpr auto kTimeout = 5s;  // generous: only ever reached when a test fails

// Records the callback's calls; lets the test wait for them.
class Calls {
 public:
  DirWatcher::OnChange callback() {
    return [this](const std::vector<std::string>& dirs) {
      std::lock_guard lock(mu_);
      calls_.push_back(dirs);
      cv_.notify_all();
    };
  }
  // True once at least `n` calls came.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return calls_.size() >= n; });
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return calls_.size();
  }
  std::vector<std::string> at(std::size_t i) {
    std::lock_guard lock(mu_);
    return calls_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<std::string>> calls_;
};

void write_file(const fs::path& path, const std::string& text = "x: 1\n") {
  std::ofstream(path) << text;
}

// Makes `name` under the temp dir and returns its path.
std::string subdir(const TempDir& tmp, const std::string& name) {
  fs::create_directory(tmp.path() / name);
  return tmp.file(name);
}

void start(DirWatcher& w) {
  auto st = w.start();
  INFO(st.message());
  REQUIRE(st.is_ok());
}

// Negative checks have to wait: long enough that a callback would have come.
void quiet_period() { std::this_thread::sleep_for(4 * kSettle); }

}  // namespace

TEST_CASE("writing a new file fires the callback once with its directory") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  write_file(fs::path(dir) / "a.yaml");
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{dir});
  quiet_period();
  CHECK(calls.count() == 1);
}

TEST_CASE("a burst of writes within the settle time gives one callback") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  for (int i = 0; i < 20; ++i) write_file(fs::path(dir) / ("f" + std::to_string(i) + ".yaml"));
  REQUIRE(calls.wait_for(1));
  quiet_period();
  CHECK(calls.count() == 1);
}

TEST_CASE("a steady stream of writes still fires before it ends") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  // A write every settle/2 never leaves a quiet settle; the 5 x settle cap must fire anyway.
  const auto until = std::chrono::steady_clock::now() + kTimeout;
  for (int i = 0; calls.count() == 0 && std::chrono::steady_clock::now() < until; ++i) {
    write_file(fs::path(dir) / "big.so", std::to_string(i));
    std::this_thread::sleep_for(kSettle / 2);
  }
  CHECK(calls.count() >= 1);
}

TEST_CASE("writing a temp file and renaming it over fires") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  write_file(fs::path(dir) / "x.yaml", "old: 1\n");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  write_file(fs::path(dir) / ".x.yaml.tmp", "new: 1\n");
  fs::rename(fs::path(dir) / ".x.yaml.tmp", fs::path(dir) / "x.yaml");
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{dir});
}

TEST_CASE("deleting a file fires") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  write_file(fs::path(dir) / "x.yaml");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  fs::remove(fs::path(dir) / "x.yaml");
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{dir});
}

TEST_CASE("a change in the second of two directories reports only the second") {
  TempDir tmp;
  const std::string topologies = subdir(tmp, "topologies");
  const std::string plugins = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({topologies, plugins}, calls.callback(), WatchOptions{kSettle});
  start(w);
  write_file(fs::path(plugins) / "libfoo.so");
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{plugins});
}

TEST_CASE("dot files alone do not fire") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle});
  start(w);
  write_file(fs::path(dir) / ".x.yaml.swp");
  fs::rename(fs::path(dir) / ".x.yaml.swp", fs::path(dir) / ".x.yaml.swx");
  fs::remove(fs::path(dir) / ".x.yaml.swx");
  quiet_period();
  CHECK(calls.count() == 0);
}

TEST_CASE("trigger fires with every directory") {
  TempDir tmp;
  const std::string topologies = subdir(tmp, "topologies");
  const std::string plugins = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({topologies, plugins}, calls.callback(), WatchOptions{kSettle});
  start(w);
  w.trigger();
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{topologies, plugins});
  quiet_period();
  CHECK(calls.count() == 1);
}

TEST_CASE("events during a long callback give another callback afterwards") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  std::mutex mu;
  std::condition_variable cv;
  int entered = 0;       // guarded by mu
  bool release = false;  // guarded by mu
  DirWatcher w(
      {dir},
      [&](const std::vector<std::string>&) {
        std::unique_lock lock(mu);
        ++entered;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });  // the first call holds until the test says
      },
      WatchOptions{kSettle});
  start(w);
  write_file(fs::path(dir) / "a.yaml");
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, kTimeout, [&] { return entered == 1; }));
  }
  write_file(fs::path(dir) / "b.yaml");  // while the first call runs
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  std::unique_lock lock(mu);
  CHECK(cv.wait_for(lock, kTimeout, [&] { return entered == 2; }));
}

TEST_CASE("start on a missing directory fails naming it") {
  TempDir tmp;
  const std::string missing = tmp.file("no-such-dir");
  Calls calls;
  DirWatcher w({subdir(tmp, "topologies"), missing}, calls.callback(), WatchOptions{kSettle});
  auto st = w.start();
  REQUIRE_FALSE(st.is_ok());
  CHECK_THAT(st.message(), Catch::Contains(missing));
  CHECK_THAT(st.message(), Catch::Contains("No such file or directory"));
}

TEST_CASE("stop while a burst is pending returns promptly and no callback follows") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "topologies");
  Calls calls;
  constexpr auto kLongSettle = 500ms;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kLongSettle});
  start(w);
  write_file(fs::path(dir) / "a.yaml");
  std::this_thread::sleep_for(20ms);  // lets the thread read the event (not an assertion)
  const auto before = std::chrono::steady_clock::now();
  w.stop();
  CHECK(std::chrono::steady_clock::now() - before < kLongSettle / 2);
  w.stop();  // idempotent
  std::this_thread::sleep_for(2 * kLongSettle);  // a negative check: no callback comes
  CHECK(calls.count() == 0);
}

TEST_CASE("removing a watched directory does not stop the watcher") {
  TempDir tmp;
  const std::string topologies = subdir(tmp, "topologies");
  const std::string plugins = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({topologies, plugins}, calls.callback(), WatchOptions{kSettle});
  start(w);
  fs::remove(topologies);
  REQUIRE(calls.wait_for(1));
  CHECK(calls.at(0) == std::vector<std::string>{topologies});
  write_file(fs::path(plugins) / "libfoo.so");
  REQUIRE(calls.wait_for(2));
  CHECK(calls.at(1) == std::vector<std::string>{plugins});
}

TEST_CASE("a file still being written holds the callback back until it is closed") {
  // A plugin copied slowly (pauses longer than settle, and longer than the
  // 5 x settle cap in all) must not be read half-written.
  TempDir tmp;
  const std::string dir = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle, 10s});
  start(w);
  {
    std::ofstream out(fs::path(dir) / "slow.so", std::ios::binary);
    for (int chunk = 0; chunk < 8; ++chunk) {
      out << std::string(4096, 'x') << std::flush;
      std::this_thread::sleep_for(3 * kSettle);  // 8 x 150 ms: past settle and the cap
    }
    CHECK(calls.count() == 0);
  }  // closed
  REQUIRE(calls.wait_for(1));
  quiet_period();
  CHECK(calls.count() == 1);
}

TEST_CASE("a writer gone silent stops holding the callback back after write_stall") {
  TempDir tmp;
  const std::string dir = subdir(tmp, "plugins");
  Calls calls;
  DirWatcher w({dir}, calls.callback(), WatchOptions{kSettle, 300ms});
  start(w);
  std::ofstream out(fs::path(dir) / "stuck.so", std::ios::binary);
  out << "partial" << std::flush;  // and then nothing, the file left open
  REQUIRE(calls.wait_for(1));
}
