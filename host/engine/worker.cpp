#include "worker.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "host_api.hpp"
#include "work_protocol.hpp"

namespace weir::engine {
namespace {

weir_message to_abi(const message::EnvelopeView& e) {
  auto str = [](std::string_view s) { return weir_str{s.data(), s.size()}; };
  return weir_message{sizeof(weir_message),
                      e.message_id,
                      e.process_id,
                      e.parent_id,
                      str(e.correlation_id),
                      str(e.topology),
                      str(e.node),
                      e.attempt,
                      weir_bytes{e.headers.data(), e.headers.size()},
                      weir_bytes{e.payload.data(), e.payload.size()},
                      weir_bytes{e.cursor.data(), e.cursor.size()}};
}

// A result that fails a call whose work could not even be read.
CallResult failed_call(std::size_t count, const std::string& error) {
  CallResult r;
  r.outcomes.resize(count);
  for (auto& m : r.outcomes) {
    m.outcome = WEIR_OUTCOME_FAILED;
    m.error = error;
  }
  return r;
}

}  // namespace

Worker::Worker(zmq::context_t& ctx, std::string endpoint, std::string identity,
               store::Store& store, AppGateway* apps)
    : ctx_(ctx), endpoint_(std::move(endpoint)), identity_(std::move(identity)),
      store_(store), apps_(apps) {}

void Worker::run() {
  zmq::socket_t sock(ctx_, zmq::socket_type::dealer);
  sock.set(zmq::sockopt::routing_id, identity_);
  sock.set(zmq::sockopt::linger, 0);
  sock.connect(endpoint_);
  sock.send(zmq::message_t(), zmq::send_flags::none);  // ready
  for (;;) {
    zmq::message_t header;
    if (!sock.recv(header)) continue;
    if (header.size() == 0) break;  // quit
    zmq::message_t body;
    if (!sock.recv(body)) continue;
    zmq::message_t result = serve(header, body);
    sock.send(header, zmq::send_flags::sndmore);
    sock.send(result, zmq::send_flags::none);
  }
}

zmq::message_t Worker::serve(const zmq::message_t& header_frame, const zmq::message_t& body) {
  auto header = read_header(header_frame);
  auto work = read_work(body);
  if (!header || !header->node || !work) {
    std::string why = !header ? header.error() : !work ? work.error() : "no node in the call";
    spdlog::error("worker {}: cannot run a call: {}", identity_, why);
    return pack_result(failed_call(work ? work->inputs.size() : 0, "host error: " + why));
  }
  const NodeRuntime& node = *header->node;
  std::vector<weir_message> messages;
  std::vector<const weir_message*> pointers;
  messages.reserve(work->inputs.size());
  for (const auto& e : work->inputs) messages.push_back(to_abi(e));
  for (const auto& m : messages) pointers.push_back(&m);

  CallState call;
  call.node = &node;
  call.store = &store_;
  call.apps = apps_;
  call.inputs = work->inputs;
  call.result.outcomes.resize(messages.size());
  const auto t0 = std::chrono::steady_clock::now();
  node.type->type->process(node.instance, call.as_call(), pointers.data(), pointers.size());
  call.result.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - t0)
                                .count();
  fail_unfinished(call);
  return pack_result(call.result);
}

}  // namespace weir::engine
