// A message's attempt history: every delivery that did not end well, kept
// with the message (and, at the end, in its trash entry) as a msgpack array:
//   [{"at": ms since epoch, "attempt": n, "kind": "retry"|"failed"|"crash"|...,
//     "error": text}, ...]
// An empty history is the one byte 0x90 (an empty array).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace weir::message {

using Bytes = std::vector<std::uint8_t>;

inline const Bytes& empty_history() {
  static const Bytes kEmpty = {0x90};
  return kEmpty;
}

// `history` plus one entry. A history that cannot be read is kept as a
// first entry of kind "unreadable" rather than dropped.
Bytes append_attempt(std::span<const std::uint8_t> history, std::int64_t at_ms,
                     std::uint32_t attempt, std::string_view kind, std::string_view error);

// The history as JSON (an array); unreadable bytes give one "unreadable" entry.
nlohmann::json history_json(std::span<const std::uint8_t> history);

// How many entries the history has, read from the array's header alone (the
// trace numbers a delivery by it: see delivery_number); 0 when unreadable.
std::size_t attempt_count(std::span<const std::uint8_t> history);

// The number of this delivery of a message among all its deliveries: its
// attempt, or, after a replay (which starts the attempts again but keeps
// the history), one more than the deliveries on record. So the trace of a
// replayed message goes on from its earlier visits instead of writing over
// them.
inline std::uint32_t delivery_number(std::uint32_t attempt, std::span<const std::uint8_t> history) {
  const auto recorded = static_cast<std::uint32_t>(attempt_count(history));
  return attempt > recorded ? attempt : recorded + 1;
}

// "at" of the first entry, or `fallback` when the history is empty.
std::int64_t first_attempt_at(std::span<const std::uint8_t> history, std::int64_t fallback);

}  // namespace weir::message
