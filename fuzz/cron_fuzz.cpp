// The cron expression parser and slot finder (host/triggers/cron.hpp) on any
// text, as written after `cron:` in a topology.
//
// A refusal is an error value that names the expression. For an accepted
// expression, from fixed instants in fixed zones (UTC; Prague and New York
// across a DST change; Lord Howe, whose DST moves by 30 minutes; Prague in
// 2100, where only the zone's POSIX rule speaks), the next slots:
// - come strictly later each time, on whole minutes (cron) or exactly one
//   interval apart (@every);
// - are slots: the local time matches, and it was not on the clock earlier
//   (a repeated hour after a fall-back fires once);
// - and the first one is what a plain minute-by-minute walk over the next
//   day finds (or the walk finds none, and the slot is later or absent).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "triggers/cron.hpp"
#include "triggers/time_zone.hpp"

namespace {

using weir::triggers::CronSchedule;
using weir::triggers::TimeZone;

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWalkMinutes = 26 * 60;  // a local day, even one with 25 hours
constexpr int kSlotsPerCase = 5;

struct Case {
  TimeZone zone;
  std::int64_t start_ms;
};

// Seconds since the epoch of a UTC date and time.
std::int64_t utc(int y, int mo, int d, int h, int mi) {
  return weir::triggers::days_from_civil(y, mo, d) * kDay + h * kHour + mi * kMinute;
}

TimeZone zone(const std::string& name) {
  auto z = TimeZone::load(name);
  if (!z) {
    std::fprintf(stderr, "cron_fuzz: %s (is tzdata installed?)\n", z.error().c_str());
    std::abort();
  }
  return *z;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {TimeZone::utc(), utc(2026, 1, 7, 10, 20) * 1000 + 30'000},
      {zone("Europe/Prague"), utc(2026, 3, 28, 12, 0) * 1000},      // spring forward 01:00Z
      {zone("America/New_York"), utc(2026, 10, 31, 18, 0) * 1000},  // fall back 06:00Z
      {zone("Australia/Lord_Howe"), utc(2026, 4, 4, 3, 0) * 1000},  // back 30 min at 15:00Z
      {zone("Europe/Prague"), utc(2100, 10, 30, 12, 0) * 1000},     // POSIX rule: back 31 Oct
  };
  return all;
}

// True when the local time at `t` was already on the clock at an earlier
// instant (found by trying every offset the zone had in the 25 hours before).
bool shown_earlier(const TimeZone& z, std::int64_t t) {
  const std::int64_t wall = t + z.offset_at(t);
  std::set<std::int32_t> offsets;
  for (std::int64_t back = 0; back <= 25 * kHour; back += kHour / 4) {
    offsets.insert(z.offset_at(t - back));
  }
  for (const std::int32_t o : offsets) {
    const std::int64_t u = wall - o;
    if (u < t && z.offset_at(u) == o) return true;
  }
  return false;
}

bool is_slot(const CronSchedule& s, const TimeZone& z, std::int64_t t) {
  return s.matches(weir::triggers::to_local(t, z.offset_at(t))) && !shown_earlier(z, t);
}

// The whole minute (seconds) after `after_ms`; every case's start is after 1970.
std::int64_t minute_after(std::int64_t after_ms) { return (after_ms / 1000 / kMinute + 1) * kMinute; }

// The first slot among the kWalkMinutes minutes after `after_ms`, one by one.
std::optional<std::int64_t> walk(const CronSchedule& s, const TimeZone& z, std::int64_t after_ms) {
  std::int64_t t = minute_after(after_ms);
  for (int i = 0; i < kWalkMinutes; ++i, t += kMinute) {
    if (is_slot(s, z, t)) return t * 1000;
  }
  return std::nullopt;
}

void check_slots(const CronSchedule& s, const Case& c) {
  std::int64_t after = c.start_ms;
  for (int i = 0; i < kSlotsPerCase; ++i) {
    const std::optional<std::int64_t> next = s.next_after(after, c.zone);
    if (i == 0 && !s.is_interval()) {
      const std::optional<std::int64_t> walked = walk(s, c.zone, after);
      const std::int64_t last_walked_ms = (minute_after(after) + (kWalkMinutes - 1) * kMinute) * 1000;
      if (walked) {
        WEIR_FUZZ_CHECK(next == walked, "next_after skipped the first slot a walk finds");
      } else {
        WEIR_FUZZ_CHECK(!next || *next > last_walked_ms, "next_after found a slot the walk does not");
      }
    }
    if (!next) {
      WEIR_FUZZ_CHECK(!s.is_interval(), "an interval with no next time");
      return;
    }
    WEIR_FUZZ_CHECK(*next > after, "a next slot that is not later");
    if (s.is_interval()) {
      WEIR_FUZZ_CHECK(*next - after == s.interval().count(), "an interval not kept");
    } else {
      WEIR_FUZZ_CHECK(*next % (kMinute * 1000) == 0, "a slot off the whole minute");
      WEIR_FUZZ_CHECK(is_slot(s, c.zone, *next / 1000), "a slot that does not match");
    }
    after = *next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto schedule = CronSchedule::parse(text);
  if (!schedule) {
    WEIR_FUZZ_CHECK(schedule.error().rfind("cron '", 0) == 0,
                    "a refusal that does not name the expression");
    return 0;
  }
  WEIR_FUZZ_CHECK(schedule->text() == text, "the schedule forgot its text");
  for (const Case& c : cases()) check_slots(schedule.value(), c);
  return 0;
}
