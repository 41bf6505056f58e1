// End-to-end helpers: the real `weir` binary in a temp directory.
//
//   WeirHome home({"core.so", "testkit.so"});   // weir.yaml + plugins + topologies
//   home.add_topology("chain.yaml", yaml);
//   HostProcess host(home);  host.start();       // `weir serve`, waits until it answers
//   auto r = weir_cli(home, {"run", "chain", "--wait"});
//   host.kill(SIGKILL);
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/pg_cluster.hpp"
#include "support/temp_dir.hpp"

namespace weir::test {

inline const std::string kWeirBinary = std::string(WEIR_BUILD_DIR) + "/bin/weir";

struct CliResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `weir <args...>` and captures its output.
inline CliResult run_weir(const std::vector<std::string>& args) {
  std::string cmd = "'" + kWeirBinary + "'";
  for (const auto& a : args) {
    std::string quoted;
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += " '" + quoted + "'";
  }
  cmd += " 2>&1";
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The weir.yaml every test home starts with. HTTP on port 0: tests run side
// by side; `weir status --json` says which port ("http").
// With WEIR_TEST_STORE=postgres (the suites' second registration) the store
// is a PostgreSQL database of the home's own, its URL in the private file
// pg-url (support/pg_cluster.hpp).
inline const std::string kBaseConfig =
    "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\n"
    "http: {listen: \"127.0.0.1:0\"}\n" +
    std::string(store_under_test() == "postgres" ? "store: {kind: postgres, url: file:pg-url}\n"
                                                 : "");

// A weir installation in a temp directory: weir.yaml, plugins/, topologies/, data/.
class WeirHome {
 public:
  // Copies the named plugin files (from the build) into plugins/.
  explicit WeirHome(const std::vector<std::string>& plugin_files) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_.path() / "plugins");
    fs::create_directories(dir_.path() / "topologies");
    for (const auto& f : plugin_files) {
      fs::path from = fs::path(WEIR_PLUGINS_DIR) / f;
      if (!fs::exists(from)) from = fs::path(WEIR_TEST_PLUGINS_DIR) / f;
      fs::copy_file(from, dir_.path() / "plugins" / f);
    }
    write("weir.yaml", kBaseConfig);
    if (store_under_test() == "postgres") {
      database_ = std::make_unique<PgDatabase>();
      write("pg-url", database_->url());
      fs::permissions(dir_.path() / "pg-url", fs::perms::owner_read | fs::perms::owner_write);
    }
  }
  // The PostgreSQL database of this home (null on SQLite).
  const PgDatabase* database() const { return database_.get(); }
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(dir_.file(relative)) << text;
  }
  void add_topology(const std::string& file, const std::string& yaml) const {
    write("topologies/" + file, yaml);
  }
  std::string config() const { return dir_.file("weir.yaml"); }
  std::string path(const std::string& relative) const { return dir_.file(relative); }

  // `weir <command> --config <this home's weir.yaml> <args...>`
  CliResult cli(const std::string& command, std::vector<std::string> args = {}) const {
    std::vector<std::string> all;
    std::string rest = command;
    for (std::size_t pos; (pos = rest.find(' ')) != std::string::npos; rest = rest.substr(pos + 1)) {
      all.push_back(rest.substr(0, pos));
    }
    all.push_back(rest);
    all.push_back("--config");
    all.push_back(config());
    all.insert(all.end(), args.begin(), args.end());
    return run_weir(all);
  }

 private:
  TempDir dir_;
  std::unique_ptr<PgDatabase> database_;  // PostgreSQL only; dropped (WITH FORCE) first
};

// `weir serve` as a child process, its output in <home>/serve-<n>.log.
class HostProcess {
 public:
  explicit HostProcess(const WeirHome& home, std::vector<std::string> extra = {})
      : home_(home), extra_(std::move(extra)) {}
  ~HostProcess() {
    if (pid_ > 0) kill(SIGKILL);
  }

  // Starts the host and waits until its control socket answers.
  bool start(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    log_ = home_.path("serve-" + std::to_string(++starts_) + ".log");
    pid_ = ::fork();
    if (pid_ == 0) {
      rlimit no_core{0, 0};  // a test that crashes the host on purpose leaves no core file
      ::setrlimit(RLIMIT_CORE, &no_core);
      std::FILE* f = std::fopen(log_.c_str(), "w");
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
      std::vector<std::string> args = {kWeirBinary, "serve", "--config", home_.config()};
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(kWeirBinary.c_str(), argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (home_.cli("status").code == 0) return true;
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return pid_ = -1, false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // True once the host has ended by itself (waited for up to `timeout`).
  bool exited(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      int status;
      if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) return pid_ = -1, true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  // Sends `sig` and waits for the process to end; returns its exit status.
  int kill(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  pid_t pid() const { return pid_; }

  // The host's resident memory now, in KiB, from /proc (0 if it is not running).
  long rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }

  std::string log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  const WeirHome& home_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int starts_ = 0;
  std::string log_;
};

}  // namespace weir::test
