#include "limiter/rate.hpp"

#include <charconv>

#include "common/duration.hpp"

namespace weir::limiter {
namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;

std::optional<std::int64_t> unit_ns(std::string_view unit) {
  if (unit == "s" || unit == "sec" || unit == "second") return kSecondNs;
  if (unit == "min" || unit == "minute") return 60 * kSecondNs;
  if (unit == "h" || unit == "hour") return 3600 * kSecondNs;
  if (auto d = parse_duration(unit); d && d->count() > 0) {
    if (d->count() > 24 * 3600 * 1000) return std::nullopt;  // over a day: not a rate
    return std::int64_t(d->count()) * 1'000'000;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rate> parse_rate(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<Rate> {
    if (error) *error = why;
    return std::nullopt;
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return fail("'" + std::string(text) + "' is not a rate (write it like 5/s, 300/min or 1/2s)");
  }
  Rate r;
  const std::string_view count = text.substr(0, slash);
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), r.count);
  if (ec != std::errc() || end != count.data() + count.size() || r.count < 1 ||
      r.count > 1'000'000) {
    return fail("'" + std::string(text) +
                "': the count before '/' must be a whole number from 1 to 1000000");
  }
  auto per = unit_ns(text.substr(slash + 1));
  if (!per) {
    return fail("'" + std::string(text) +
                "': after '/' comes s, min, h or a duration up to a day (like 2s or 500ms)");
  }
  r.per_ns = *per;
  return r;
}

std::string format_rate(const Rate& rate) {
  if (rate.is_unlimited()) return "none";
  std::string out = std::to_string(rate.count) + "/";
  if (rate.per_ns == kSecondNs) return out + "s";
  if (rate.per_ns == 60 * kSecondNs) return out + "min";
  if (rate.per_ns == 3600 * kSecondNs) return out + "h";
  return out + format_duration(std::chrono::milliseconds(rate.per_ns / 1'000'000));
}

}  // namespace weir::limiter
