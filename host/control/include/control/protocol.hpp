// The control protocol between `weir <command>` and a running host: one
// request, one reply, each a msgpack map, over ZeroMQ on
// ipc://<data_dir>/weir.sock (a REQ client, a ROUTER server).
//
//   request: {"cmd": "status" | "plugins.ls" | "topology.ls" | "apps.ls" | "apps.check" |
//            "limiter.ls" | "run" | "process.wait" |
//                    "ping", ...args}
//     run:          {"topology": str, "payloads": [bin (msgpack doc)...],
//                    "correlation_ids": [str...] (optional)} -> {"processes": [id...]}
//     process.wait: {"ids": [id...]} -> answered once all have completed:
//                   {"processes": [process...]} (see views.hpp)
//     process.ls:   {"topology"?, "state"? (running|completed|failed), "limit"?}
//                   -> {"processes": [process...]}, newest first
//     process.show: {"id"} -> {"process": process, "visits": [visit...]} (views.hpp)
//     trash.*, audit.ls: see trash_commands.hpp
//   Every request may carry "who": {"user", "uid", "pid"} (the CLI sends it);
//   actions that change data are audited with it.
//   reply:   {"ok": true, "data": ...} | {"ok": false, "error": str}
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/status.hpp"
#include "message/msgpack_check.hpp"

namespace weir::control {

using Json = nlohmann::json;

inline zmq::message_t encode(const Json& j) {
  auto bytes = Json::to_msgpack(j);
  return zmq::message_t(bytes.data(), bytes.size());
}

// Checked before it is decoded: nlohmann's msgpack reader recurses once per
// level, so a request nested deeper than kMaxNesting is refused unread.
inline Result<Json> decode(const zmq::message_t& m) {
  const std::span<const std::uint8_t> bytes(m.data<std::uint8_t>(), m.size());
  std::string why;
  if (!message::is_one_msgpack_document(bytes, &why)) {
    return Status::error("control message is not msgpack: " + why);
  }
  try {
    return Json::from_msgpack(bytes.begin(), bytes.end());
  } catch (const Json::exception& e) {
    return Status::error(std::string("control message is not msgpack: ") + e.what());
  }
}

inline Json ok_reply(Json data) { return Json{{"ok", true}, {"data", std::move(data)}}; }
inline Json error_reply(const std::string& error) { return Json{{"ok", false}, {"error", error}}; }

}  // namespace weir::control
