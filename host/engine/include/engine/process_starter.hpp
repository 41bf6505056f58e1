// ProcessStarter: the one thing triggers need of the engine, starting
// processes. The scheduler (cron fires) and the webhook receiver start
// processes through it and nothing else, so a test can give them a starter
// of its own (one that records what was asked and commits it to a real
// store) and decide what it answers.
// Engine is the real one (engine.hpp).
//
// Threads: both calls from any thread, at any time; an implementation says
// on which thread `done` runs (the engine's: the pump's, or the caller's at
// once when the request cannot be queued).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"

namespace weir::engine {

struct StartRequest {
  store::Bytes payload;          // msgpack document
  store::Bytes headers;          // msgpack map, or empty
  std::string correlation_id;    // empty: the process id
  std::string trigger;           // a trigger's fire: recorded with the start (store::NewProcess)
  std::int64_t fire_ms = 0;
  std::string start_node;        // only this node (a trigger's `start:`); empty: every entry node
  store::QueueId start_queue = 0;  // the engine's: start_node's queue
  std::int64_t fire_gap_ms = 1;    // store::NewProcess::fire_gap_ms
};

using StartResult = Result<std::vector<store::ProcessId>>;
using StartDone = std::function<void(StartResult)>;

class ProcessStarter {
 public:
  virtual ~ProcessStarter() = default;

  // Starts one process per request at the topology's entry nodes; returns
  // their ids once the commit that holds them is durable. On error nothing
  // was started.
  virtual StartResult start_processes(const std::string& topology,
                                      std::vector<StartRequest> requests) = 0;
  // The same without waiting: `done` gets the ids once the commit is
  // durable, or the error (nothing started). `done` must not block.
  virtual void start_processes_async(const std::string& topology,
                                     std::vector<StartRequest> requests, StartDone done) = 0;
};

}  // namespace weir::engine
