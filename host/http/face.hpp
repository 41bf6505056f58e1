// What the host answers over HTTP (http_server.hpp carries the bytes):
//
//   POST /hooks/<topology>/<trigger>   a webhook trigger (webhooks.cpp)
//   GET  /metrics                      Prometheus text (metrics.cpp)
//   GET  /healthz                      200 while the process is up
//   GET  /readyz                       200 once the store is open and the
//                                      plugins and topologies are loaded
//
// Threads: handle() runs on the server's I/O threads; it never waits for
// the store's commit (a webhook is answered from the engine's callback).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/secret_source.hpp"
#include "engine/engine.hpp"
#include "http/http_server.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"

namespace weir::http {

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

class Face {
 public:
  // `topologies`: the installed (enabled) ones. Secrets are read at each
  // request (common/secret_source.hpp), so a secret file created or rotated
  // later is used at once; one missing here is logged, and its hook answers
  // 500 (naming nothing; the log says what is missing) until it is there.
  // `max_queued` > 0: a webhook answers 503 while its topology's entry
  // nodes hold that many messages (counted at most every 250 ms).
  // `engine`: what /metrics reads of the nodes; webhooks start their
  // processes through `starter` (the engine, unless a test gives its own);
  // `clock` says when the queued count is due for a refresh.
  Face(engine::Engine& engine, engine::ProcessStarter& starter, store::Store& store,
       const std::vector<topology::Topology>& topologies, std::size_t max_body,
       std::int64_t max_queued, const Clock& clock = system_clock());
  Face(engine::Engine& engine, store::Store& store,
       const std::vector<topology::Topology>& topologies, std::size_t max_body,
       std::int64_t max_queued = 0)
      : Face(engine, engine, store, topologies, max_body, max_queued) {}

  // After a reload: the hooks of these topologies replace all others. A
  // request already past its lookup finishes with the hooks it found.
  void set_topologies(const std::vector<topology::Topology>& topologies);

  void handle(Request&& request, Respond respond);
  // The server's own refusals (ServerOptions::on_refused): those of a
  // webhook path count with the webhook answers.
  void count_refused(const std::string& path, int status);
  void set_ready(bool ready) { ready_ = ready; }

  std::string metrics_text();  // metrics.cpp

 private:
  // What the running topologies offer; replaced whole by a reload.
  struct Routes {
    std::map<std::string, std::vector<Hook>> hooks;  // by topology
    std::vector<std::string> topology_names;
    std::map<std::string, std::vector<std::string>> entry_nodes;  // by topology
  };
  void webhook(Request&& request, Respond respond);  // webhooks.cpp
  Respond counted(Respond respond);
  std::shared_ptr<const Routes> routes() const;
  // Messages queued at the topology's entry nodes (a cached count), or -1.
  std::int64_t entry_depth(const Routes& routes, const std::string& topology);

  engine::Engine& engine_;  // metrics.cpp
  engine::ProcessStarter& starter_;
  store::Store& store_;
  std::size_t max_body_ = 0;
  mutable std::mutex routes_mu_;
  std::shared_ptr<const Routes> routes_;  // guarded by routes_mu_
  std::atomic<bool> ready_{false};
  std::int64_t max_queued_ = 0;
  const Clock& clock_;
  std::mutex depth_mu_;
  std::int64_t depth_at_ms_ = 0;                 // guarded by depth_mu_ (0: never counted)
  std::map<std::string, std::int64_t> depth_;   // guarded by depth_mu_
  StatusCounts webhook_counts_;
};

// HMAC-<algorithm> ("sha1", "sha256", "sha512") of `body` with `secret`,
// encoded as "base64" or "hex". Empty if the algorithm is unknown.
std::string hmac_signature(const std::string& algorithm, const std::string& encoding,
                           const std::string& secret, const std::string& body);

// Does `given` (the request's signature header) sign `body` with `secret`
// under `w`'s scheme? Compared in constant time. Never when the secret, the
// header or the computed MAC is empty: a header holding only `w.prefix`
// must not match a MAC that could not be computed.
bool signature_matches(const topology::WebhookSpec& w, const std::string& secret,
                       const std::string& given, const std::string& body);

}  // namespace weir::http
