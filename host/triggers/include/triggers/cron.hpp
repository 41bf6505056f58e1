// Cron schedules for topology triggers.
//
//   "*/5 * * * *"         minute hour day-of-month month day-of-week
//   fields: *, N, A-B, */S, A-B/S, N/S (N to the field's end, step S), and
//   comma lists of these; months JAN-DEC and weekdays SUN-SAT by name (any
//   case); day-of-week 0 and 7 are both Sunday. When both day fields are
//   restricted (neither starts with '*'), a day matches if EITHER does
//   (Vixie cron's rule); otherwise both must.
//   "@yearly" "@annually" "@monthly" "@weekly" "@daily" "@midnight" "@hourly"
//   "@every 30s"           a fixed interval (common/duration.hpp units;
//                          at least 1s, at most 1827d: five years),
//                          measured from the last fire.
//
// Times are evaluated in a TimeZone: a slot is every minute whose LOCAL time
// matches. On a spring-forward day, local times in the gap do not exist and
// their slots are skipped; on a fall-back day, a local time that occurs twice
// fires once (at its first occurrence).
//
// Immutable after parse; safe to share between threads.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "triggers/time_zone.hpp"

namespace weir::triggers {

class CronSchedule {
 public:
  // An error names the field and the bad part, e.g.
  // "cron '*/5 * * * MON-XYZ': day-of-week 'MON-XYZ': 'XYZ' is not a day name (SUN..SAT or 0..7)".
  static Result<CronSchedule> parse(const std::string& text);

  const std::string& text() const { return text_; }
  bool is_interval() const { return interval_.count() > 0; }
  std::chrono::milliseconds interval() const { return interval_; }

  // The first slot strictly after `after_ms` (UTC ms since epoch), in `zone`.
  // Cron slots are whole minutes; an interval is after_ms + interval.
  // Nullopt only if no slot exists within the next 5 years (e.g. "0 0 30 2 *"),
  // or the next time would be past what int64 ms can hold.
  std::optional<std::int64_t> next_after(std::int64_t after_ms, const TimeZone& zone) const;

  // True if the local time `t` is a slot (minute, hour, day, month match).
  bool matches(const LocalTime& t) const;

 private:
  bool day_matches(const LocalTime& t) const;
  // Local seconds from `t` to the next time that could match (0 if `t` does).
  std::int64_t seconds_to_candidate(const LocalTime& t) const;

  std::string text_;
  std::chrono::milliseconds interval_{0};
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0..6, Sunday = 0
  bool days_star_ = false;
  bool weekdays_star_ = false;
};

}  // namespace weir::triggers
