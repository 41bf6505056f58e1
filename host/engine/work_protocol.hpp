// The wire format between the pump and its workers (ZeroMQ, two frames):
//
//   work    pump -> worker : [header][msgpack array of envelopes]
//   result  worker -> pump : [header][msgpack CallResult]
//   header  = call id (u64) + node slot (u32) + node address (u64), 20 bytes
//
// The node's address travels with the call because the node table changes
// while the engine runs (hot reload): a worker never looks a slot up. The
// pump keeps a NodeRuntime alive until every call to it has answered, so
// the address stays valid for the whole call (inproc only, one process).
//
// A worker announces itself with one empty frame; an empty frame from the
// pump tells it to quit. The header is separate so that a body that cannot
// be read still identifies its call and can be failed as a whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <weir/abi.h>
#include <zmq.hpp>

#include "common/status.hpp"
#include "message/envelope.hpp"
#include "store/store.hpp"

namespace weir::engine {

struct NodeRuntime;

struct CallHeader {
  std::uint64_t call_id = 0;
  std::uint32_t slot = 0;
  const NodeRuntime* node = nullptr;
};

zmq::message_t pack_header(const CallHeader& h);
Result<CallHeader> read_header(const zmq::message_t& frame);

// Body of a work message: the inputs as envelopes.
zmq::message_t pack_work(const std::vector<store::QueuedMessage>& inputs,
                         const std::string& topology, const std::string& node);

struct WorkView {
  msgpack::object_handle handle;  // envelopes borrow from the frame; keep it alive too
  std::vector<message::EnvelopeView> inputs;
};
Result<WorkView> read_work(const zmq::message_t& body);

struct EmittedOutput {
  store::Bytes headers;  // empty: inherit the input's
  store::Bytes payload;
};

// How one input ended, as the plugin said it.
struct MessageOutcome {
  int outcome = 0;  // a weir_outcome; 0 = the plugin never finished it
  std::string error;
  std::uint64_t delay_ms = 0;  // RETRY: the node's own least wait
  store::Bytes cursor;         // CURSOR: where to go on
  // PREREQUISITE: the topology to run first, its payload, and the key that
  // makes runs for the same thing one (empty: the payload).
  std::string prerequisite_topology;
  store::Bytes prerequisite_payload;
  std::string prerequisite_key;
  std::vector<std::string> targets;
  std::vector<EmittedOutput> outputs;
};

struct CallResult {
  std::int64_t duration_us = 0;  // the whole process() call
  std::vector<MessageOutcome> outcomes;  // one per input, in order
  std::vector<std::pair<std::string, store::Bytes>> state_puts;
  std::vector<store::IdPut> id_puts;  // (1.5) in the order the plugin made them
};

zmq::message_t pack_result(const CallResult& r);
Result<CallResult> read_result(const zmq::message_t& body);

}  // namespace weir::engine
