// Webhook triggers: a request to /hooks/<topology>/<trigger> checked (route,
// method, size, signature, back-pressure, JSON) and started as a process of
// its topology, answered 202 once that process is durable. receiver.cpp
// lists the answers in the order they are checked.
//
// Threads: handle() runs on the HTTP server's I/O threads (http/router.hpp
// sends it every path under kPathPrefix); it never waits for the store's
// commit (the answer comes from the starter's callback, on the engine's
// thread). set_topologies() from the reloading thread, at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/secret_source.hpp"
#include "engine/process_starter.hpp"
#include "http/http_server.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"

namespace weir::webhooks {

inline constexpr std::string_view kPathPrefix = "/hooks/";

// Webhook answers by status code, for /metrics.
class StatusCounts {
 public:
  static constexpr std::array<int, 10> kCodes = {200, 202, 400, 401, 404, 405, 413, 500, 503, 0};
  void count(int status);
  std::vector<std::pair<int, std::uint64_t>> snapshot() const;  // (code, n); code 0: other

 private:
  std::array<std::atomic<std::uint64_t>, kCodes.size()> counts_{};
};

// One webhook trigger, ready to check requests.
struct Hook {
  std::string topology;
  topology::TriggerSpec spec;
  // secret_env / secret_file, read at each request (null: signature none).
  std::shared_ptr<const SecretSource> secret;
  // The signature's header in lower case ("" for none): never stored with
  // the message, nor is WooCommerce's whatever the scheme.
  std::string signature_header;
  std::size_t max_body = 0;
};

class Receiver {
 public:
  // `topologies`: the installed (enabled) ones. Secrets are read at each
  // request (common/secret_source.hpp), so a secret file created or rotated
  // later is used at once; one missing here is logged, and its hook answers
  // 500 (naming nothing; the log says what is missing) until it is there.
  // `max_body`: the host's limit, for hooks without their own.
  // `max_queued` > 0: a webhook answers 503 while its topology's entry
  // nodes hold that many messages (counted at most every 250 ms).
  // Processes start through `starter` (the engine, unless a test gives its
  // own); `clock` says when the queued count is due for a refresh.
  Receiver(engine::ProcessStarter& starter, store::Store& store,
           const std::vector<topology::Topology>& topologies, std::size_t max_body,
           std::int64_t max_queued = 0, const Clock& clock = system_clock());

  // After a reload: the hooks of these topologies replace all others. A
  // request already past its lookup finishes with the hooks it found.
  void set_topologies(const std::vector<topology::Topology>& topologies);

  void handle(http::Request&& request, http::Respond respond);
  // The server's own refusals of a webhook path (413, 503 ...): they count
  // with the webhook answers.
  void count_refused(int status);
  // Answers given since start, by status (for /metrics).
  std::vector<std::pair<int, std::uint64_t>> answers() const { return answers_.snapshot(); }

 private:
  // What the running topologies offer; replaced whole by a reload.
  struct Routes {
    std::map<std::string, std::vector<Hook>> hooks;  // by topology
    std::vector<std::string> topology_names;
    std::map<std::string, std::vector<std::string>> entry_nodes;  // by topology
  };
  http::Respond counted(http::Respond respond);
  std::shared_ptr<const Routes> routes() const;
  // Messages queued at the topology's entry nodes (a cached count), or -1.
  std::int64_t entry_depth(const Routes& routes, const std::string& topology);

  engine::ProcessStarter& starter_;
  store::Store& store_;
  std::size_t max_body_ = 0;
  mutable std::mutex routes_mu_;
  std::shared_ptr<const Routes> routes_;  // guarded by routes_mu_
  std::int64_t max_queued_ = 0;
  const Clock& clock_;
  std::mutex depth_mu_;
  std::int64_t depth_at_ms_ = 0;               // guarded by depth_mu_ (0: never counted)
  std::map<std::string, std::int64_t> depth_;  // guarded by depth_mu_
  StatusCounts answers_;
};

}  // namespace weir::webhooks
