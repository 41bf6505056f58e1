#include "common/duration.hpp"

#include <charconv>
#include <cstdint>

namespace weir {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};
// Longest suffix first, so "ms" is not read as "m" + "s".
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  if (unit.empty()) return std::chrono::milliseconds(value);
  for (const Unit& u : kUnits) {
    if (unit == u.suffix) {
      if (value > INT64_MAX / u.ms) return std::nullopt;
      return std::chrono::milliseconds(value * u.ms);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_size(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) return std::nullopt;
  const std::string_view unit(end, text.data() + text.size() - end);
  const std::int64_t scale = unit.empty() || unit == "B" ? 1
                             : unit == "KB"              ? 1024
                             : unit == "MB"              ? 1024 * 1024
                             : unit == "GB"              ? 1024LL * 1024 * 1024
                                                         : 0;
  if (scale == 0 || value > INT64_MAX / scale) return std::nullopt;
  return value * scale;
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms != 0 && ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";
}

}  // namespace weir
