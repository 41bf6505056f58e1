// What end-to-end tests of applications and the limiter make again and
// again: an app file, a topology of testkit.fetch calls through it, a file
// of payloads, a plain JSON answer, and the busiest window of arrivals.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "http/http_server.hpp"
#include "support/host_process.hpp"

namespace weir::test {

// A JSON-lines file of `n` payloads, for `weir run --payloads`.
inline std::string payloads(const WeirHome& home, const std::string& name, int n) {
  const std::string path = home.path(name);
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) out << "{\"i\": " << i << "}\n";
  return path;
}

// Writes apps/<name>.yaml.
inline void add_app(const WeirHome& home, const std::string& name, const std::string& yaml) {
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/" + name + ".yaml", yaml);
}

inline std::string app_file(const std::string& name, const std::string& base,
                            const std::string& rate, int concurrency,
                            const std::string& extra = "") {
  return "name: " + name + "\ntype: http\nbase_url: " + base + "/\nrate: " + rate +
         "\nconcurrency: " + std::to_string(concurrency) + "\n" + extra;
}

inline std::string fetch_topology(const std::string& name, const std::string& app,
                                  int concurrency, const std::string& retry = "") {
  return "name: " + name + "\nnodes:\n  - {id: fetch, type: testkit.fetch, app: " + app +
         ", concurrency: " + std::to_string(concurrency) + ", config: {target: ping}" + retry +
         "}\n";
}

inline http::Response ok_answer() {
  http::Response r;
  r.content_type = "application/json";
  r.body = R"({"ok": true})";
  return r;
}

// The most arrivals in any window [t, t + width) that starts at an arrival
// (`at` sorted).
inline std::size_t busiest(const std::vector<std::chrono::steady_clock::time_point>& at,
                           std::chrono::milliseconds width) {
  std::size_t most = 0;
  for (std::size_t i = 0, j = 0; i < at.size(); ++i) {
    while (j < at.size() && at[j] < at[i] + width) ++j;
    most = std::max(most, j - i);
  }
  return most;
}

}  // namespace weir::test
