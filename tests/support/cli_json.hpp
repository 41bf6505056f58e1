// End-to-end helpers over the CLI's --json output: what `weir status` says
// of a node, and waiting for a node to reach a count.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/host_process.hpp"

namespace weir::test {

// The command's stdout parsed as JSON; the test stops if it failed.
inline nlohmann::json json_of(const CliResult& r) {
  INFO(r.out);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

// The node's entry in `weir status --json` (an empty `topology` matches any);
// null when there is none.
inline nlohmann::json node_status(const WeirHome& home, const std::string& node,
                                  const std::string& topology = {}) {
  const nlohmann::json status = json_of(home.cli("status", {"--json"}));  // named: loops below
  for (const auto& t : status["topologies"]) {
    if (!topology.empty() && t["name"] != topology) continue;
    for (const auto& n : t["nodes"]) {
      if (n["id"] == node) return n;
    }
  }
  return nullptr;
}

// Messages the node has finished (-1: no such node).
inline std::int64_t done_at(const WeirHome& home, const std::string& node) {
  const nlohmann::json n = node_status(home, node);
  return n.is_null() ? -1 : n["done"].get<std::int64_t>();
}

// Waits (up to `timeout`) until the node has finished at least `n` messages.
inline bool wait_done(const WeirHome& home, const std::string& node, std::int64_t n,
                      std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done_at(home, node) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace weir::test
