#include "message/attempt_history.hpp"

#include <weir/payload.hpp>

namespace weir::message {

using Json = nlohmann::json;

Json history_json(std::span<const std::uint8_t> history) {
  if (history.empty()) return Json::array();
  try {
    Json h = payload::to_json(history);  // bounded in depth: it came from the store
    if (h.is_array()) return h;
  } catch (const PayloadError&) {
  }
  return Json::array({{{"at", 0}, {"attempt", 0}, {"kind", "unreadable"},
                       {"error", "the stored attempt history could not be read"}}});
}

std::size_t attempt_count(std::span<const std::uint8_t> history) {
  if (history.empty()) return 0;
  const std::uint8_t t = history[0];
  if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
  std::size_t n = 0, width = t == 0xdc ? 2 : t == 0xdd ? 4 : 0;
  if (width == 0 || history.size() < 1 + width) return 0;
  for (std::size_t i = 1; i <= width; ++i) n = (n << 8) | history[i];
  return n;
}

Bytes append_attempt(std::span<const std::uint8_t> history, std::int64_t at_ms,
                     std::uint32_t attempt, std::string_view kind, std::string_view error) {
  Json h = history_json(history);
  h.push_back({{"at", at_ms}, {"attempt", attempt}, {"kind", kind}, {"error", error}});
  return Json::to_msgpack(h);
}

std::int64_t first_attempt_at(std::span<const std::uint8_t> history, std::int64_t fallback) {
  Json h = history_json(history);
  if (h.empty() || !h[0].contains("at")) return fallback;
  const std::int64_t at = h[0]["at"].get<std::int64_t>();
  return at > 0 ? at : fallback;
}

}  // namespace weir::message
