// A worker thread: receives a call (one node, 1..max_batch messages) from
// the pump over ZeroMQ inproc, runs the plugin's process(), and sends the
// CallResult back. It holds no state between calls.
//
// Threads: run() is the thread body; nothing else touches a Worker.
#pragma once

#include <string>
#include <vector>

#include <zmq.hpp>

#include "node_runtime.hpp"
#include "engine/app_gateway.hpp"
#include "store/store.hpp"

namespace weir::engine {

class Worker {
 public:
  // The node of each call comes with the call (work_protocol.hpp).
  // `identity` names its lane (dispatcher.hpp): "w<n>" shared, "<app>/<n>".
  Worker(zmq::context_t& ctx, std::string endpoint, std::string identity, store::Store& store,
         AppGateway* apps = nullptr);

  // Connects, announces itself, serves calls until the pump says quit.
  void run();

 private:
  zmq::message_t serve(const zmq::message_t& header_frame, const zmq::message_t& body);

  zmq::context_t& ctx_;
  std::string endpoint_;
  std::string identity_;
  store::Store& store_;
  AppGateway* apps_;  // may be null
};

}  // namespace weir::engine
