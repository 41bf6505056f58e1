// Process-wide logging setup (spdlog's default logger, to stderr).
// "text": `2026-11-26 15:04:05.123 info  engine: started ...`
// "json": one object per line: {"ts":"...Z","level":"info","msg":"..."}.
// Call once, early, from the main thread; logging itself is thread-safe.
#pragma once

#include <string>

namespace weir::log {

// `format` is "text" or "json"; `level` one of trace, debug, info, warn, error.
void setup(const std::string& format, const std::string& level);

}  // namespace weir::log
