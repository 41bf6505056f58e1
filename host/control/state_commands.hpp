// The control commands that read or reset what the data patterns keep in the
// store (server side).
//
//   comparator.reset {topology, node?, key?}
//        -> {"deleted": n, "nodes": [ids]}: forgets the fingerprints
//        core.comparator keeps (state "cmp/<node>/<key>"), of every
//        comparator node of the topology or of `node`, for every key or for
//        `key`, so those items go on at the next run (a full resync).
//        Audited as "comparator.reset" with who asked.
//   sync.reset {topology}
//        -> {"reset": bool}: forgets a delta topology's since (false: it
//        had none), so its next run is a full sync. Audited as "sync.reset".
//   ids.ls {system?, entity?, after?, limit?}
//        -> {"mappings": [{"system","entity","local_id","remote_id","updated_ms"}],
//            "more": bool}, in (system, entity, local_id) order; page on with
//        after = the last local_id (system and entity given).
//   ids.show {system, entity, local? | remote?}
//        -> {"mapping": {...} or null}: one mapping, by either side.
//   ids.forget {system, entity, local}
//        -> {"forgot": {...} or null}: deletes that mapping (the remote object
//        was deleted by hand), so the next write looks up or creates again.
//        Audited as "ids.forget".
#pragma once

#include <nlohmann/json.hpp>

#include "control/host_view.hpp"
#include "store/store.hpp"

namespace weir::control {

// Each returns a full reply ({"ok": ...}). `who` is filled from the request.
nlohmann::json comparator_reset(const HostView& host, const nlohmann::json& body,
                                store::AuditEntry who);

nlohmann::json sync_reset(const HostView& host, const nlohmann::json& body,
                          store::AuditEntry who);
nlohmann::json ids_ls(const HostView& host, const nlohmann::json& body);
nlohmann::json ids_show(const HostView& host, const nlohmann::json& body);
nlohmann::json ids_forget(const HostView& host, const nlohmann::json& body, store::AuditEntry who);

}  // namespace weir::control
