#include "work_protocol.hpp"

#include <cstdlib>
#include <cstring>

namespace weir::engine {
namespace {

using message::pack_bin;
using message::pack_string;

// Hands an sbuffer's memory to ZeroMQ without copying it.
zmq::message_t to_message(msgpack::sbuffer& buf) {
  const std::size_t size = buf.size();
  char* data = buf.release();
  return zmq::message_t(data, size, [](void* p, void*) { std::free(p); }, nullptr);
}

store::Bytes copy_bytes(const msgpack::object& o) {
  auto s = message::as_bytes(o);
  return store::Bytes(s.begin(), s.end());
}

template <class T>
std::span<const T> items(const msgpack::object& o, msgpack::type::object_type type) {
  if (o.type != type) throw msgpack::type_error();
  if constexpr (std::is_same_v<T, msgpack::object>) return {o.via.array.ptr, o.via.array.size};
  else return {o.via.map.ptr, o.via.map.size};
}

void pack_outcome(msgpack::packer<msgpack::sbuffer>& pk, const MessageOutcome& m) {
  pk.pack_array(7);
  pk.pack_int(m.outcome);
  pack_string(pk, m.error);
  pk.pack_uint64(m.delay_ms);
  pack_bin(pk, m.cursor);
  pk.pack_array(static_cast<std::uint32_t>(m.targets.size()));
  for (const auto& t : m.targets) pack_string(pk, t);
  pk.pack_array(static_cast<std::uint32_t>(m.outputs.size()));
  for (const auto& o : m.outputs) {
    pk.pack_array(2);
    pack_bin(pk, o.headers);
    pack_bin(pk, o.payload);
  }
  pk.pack_array(3);
  pack_string(pk, m.prerequisite_topology);
  pack_bin(pk, m.prerequisite_payload);
  pack_string(pk, m.prerequisite_key);
}

MessageOutcome read_outcome(const msgpack::object& o) {
  auto f = items<msgpack::object>(o, msgpack::type::ARRAY);
  if (f.size() < 7) throw msgpack::type_error();
  MessageOutcome m;
  m.outcome = f[0].as<int>();
  m.error = std::string(message::as_string(f[1]));
  m.delay_ms = f[2].as<std::uint64_t>();
  m.cursor = copy_bytes(f[3]);
  for (const auto& t : items<msgpack::object>(f[4], msgpack::type::ARRAY)) {
    m.targets.emplace_back(message::as_string(t));
  }
  for (const auto& out : items<msgpack::object>(f[5], msgpack::type::ARRAY)) {
    auto pair = items<msgpack::object>(out, msgpack::type::ARRAY);
    if (pair.size() < 2) throw msgpack::type_error();
    m.outputs.push_back(EmittedOutput{copy_bytes(pair[0]), copy_bytes(pair[1])});
  }
  auto pre = items<msgpack::object>(f[6], msgpack::type::ARRAY);
  if (pre.size() < 3) throw msgpack::type_error();
  m.prerequisite_topology = std::string(message::as_string(pre[0]));
  m.prerequisite_payload = copy_bytes(pre[1]);
  m.prerequisite_key = std::string(message::as_string(pre[2]));
  return m;
}

}  // namespace

constexpr std::size_t kHeaderSize = 20;

zmq::message_t pack_header(const CallHeader& h) {
  zmq::message_t m(kHeaderSize);
  const auto address = reinterpret_cast<std::uintptr_t>(h.node);
  static_assert(sizeof address <= 8);
  const std::uint64_t wide = address;
  std::memcpy(m.data(), &h.call_id, 8);
  std::memcpy(static_cast<char*>(m.data()) + 8, &h.slot, 4);
  std::memcpy(static_cast<char*>(m.data()) + 12, &wide, 8);
  return m;
}

Result<CallHeader> read_header(const zmq::message_t& frame) {
  if (frame.size() != kHeaderSize) {
    return Status::error("call header has " + std::to_string(frame.size()) + " bytes, not " +
                         std::to_string(kHeaderSize));
  }
  CallHeader h;
  std::uint64_t wide = 0;
  std::memcpy(&h.call_id, frame.data(), 8);
  std::memcpy(&h.slot, static_cast<const char*>(frame.data()) + 8, 4);
  std::memcpy(&wide, static_cast<const char*>(frame.data()) + 12, 8);
  h.node = reinterpret_cast<const NodeRuntime*>(static_cast<std::uintptr_t>(wide));
  return h;
}

zmq::message_t pack_work(const std::vector<store::QueuedMessage>& inputs,
                         const std::string& topology, const std::string& node) {
  msgpack::sbuffer buf(inputs.size() * 512 + 64);
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(static_cast<std::uint32_t>(inputs.size()));
  for (const auto& m : inputs) {
    message::pack_envelope(pk, message::EnvelopeView{m.id, m.process_id, m.parent_id,
                                                     m.correlation_id, topology, node, m.attempt,
                                                     0, m.headers, m.payload, m.cursor});
  }
  return to_message(buf);
}

Result<WorkView> read_work(const zmq::message_t& body) {
  WorkView w;
  try {
    w.handle = message::unpack_by_reference(body.data<char>(), body.size());
    for (const auto& o : items<msgpack::object>(w.handle.get(), msgpack::type::ARRAY)) {
      auto e = message::read_envelope(o);
      if (!e) return e.status();
      w.inputs.push_back(*e);
    }
  } catch (const std::exception& e) {
    return Status::error(std::string("work message is not readable: ") + e.what());
  }
  return w;
}

zmq::message_t pack_result(const CallResult& r) {
  msgpack::sbuffer buf(256 + r.outcomes.size() * 64);
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack_int64(r.duration_us);
  pk.pack_array(static_cast<std::uint32_t>(r.outcomes.size()));
  for (const auto& m : r.outcomes) pack_outcome(pk, m);
  pk.pack_array(static_cast<std::uint32_t>(r.state_puts.size()));
  for (const auto& [key, value] : r.state_puts) {
    pk.pack_array(2);
    pack_string(pk, key);
    pack_bin(pk, value);
  }
  pk.pack_array(static_cast<std::uint32_t>(r.id_puts.size()));
  for (const auto& put : r.id_puts) {
    pk.pack_array(4);
    for (const std::string* s : {&put.system, &put.entity, &put.local_id, &put.remote_id}) {
      pack_string(pk, *s);
    }
  }
  return to_message(buf);
}

Result<CallResult> read_result(const zmq::message_t& body) {
  CallResult r;
  try {
    auto handle = message::unpack_by_reference(body.data<char>(), body.size());
    auto f = items<msgpack::object>(handle.get(), msgpack::type::ARRAY);
    if (f.size() < 3) throw msgpack::type_error();
    r.duration_us = f[0].as<std::int64_t>();
    for (const auto& o : items<msgpack::object>(f[1], msgpack::type::ARRAY)) {
      r.outcomes.push_back(read_outcome(o));
    }
    for (const auto& o : items<msgpack::object>(f[2], msgpack::type::ARRAY)) {
      auto kv = items<msgpack::object>(o, msgpack::type::ARRAY);
      if (kv.size() < 2) throw msgpack::type_error();
      r.state_puts.emplace_back(std::string(message::as_string(kv[0])), copy_bytes(kv[1]));
    }
    if (f.size() > 3) {
      for (const auto& o : items<msgpack::object>(f[3], msgpack::type::ARRAY)) {
        auto v = items<msgpack::object>(o, msgpack::type::ARRAY);
        if (v.size() < 4) throw msgpack::type_error();
        r.id_puts.push_back(store::IdPut{
            std::string(message::as_string(v[0])), std::string(message::as_string(v[1])),
            std::string(message::as_string(v[2])), std::string(message::as_string(v[3]))});
      }
    }
  } catch (const std::exception& e) {
    return Status::error(std::string("call result is not readable: ") + e.what());
  }
  return r;
}

}  // namespace weir::engine
