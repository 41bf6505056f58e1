// End-to-end helpers for the tests that run the simulators: their JSON
// control calls (/_sim/stats, /_sim/change), a shipped topology file's text,
// and waiting for a condition to hold. The test stops (REQUIRE) on an answer
// that is not 200.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/http_client.hpp"

namespace weir::test {

inline nlohmann::json get_json(const std::string& url) {
  HttpClient http;
  auto r = http.get(url);
  INFO(url << ": " << r.status << " " << r.body << r.error);
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

inline nlohmann::json post_json(const std::string& url, const nlohmann::json& body) {
  HttpClient http;
  auto r = http.post(url, body.dump(), {{"Content-Type", "application/json"}});
  INFO(url << ": " << r.status << " " << r.body << r.error);
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

// The text of topologies/<file> as shipped in the repository.
inline std::string shipped_topology(const std::string& file) {
  std::ifstream in(std::string(WEIR_SOURCE_DIR) + "/topologies/" + file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with each cron trigger moved to once a year (a test that counts
// requests per run must not meet a run the clock started in between).
inline std::string without_cron(std::string text) {
  const std::string key = "cron: \"";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const auto end = text.find('"', at + key.size());
    if (end == std::string::npos) break;
    text.replace(at + key.size(), end - at - key.size(), "0 0 1 1 *");
  }
  return text;
}

// Polls `done` every 20 ms until it holds or `timeout` passes; its last answer.
inline bool wait_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace weir::test
