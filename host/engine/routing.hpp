// Routing: what a node's outcome for one input means for the store. SUCCESS
// sends the outputs (or, with none, the input unchanged) to every follower;
// FORWARD to the named followers only; STOP ends the lineage; CURSOR sends
// the page's outputs to every follower and the input back to this node with
// its next cursor (in the same commit); PREREQUISITE parks the input until
// a process of the named topology has completed (see store.hpp,
// PrerequisiteInfo) and, like RETRY, counts against max_attempts; RETRY parks the
// input until the node's retry policy (or the node's own longer delay) says,
// and after the policy's last attempt sends it to the trash; FAILED (or an
// unfinished message, or a FORWARD to a node that is not a follower) sends
// the input to the trash. Every attempt that did not end well is added to
// the message's history, which goes with it to the trash.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "node_runtime.hpp"
#include "work_protocol.hpp"
#include "store/store.hpp"

namespace weir::engine {

// The time and the randomness one decision uses (the caller's, so tests and
// the pump stay in charge of both).
struct Moment {
  std::int64_t now_ms = 0;
  double unit_random = 0.5;  // uniform in [0, 1): retry jitter
};

// Where a process of each installed topology starts (a prerequisite names
// its topology; the store starts the process there).
using EntryPoints = std::map<std::string, std::vector<store::QueueId>, std::less<>>;

store::Ack route(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome,
                 const Moment& clock, const EntryPoints& topologies);

// core.comparator passes a new or changed item on with a header
// "weir-cmp/<its node id>" = "<hash> <key>" (plugins/core/comparator.hpp).
// When a lineage carrying such headers ends well (SUCCESS or FORWARD with
// nothing going on: the last node of the path, e.g. the write to the shop,
// or a deliberate STOP), each becomes the state put "cmp/<node id>/<key>" =
// hash of the topology, added to `puts`: committed with that ack, so the
// comparator lets the item through again until its write has succeeded (a
// failed, retried or trashed write stores nothing).
inline constexpr const char* kComparedHeaderPrefix = "weir-cmp/";
inline constexpr const char* kComparedStatePrefix = "cmp/";
void add_confirmations(const NodeRuntime& node, const store::Ack& ack,
                       std::vector<store::StatePut>& puts);

// True when a leased message has had all the node's attempts already (only
// crashes of the host can get it there: a retry checks at its result).
bool attempts_used_up(const NodeRuntime& node, const store::QueuedMessage& m);

// To the trash without running it again: "crashed the host N time(s) ...".
store::Ack set_aside(const NodeRuntime& node, store::QueuedMessage&& input, const Moment& clock);

}  // namespace weir::engine
