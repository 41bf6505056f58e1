// Time zones for cron triggers, read from the system's tz database (TZif
// files, RFC 8536, under $TZDIR or /usr/share/zoneinfo), with the file's
// footer rule (a POSIX TZ string) for times after its last transition.
// g++ 12's <chrono> has no tzdb, so weir reads the files itself.
//
// A TimeZone is immutable once loaded and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.hpp"

namespace weir::triggers {

class TimeZone {
 public:
  // "UTC" (also "Etc/UTC", "Z") needs no file. Other names: an IANA zone
  // ("Europe/Prague"); an unknown or unreadable one is an error naming it
  // and the file tried.
  static Result<TimeZone> load(const std::string& name);
  static TimeZone utc();

  const std::string& name() const;
  // Seconds to add to UTC to get local time at the instant `utc_seconds`.
  std::int32_t offset_at(std::int64_t utc_seconds) const;

  struct Rules;  // the parsed file (time_zone.cpp)

 private:
  explicit TimeZone(std::shared_ptr<const Rules> rules) : rules_(std::move(rules)) {}
  std::shared_ptr<const Rules> rules_;
};

// A local calendar time (what cron fields match).
struct LocalTime {
  int year = 1970, month = 1, day = 1;  // month 1..12, day 1..31
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;                      // 0 = Sunday .. 6 = Saturday
};

// UTC seconds -> calendar fields, after adding `offset_seconds`.
LocalTime to_local(std::int64_t utc_seconds, std::int32_t offset_seconds);
// Days since 1970-01-01 of a proleptic Gregorian date (negative before).
std::int64_t days_from_civil(int year, int month, int day);

}  // namespace weir::triggers
