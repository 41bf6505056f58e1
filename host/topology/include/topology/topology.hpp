// A topology: a directed acyclic graph of nodes, declared in a YAML file.
//
// Topology values are immutable once built by the loader (topology_loader.hpp)
// and safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/retry_policy.hpp"

namespace weir::topology {

struct NodeSpec {
  std::string id;
  std::string type;            // "<plugin>.<node>"
  std::string description;
  nlohmann::json config = nlohmann::json::object();
  int concurrency = 1;         // process() calls at once for this node
  int max_batch = 1;           // most messages one call takes
  RetryOverrides retry;        // over the host's default policy (weir.yaml)
  std::string app;             // the application it talks to (apps/app.hpp); "" none
  int line = 0;                // where the node is declared (1-based)
};

// The application names a topology's nodes may use (`app:`); checked when
// the loader is given them.
using AppNames = std::map<std::string, std::string>;  // app name -> its type

struct Edge {
  std::string from;
  std::string to;
  int line = 0;
};

// A webhook trigger: POST /hooks/<topology>/<trigger id> starts a process
// with the request's JSON body, once it passes the signature check.
struct WebhookSpec {
  // "woocommerce": X-WC-Webhook-Signature = base64(HMAC-SHA256(secret, body));
  // "hmac": `header` = prefix + encoding(HMAC-<algorithm>(secret, body));
  // "none": unsigned (say so explicitly).
  std::string signature = "woocommerce";
  std::string header;            // hmac: e.g. X-Hub-Signature-256
  std::string algorithm = "sha256";  // hmac: sha1 | sha256 | sha512
  std::string encoding = "base64";   // hmac: base64 | hex
  std::string prefix;            // hmac: e.g. "sha256="
  std::string secret_env;        // the secret by reference, never inline:
  std::string secret_file;       //   an environment variable or a file
  std::size_t max_body = 0;      // 0: the host's (weir.yaml http.max_body)
};

// What starts a process of the topology besides `weir run` (which works on
// every topology). `trigger: {cron: ...}` declares one (id "cron", or
// "webhook" for `trigger: {webhook: ...}`); `triggers: [{id: ..., ...}]` several.
struct TriggerSpec {
  std::string id;
  std::optional<WebhookSpec> webhook;  // set: a webhook trigger (then `cron` is empty)
  std::string cron;             // schedule (triggers/cron.hpp): "*/5 * * * *", "@every 30s"
  std::string timezone;         // empty: the host's (weir.yaml `timezone`, UTC by default)
  bool overlap = false;         // may a fire start a run while this trigger's last one runs
  nlohmann::json payload = nlohmann::json::object();  // each fire's process payload
  // `start: NODE`: its processes start at that node only (one topology can
  // take orders by webhook at a mapper and poll for them at a source);
  // empty: at every entry node.
  std::string start;
  int start_line = 0;
  int line = 0;
};

// Which node visits a process trace keeps (`weir process show`).
enum class Trace { all, failures, off };

// The overlap of `delta: {}` without one: a change in the same second as
// the last run's start is fetched again rather than missed (filters that are
// exclusive to the second, clocks a little apart).
inline constexpr std::int64_t kDefaultDeltaOverlapMs = 1000;

struct Topology {
  std::string name;
  std::string description;
  bool enabled = true;
  Trace trace = Trace::all;  // `trace: all | failures | off`
  // `delta: {overlap: 1s}`: each process carries its sync window (see
  // store::NewProcess::delta_overlap_ms); unset: not a delta topology.
  std::optional<std::int64_t> delta_overlap_ms;
  std::vector<NodeSpec> nodes;
  std::vector<Edge> edges;
  std::vector<TriggerSpec> triggers;
  std::string file;            // where it was read from ("" if from text)
  std::string content_hash;    // sha256 hex of the file's bytes

  const NodeSpec* node(const std::string& id) const;
  // Node ids with an edge from `id`, in declaration order.
  std::vector<std::string> followers(const std::string& id) const;
  // Node ids with no incoming edge: where a process starts.
  std::vector<std::string> entry_nodes() const;
};

// One problem found while loading or validating; to_string() gives
// "file:line: message" (line omitted when 0).
struct TopologyError {
  std::string file;
  int line = 0;
  std::string message;
  std::string to_string() const;
};

}  // namespace weir::topology
