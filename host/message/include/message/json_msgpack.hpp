// JSON text straight to msgpack, in one pass and without building a JSON
// document: the webhook path turns every body into a message payload, and
// the document (a map node and a string per key) cost more than the parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace weir::message {

// The msgpack encoding of the JSON text (the same value nlohmann's
// to_msgpack gives, though maps and arrays always use their 32-bit
// headers). Fails on text that is not one JSON value, saying where (line
// and column), as nlohmann's parser does, and on text that nests deeper
// than kMaxNesting (msgpack_check.hpp): "JSON nested deeper than 256 levels
// at line 1, column 257". Nothing in either path recurses past that depth,
// and the work is linear in the text.
//
// Well-formed text takes a fast parser of our own; anything else (every
// error among it) is parsed again by nlohmann, whose value and words stand.
Result<std::vector<std::uint8_t>> json_text_to_msgpack(std::string_view text);

// The two paths, apart, for the differential test: the fast one (nullopt
// where it gives up) must give what nlohmann's gives, byte for byte.
std::optional<std::vector<std::uint8_t>> json_text_to_msgpack_fast(std::string_view text);
Result<std::vector<std::uint8_t>> json_text_to_msgpack_nlohmann(std::string_view text);

}  // namespace weir::message
