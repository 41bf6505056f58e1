// Checks that bytes hold exactly one well-formed msgpack document, without
// allocating: the host runs this on every payload a plugin emits, so that
// garbage is refused at the boundary, with the offset where it went wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace weir::message {

// True when `bytes` is one complete msgpack document with nothing after it.
// On false, `*error` (if given) says what is wrong and at which byte offset.
bool is_one_msgpack_document(std::span<const std::uint8_t> bytes, std::string* error = nullptr);

}  // namespace weir::message
