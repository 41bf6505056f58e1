// The JSON an operator command gets back (also what `--json` prints).
// Field names are a public interface: add, never rename.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "control/host_view.hpp"

namespace weir::control {

using Json = nlohmann::json;

// {"topologies": [{"name", "file", "nodes": [{"id", "type", "queued", "in_flight",
//   "waiting" (to be retried), "retried", "done", "failed", "concurrency", "max_batch"}]}],
//  "orphaned_queues": [{"topology", "node", "queued"}], "problems": [str]}
Result<Json> status_view(const HostView& host);

// {"plugins": [{"name", "version", "file", "sha256", "loaded_ms", "abi",
//   "node_types": [{"type", "kind", "description", "max_batch"}]}], "refused": [{"file", "reason"}]}
Json plugins_view(const HostView& host);

// {"topologies": [{"name", "description", "file", "version" (0: not running), "enabled", "nodes", "edges", "entry_nodes", "hash"}],
//  "errors": [{"file", "line", "message"}]}
Json topologies_view(const HostView& host);

// {"apps": [{"name", "type", "base_url", "description", "file", "hash", "invalid_edit",
//   "auth": {"kind", "secrets": {role: "env:NAME" | "file:PATH"}, "header"?,
//   "signature_method"?}, "rate"?, "burst"?, "concurrency", "timeout_ms", "tls":
//   {"ca_file", "insecure"}}], "errors": [{"file", "line", "message"}]}
// Secrets are shown by their reference only: a value is never read here.
Json apps_view(const HostView& host);

// {"id", "topology", "correlation_id", "state", "done", "failed", "outstanding", "total",
//  "started_ms", "finished_ms", "duration_ms"}
Json process_json(const store::ProcessRecord& p);

// {"message_id", "parent_id", "attempt", "topology", "node", "at_ms", "duration_us",
//  "outcome" (success|forward|stop|failed|retry|set_aside), "outputs", "error"}
Json visit_json(const store::Visit& v);

}  // namespace weir::control
