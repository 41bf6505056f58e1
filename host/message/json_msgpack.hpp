// JSON text straight to msgpack, in one pass and without building a JSON
// document: the webhook path turns every body into a message payload, and
// the document (a map node and a string per key) cost more than the parse.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace weir::message {

// The msgpack encoding of the JSON text (the same value nlohmann's
// to_msgpack gives, though maps and arrays always use their 32-bit
// headers). Fails on text that is not one JSON value, saying where (line
// and column), as nlohmann's parser does.
Result<std::vector<std::uint8_t>> json_text_to_msgpack(std::string_view text);

}  // namespace weir::message
