// SHA-256 digests as lowercase hex, for content-addressed names: plugin
// copies in the cache directory, topology file hashes.
//
// Free functions with no shared state; safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace weir {

// The SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(std::span<const std::uint8_t> bytes);

// The SHA-256 of the file at `path`, read in chunks. On failure returns ""
// and sets *err to "<path>: <reason>".
std::string sha256_hex_of_file(const std::string& path, std::string* err);

}  // namespace weir
