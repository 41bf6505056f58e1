// Durations as operators write them: "250ms", "30s", "5m", "2h", "1d", or a
// bare number of milliseconds. Used by retry policies, `--since`, `@every`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace weir {

// Nullopt unless `text` is a non-negative whole number with an optional unit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Nullopt unless `text` is a whole number of bytes with an optional unit:
// "2048", "512KB", "2MB", "1GB" (B, KB, MB, GB; powers of 1024).
std::optional<std::int64_t> parse_size(std::string_view text);

// The shortest exact form: 90000 ms -> "90s", 300000 -> "5m", 1500 -> "1500ms".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace weir
