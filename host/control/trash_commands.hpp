// The trash and audit commands of the control protocol (server side).
//
//   trash.ls      {topology?, node?, since_ms?, grep?, after_id?, limit?, full?}
//                 -> {"entries": [entry...], "last_id": n}   (page on with after_id)
//   trash.show    {id} -> entry (full)
//   trash.replay  {ids: [...], filter?: {...}}
//                 -> {"replayed": [...], "not_in_trash": [...], "refused": [{"id","reason"}]}
//                 (refused: the node it failed at does not run now)
//   trash.discard {ids: [...], reason?, filter?} -> {"discarded": [...], "not_in_trash": [...]}
//   audit.ls      {limit?} -> {"entries": [{"id","at_ms","actor","socket","action","detail"}]}
//
// An entry: {"id","topology","topology_version","node","process_id","correlation_id","message_id","attempts",
//   "error","first_failed_ms","failed_ms"} and, when full, {"parent_id","headers","payload",
//   "history"} with the payload as JSON. Replays and discards are audited
// with who asked (the request's "who") and the socket.
#pragma once

#include <nlohmann/json.hpp>

#include "control/host_view.hpp"
#include "store/store.hpp"

namespace weir::control {

using Json = nlohmann::json;

// Each returns a full reply ({"ok": ...}). `who` is filled from the request.
Json trash_ls(const HostView& host, const Json& body);
Json trash_show(const HostView& host, const Json& body);
Json trash_replay(const HostView& host, const Json& body, store::AuditEntry who);
Json trash_discard(const HostView& host, const Json& body, store::AuditEntry who);
Json audit_ls(const HostView& host, const Json& body);

// "alice (uid 1000, pid 4242)" from a request's {"who": {"user","uid","pid"}}.
std::string actor_of(const Json& body);

}  // namespace weir::control
