// The weir_host_api table the engine hands to every plugin instance, and the
// state behind a weir_call: what one process() call has emitted, finished
// and written, collected into a CallResult for the pump.
//
// A CallState belongs to the worker thread running the call; the callbacks
// check every index and every emitted payload, so a plugin that misbehaves
// gets -1 (and its message fails) instead of corrupting anything.
#pragma once

#include <span>

#include <weir/abi.h>

#include "node_runtime.hpp"
#include "work_protocol.hpp"
#include "engine/app_gateway.hpp"
#include "store/store.hpp"

namespace weir::engine {

struct CallState {
  const NodeRuntime* node = nullptr;
  store::Store* store = nullptr;  // for state reads
  AppGateway* apps = nullptr;     // for http (null: none)
  std::span<const message::EnvelopeView> inputs;
  CallResult result;  // outcomes sized to inputs.size()

  weir_call* as_call() { return reinterpret_cast<weir_call*>(this); }
  static CallState* from(weir_call* c) { return reinterpret_cast<CallState*>(c); }
};

// The table every instance receives; static, valid for the host's lifetime.
const weir_host_api* host_api();

// Fails every input the plugin left unfinished, naming the node and message.
void fail_unfinished(CallState& call);

}  // namespace weir::engine
