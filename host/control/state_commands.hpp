// The control commands that read or reset what the data patterns keep in the
// store (server side).
//
//   comparator.reset {topology, node?, key?}
//        -> {"deleted": n, "nodes": [ids]}: forgets the fingerprints
//        core.comparator keeps (state "cmp/<node>/<key>"), of every
//        comparator node of the topology or of `node`, for every key or for
//        `key`, so those items go on at the next run (a full resync).
//        Audited as "comparator.reset" with who asked.
#pragma once

#include <nlohmann/json.hpp>

#include "control/host_view.hpp"
#include "store/store.hpp"

namespace weir::control {

// Each returns a full reply ({"ok": ...}). `who` is filled from the request.
nlohmann::json comparator_reset(const HostView& host, const nlohmann::json& body,
                                store::AuditEntry who);

}  // namespace weir::control
