// Checks that bytes hold exactly one well-formed msgpack document, without
// allocating: the host runs this on every payload a plugin emits, so that
// garbage is refused at the boundary, with the offset where it went wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <weir/abi.h>

namespace weir::message {

// The largest payload the host accepts (from a plugin or an operator). Far
// below SQLite's 1 GB blob limit, so an oversized payload fails its message
// instead of making every commit fail.
constexpr std::size_t kMaxPayloadBytes = 64u << 20;

// Maps and arrays nest at most this deep in anything the host accepts
// (payloads, headers, state, control requests); see abi.h.
constexpr std::size_t kMaxNesting = WEIR_MAX_NESTING;

// True when `bytes` is one complete msgpack document with nothing after it,
// nested at most kMaxNesting deep.
// On false, `*error` (if given) says what is wrong and at which byte offset.
bool is_one_msgpack_document(std::span<const std::uint8_t> bytes, std::string* error = nullptr);

}  // namespace weir::message
