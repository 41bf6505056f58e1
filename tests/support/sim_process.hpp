// A simulator (examples/sims/) as a child process for tests: started with
// its arguments, its "listening on http://..." line read from its stdout to
// learn where it serves, SIGTERMed (then SIGKILLed) when the object goes.
//
//   SimProcess shop("weir-sim-woocommerce", {"--products", "250", "--seed", "7"});
//   REQUIRE(shop.start());
//   curl(shop.base() + "/wp-json/wc/v3/products") ...
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace weir::test {

class SimProcess {
 public:
  // `binary`: a file name in build/bin.
  SimProcess(std::string binary, std::vector<std::string> args)
      : binary_(std::string(WEIR_BIN_DIR) + "/" + std::move(binary)), args_(std::move(args)) {}
  ~SimProcess() { stop(); }
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  // Starts it and waits (up to `timeout`) for its listening line.
  bool start(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    int out[2];
    if (::pipe(out) != 0) return false;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv{const_cast<char*>(binary_.c_str())};
      for (auto& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary_.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return false;  // it exited
      seen.append(buf, static_cast<std::size_t>(n));
      const auto at = seen.find("listening on ");
      const auto eol = at == std::string::npos ? at : seen.find('\n', at);
      if (eol != std::string::npos) {
        base_ = seen.substr(at + 13, eol - at - 13);
        return true;
      }
    }
    return false;
  }

  // "http://127.0.0.1:PORT"
  const std::string& base() const { return base_; }
  pid_t pid() const { return pid_; }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = 0;
    }
    if (out_ >= 0) ::close(out_);
    out_ = -1;
  }

 private:
  std::string binary_;
  std::vector<std::string> args_;
  pid_t pid_ = 0;
  int out_ = -1;
  std::string base_;
};

}  // namespace weir::test
