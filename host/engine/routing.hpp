// Routing: what a node's outcome for one input means for the store. SUCCESS
// sends the outputs (or, with none, the input unchanged) to every follower;
// FORWARD to the named followers only; STOP ends the lineage; FAILED (or an
// unfinished message, or a FORWARD to a node that is not a follower) sends
// the input to the trash with the reason.
#pragma once

#include "engine/node_runtime.hpp"
#include "engine/work_protocol.hpp"
#include "store/store.hpp"

namespace weir::engine {

store::Ack route(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome);

}  // namespace weir::engine
