// Cron schedules (host/triggers/cron): what each expression fires on, in UTC
// and in real zones across DST changes, and what a mistake in one says.
//
// Expected instants are worked out by hand from the calendar: 2026-01-01 was
// a Thursday, so Jan 4, 11, 18, 25 are Sundays and Jan 2, 9, 16 are Fridays.
// Zone offsets are the zones' published rules; each case says how its answer
// follows. Times are written "YYYY-MM-DDTHH:MMZ" (UTC) for readability.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

#include "triggers/cron.hpp"
#include "triggers/time_zone.hpp"

using namespace weir::triggers;

namespace {

// "2026-01-07T10:20Z" -> ms since the epoch (minutes precision is enough).
std::int64_t at(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  REQUIRE(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%dZ", &y, &mo, &d, &h, &mi) == 5);
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000;
}

std::string iso(std::int64_t ms) {
  const LocalTime t = to_local(ms / 1000, 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d%s", t.year, t.month, t.day, t.hour,
                t.minute, t.second == 0 && ms % 1000 == 0 ? "Z" : ":??Z");
  return buf;
}

CronSchedule schedule(const std::string& text) {
  auto s = CronSchedule::parse(text);
  INFO(s.error());
  REQUIRE(s);
  return *s;
}

// The next slot after `after` as text, or "none".
std::string next(const std::string& text, const std::string& after,
                 const TimeZone& zone = TimeZone::utc()) {
  auto slot = schedule(text).next_after(at(after), zone);
  return slot ? iso(*slot) : "none";
}

TimeZone zone(const std::string& name) {
  auto z = TimeZone::load(name);
  INFO(z.error());
  REQUIRE(z);
  return *z;
}

std::string parse_error(const std::string& text) {
  auto s = CronSchedule::parse(text);
  return s ? "parsed" : s.error();
}

}  // namespace

TEST_CASE("next_after gives the first whole-minute slot strictly after the given instant") {
  CHECK(next("* * * * *", "2026-01-07T10:20Z") == "2026-01-07T10:21Z");
  // Half a minute past 10:20 still waits for 10:21.
  CHECK(iso(*schedule("* * * * *").next_after(at("2026-01-07T10:20Z") + 30000, TimeZone::utc())) ==
        "2026-01-07T10:21Z");
  CHECK(next("20 10 * * *", "2026-01-07T10:20Z") == "2026-01-08T10:20Z");
  CHECK(next("20 10 * * *", "2026-01-07T10:19Z") == "2026-01-07T10:20Z");
  // Before the epoch too: 1969-12-31T23:59Z is -60000 ms.
  CHECK(next("0 0 * * *", "1969-12-31T23:59Z") == "1970-01-01T00:00Z");
}

TEST_CASE("every field form selects the documented values") {
  // N
  CHECK(next("5 * * * *", "2026-01-07T10:20Z") == "2026-01-07T11:05Z");
  // A-B: minutes 10, 11, 12 of each hour
  CHECK(next("10-12 * * * *", "2026-01-07T10:11Z") == "2026-01-07T10:12Z");
  CHECK(next("10-12 * * * *", "2026-01-07T10:12Z") == "2026-01-07T11:10Z");
  // */S: 0, 15, 30, 45
  CHECK(next("*/15 * * * *", "2026-01-07T10:20Z") == "2026-01-07T10:30Z");
  CHECK(next("*/15 * * * *", "2026-01-07T10:45Z") == "2026-01-07T11:00Z");
  // A-B/S: hours 9, 12, 15
  CHECK(next("0 9-17/3 * * *", "2026-01-07T12:00Z") == "2026-01-07T15:00Z");
  CHECK(next("0 9-17/3 * * *", "2026-01-07T15:00Z") == "2026-01-08T09:00Z");
  // N/S: minutes 50 and 55, then the next hour
  CHECK(next("50/5 * * * *", "2026-01-07T10:51Z") == "2026-01-07T10:55Z");
  CHECK(next("50/5 * * * *", "2026-01-07T10:55Z") == "2026-01-07T11:50Z");
  // lists mixing the forms: minutes 1, 7, 8, 40, 50
  CHECK(next("1,7-8,40/10 * * * *", "2026-01-07T10:01Z") == "2026-01-07T10:07Z");
  CHECK(next("1,7-8,40/10 * * * *", "2026-01-07T10:08Z") == "2026-01-07T10:40Z");
  CHECK(next("1,7-8,40/10 * * * *", "2026-01-07T10:50Z") == "2026-01-07T11:01Z");
  // day-of-month and month: */3 counts from January, so the 15th of January,
  // April, July and October
  CHECK(next("0 0 15 */3 *", "2026-01-07T10:20Z") == "2026-01-15T00:00Z");
  CHECK(next("0 0 15 */3 *", "2026-01-15T00:00Z") == "2026-04-15T00:00Z");
  // extra spaces and tabs between fields are fine
  CHECK(next("  0\t0  1 1 *  ", "2026-01-07T10:20Z") == "2027-01-01T00:00Z");
}

TEST_CASE("month and weekday names work in any case") {
  // February 2026 begins on a Sunday (Jan 1 Thursday + 31 days).
  CHECK(next("0 0 1 FEB *", "2026-01-07T10:20Z") == "2026-02-01T00:00Z");
  CHECK(next("0 0 1 feb-Mar *", "2026-02-01T00:00Z") == "2026-03-01T00:00Z");
  CHECK(next("0 0 1 JAN,jul *", "2026-01-07T10:20Z") == "2026-07-01T00:00Z");
  // Wednesday Jan 7 -> Monday Jan 12
  CHECK(next("0 0 * * mon", "2026-01-07T10:20Z") == "2026-01-12T00:00Z");
  CHECK(next("0 0 * * Sun", "2026-01-07T10:20Z") == "2026-01-11T00:00Z");
  // MON-FRI from Friday Jan 9 after midnight skips the weekend to Monday Jan 12
  CHECK(next("0 0 * * MON-FRI", "2026-01-09T00:00Z") == "2026-01-12T00:00Z");
  LocalTime sunday;  // 2026-01-11 00:00
  sunday.year = 2026, sunday.month = 1, sunday.day = 11, sunday.weekday = 0;
  CHECK(schedule("0 0 * JAN sUn").matches(sunday));
  CHECK_FALSE(schedule("0 0 * FEB SUN").matches(sunday));
}

TEST_CASE("day-of-week 0 and 7 are both Sunday") {
  // From Wednesday Jan 7 the next Sunday is Jan 11.
  CHECK(next("0 0 * * 0", "2026-01-07T10:20Z") == "2026-01-11T00:00Z");
  CHECK(next("0 0 * * 7", "2026-01-07T10:20Z") == "2026-01-11T00:00Z");
  // FRI-7 is Friday, Saturday and Sunday: Jan 9, 10, 11, then Jan 16.
  CHECK(next("0 0 * * 5-7", "2026-01-08T00:00Z") == "2026-01-09T00:00Z");
  CHECK(next("0 0 * * 5-7", "2026-01-10T00:00Z") == "2026-01-11T00:00Z");
  CHECK(next("0 0 * * 5-7", "2026-01-11T00:00Z") == "2026-01-16T00:00Z");
  // */2 steps through the week once: Sunday, Tuesday, Thursday, Saturday.
  CHECK(next("0 0 * * */2", "2026-01-10T00:00Z") == "2026-01-11T00:00Z");
  CHECK(next("0 0 * * */2", "2026-01-11T00:00Z") == "2026-01-13T00:00Z");
}

TEST_CASE("restricted day-of-month and day-of-week widen each other") {
  // "13 * FRI": the 13th OR any Friday. Jan 13 2026 is a Tuesday.
  CHECK(next("0 0 13 * FRI", "2026-01-10T00:00Z") == "2026-01-13T00:00Z");
  CHECK(next("0 0 13 * FRI", "2026-01-13T00:00Z") == "2026-01-16T00:00Z");  // Friday
  CHECK(next("0 0 13 * FRI", "2026-01-06T00:00Z") == "2026-01-09T00:00Z");  // Friday
}

TEST_CASE("a day field starting with a star narrows the other instead") {
  // "*/2 * FRI": odd days (1, 3, ...) that are also Fridays. Friday Jan 2 is
  // even; Friday Jan 9 is odd.
  CHECK(next("0 0 */2 * FRI", "2026-01-01T00:00Z") == "2026-01-09T00:00Z");
  // With a plain star only the other field counts.
  CHECK(next("0 0 13 * *", "2026-01-06T00:00Z") == "2026-01-13T00:00Z");
  CHECK(next("0 0 * * FRI", "2026-01-10T00:00Z") == "2026-01-16T00:00Z");
  // "13 * */1": the 13th that is also any day of the week, i.e. the 13th.
  CHECK(next("0 0 13 * */1", "2026-01-06T00:00Z") == "2026-01-13T00:00Z");
}

TEST_CASE("February 29 is found in the next leap year and February 30 never") {
  CHECK(next("0 0 29 2 *", "2026-01-07T10:20Z") == "2028-02-29T00:00Z");
  CHECK(next("0 0 30 2 *", "2026-01-07T10:20Z") == "none");
  CHECK(next("0 0 31 4,6,9,11 *", "2026-01-07T10:20Z") == "none");
  // 2100 is not a leap year: from 2097-03-01 the next Feb 29 is in 2104,
  // beyond the 5-year horizon; from 2099-03-01 it is within it.
  CHECK(next("0 0 29 2 *", "2097-03-01T00:00Z") == "none");
  CHECK(next("0 0 29 2 *", "2099-03-01T00:00Z") == "2104-02-29T00:00Z");
}

TEST_CASE("macros stand for their five-field schedules") {
  // From Wednesday 2026-01-07 10:20 UTC.
  const std::string from = "2026-01-07T10:20Z";
  CHECK(next("@hourly", from) == "2026-01-07T11:00Z");
  CHECK(next("@daily", from) == "2026-01-08T00:00Z");
  CHECK(next("@midnight", from) == "2026-01-08T00:00Z");
  CHECK(next("@weekly", from) == "2026-01-11T00:00Z");  // Sunday
  CHECK(next("@monthly", from) == "2026-02-01T00:00Z");
  CHECK(next("@yearly", from) == "2027-01-01T00:00Z");
  CHECK(next("@annually", from) == "2027-01-01T00:00Z");
  const CronSchedule daily = schedule("@daily");
  CHECK(daily.text() == "@daily");
  CHECK_FALSE(daily.is_interval());
}

TEST_CASE("@every is a fixed interval measured from the last fire") {
  const CronSchedule half_minute = schedule("@every 30s");
  CHECK(half_minute.is_interval());
  CHECK(half_minute.interval() == std::chrono::seconds(30));
  CHECK(half_minute.text() == "@every 30s");
  // Not aligned to minutes: 10:20:00.250 + 30 s.
  CHECK(half_minute.next_after(at("2026-01-07T10:20Z") + 250, TimeZone::utc()) ==
        at("2026-01-07T10:20Z") + 30250);
  const CronSchedule five_minutes = schedule("@every 5m");
  CHECK(five_minutes.interval() == std::chrono::minutes(5));
  CHECK(five_minutes.next_after(at("2026-01-07T10:20Z"), zone("Europe/Prague")) ==
        at("2026-01-07T10:25Z"));
  CHECK(schedule("@every 1500ms").interval() == std::chrono::milliseconds(1500));
}

TEST_CASE("a wrong number of fields says how many were found and that 5 are expected") {
  CHECK(parse_error("* * * *") ==
        "cron '* * * *': expected 5 fields (minute hour day-of-month month day-of-week), found 4");
  CHECK(parse_error("0 0 * * * *") ==
        "cron '0 0 * * * *': expected 5 fields (minute hour day-of-month month day-of-week), "
        "found 6");
  CHECK_THAT(parse_error(""), Catch::EndsWith("found 0"));
}

TEST_CASE("an out-of-range value names the field and its allowed range") {
  CHECK(parse_error("60 * * * *") ==
        "cron '60 * * * *': minute '60': '60' is out of range (0..59)");
  CHECK(parse_error("0 24 * * *") == "cron '0 24 * * *': hour '24': '24' is out of range (0..23)");
  CHECK(parse_error("0 0 0 * *") ==
        "cron '0 0 0 * *': day-of-month '0': '0' is out of range (1..31)");
  CHECK(parse_error("0 0 32 * *") ==
        "cron '0 0 32 * *': day-of-month '32': '32' is out of range (1..31)");
  CHECK(parse_error("0 0 * 13 *") ==
        "cron '0 0 * 13 *': month '13': '13' is out of range (JAN..DEC or 1..12)");
  CHECK(parse_error("0 0 * * 8") ==
        "cron '0 0 * * 8': day-of-week '8': '8' is out of range (SUN..SAT or 0..7)");
  CHECK(parse_error("0 1-99 * * *") ==
        "cron '0 1-99 * * *': hour '1-99': '99' is out of range (0..23)");
}

TEST_CASE("a word that is not a name or number is named with the field's range") {
  CHECK(parse_error("*/5 * * * MON-XYZ") ==
        "cron '*/5 * * * MON-XYZ': day-of-week 'MON-XYZ': 'XYZ' is not a day name (SUN..SAT or "
        "0..7)");
  CHECK(parse_error("0 0 * JANUARY *") ==
        "cron '0 0 * JANUARY *': month 'JANUARY': 'JANUARY' is not a month name (JAN..DEC or "
        "1..12)");
  CHECK(parse_error("x * * * *") == "cron 'x * * * *': minute 'x': 'x' is not a number (0..59)");
  // Names belong to their own field only.
  CHECK(parse_error("0 0 MON * *") ==
        "cron '0 0 MON * *': day-of-month 'MON': 'MON' is not a number (1..31)");
  CHECK(parse_error("-5 * * * *") == "cron '-5 * * * *': minute '-5': '' is not a number (0..59)");
}

TEST_CASE("a step of 0 or a step that is not a number is refused") {
  CHECK(parse_error("*/0 * * * *") ==
        "cron '*/0 * * * *': minute '*/0': step '0' must be at least 1 (0..59)");
  CHECK(parse_error("0 1-5/0 * * *") ==
        "cron '0 1-5/0 * * *': hour '1-5/0': step '0' must be at least 1 (0..23)");
  CHECK(parse_error("0 0 * * */-1") ==
        "cron '0 0 * * */-1': day-of-week '*/-1': step '-1' must be at least 1 (SUN..SAT or "
        "0..7)");
  CHECK(parse_error("*/x * * * *") ==
        "cron '*/x * * * *': minute '*/x': step 'x' is not a number (0..59)");
  CHECK(parse_error("*/ * * * *") ==
        "cron '*/ * * * *': minute '*/': step '' is not a number (0..59)");
}

TEST_CASE("a reversed range is refused with both ends shown") {
  CHECK(parse_error("30-10 * * * *") ==
        "cron '30-10 * * * *': minute '30-10': '30-10' is a reversed range: 30 comes after 10 "
        "(0..59)");
  CHECK(parse_error("0 0 * * FRI-MON") ==
        "cron '0 0 * * FRI-MON': day-of-week 'FRI-MON': 'FRI-MON' is a reversed range: 5 comes "
        "after 1 (SUN..SAT or 0..7)");
}

TEST_CASE("an empty item in a list is refused") {
  for (const char* text : {"1,,2 * * * *", "1, * * * *", ",1 * * * *"}) {
    INFO(text);
    const std::string field = std::string(text).substr(0, std::string(text).find(' '));
    CHECK(parse_error(text) == "cron '" + std::string(text) + "': minute '" + field +
                                   "': the list has an empty item (0..59)");
  }
}

TEST_CASE("an unknown macro lists the known ones") {
  CHECK(parse_error("@weekdays") ==
        "cron '@weekdays': unknown macro '@weekdays' (known: @yearly, @annually, @monthly, "
        "@weekly, @daily, @midnight, @hourly, @every <duration>)");
  CHECK(parse_error("@daily 5") == "cron '@daily 5': @daily takes nothing after it");
}

TEST_CASE("@every needs a valid duration of at least one second") {
  CHECK(parse_error("@every") ==
        "cron '@every': @every needs one duration, e.g. '@every 30s' or '@every 5m'");
  CHECK(parse_error("@every 5 m") ==
        "cron '@every 5 m': @every needs one duration, e.g. '@every 30s' or '@every 5m'");
  CHECK(parse_error("@every soon") ==
        "cron '@every soon': 'soon' is not a duration (a whole number with ms, s, m, h or d, "
        "e.g. 30s)");
  CHECK(parse_error("@every 500ms") ==
        "cron '@every 500ms': @every 500ms is too short (at least 1s)");
  CHECK(parse_error("@every 0s") == "cron '@every 0s': @every 0s is too short (at least 1s)");
}

TEST_CASE("slots follow local time in the schedule's zone") {
  // 09:00 in New York is 14:00 UTC under EST (UTC-5) and 13:00 UTC under EDT (UTC-4).
  const TimeZone ny = zone("America/New_York");
  CHECK(next("0 9 * * *", "2026-01-15T00:00Z", ny) == "2026-01-15T14:00Z");
  CHECK(next("0 9 * * *", "2026-07-15T00:00Z", ny) == "2026-07-15T13:00Z");
  // 09:00 in Sydney is the previous day 22:00 UTC under AEDT (UTC+11) in
  // January, 23:00 UTC under AEST (UTC+10) in July.
  const TimeZone sydney = zone("Australia/Sydney");
  CHECK(next("0 9 * * *", "2026-01-15T00:00Z", sydney) == "2026-01-15T22:00Z");
  CHECK(next("0 9 * * *", "2026-07-15T00:00Z", sydney) == "2026-07-15T23:00Z");
  // The local day decides the weekday: Monday 00:30 in Sydney (AEST) is
  // Sunday 14:30 UTC. July 19 2026 is a Sunday (Jan 18 + 26 weeks).
  CHECK(next("30 0 * * MON", "2026-07-15T00:00Z", sydney) == "2026-07-19T14:30Z");
  // New Year in New York, after the footer rule takes over from the stored
  // transitions: 2091-01-01 00:00 EST = 05:00 UTC.
  CHECK(next("@yearly", "2090-06-01T00:00Z", ny) == "2091-01-01T05:00Z");
}

TEST_CASE("a local time skipped by spring-forward does not fire that day") {
  // Prague 2026-03-29: at 02:00 CET (01:00 UTC) clocks jump to 03:00 CEST,
  // so 02:30 does not exist. The slot after Mar 28 02:30 CET (01:30 UTC) is
  // Mar 30 02:30 CEST = 00:30 UTC.
  const TimeZone prague = zone("Europe/Prague");
  CHECK(next("30 2 * * *", "2026-03-27T12:00Z", prague) == "2026-03-28T01:30Z");
  CHECK(next("30 2 * * *", "2026-03-28T01:30Z", prague) == "2026-03-30T00:30Z");
  // Hourly slots go on: 01:00 CET (00:00 UTC), then 03:00 CEST (01:00 UTC).
  CHECK(next("0 * * * *", "2026-03-29T00:00Z", prague) == "2026-03-29T01:00Z");
}

TEST_CASE("a local time repeated by fall-back fires once at its first occurrence") {
  // Prague 2026-10-25: at 03:00 CEST (01:00 UTC) clocks go back to 02:00 CET,
  // so 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
  const TimeZone prague = zone("Europe/Prague");
  CHECK(next("30 2 * * *", "2026-10-24T12:00Z", prague) == "2026-10-25T00:30Z");
  // Not again at 01:30 UTC: the next is Oct 26 02:30 CET = 01:30 UTC.
  CHECK(next("30 2 * * *", "2026-10-25T00:30Z", prague) == "2026-10-26T01:30Z");
  // Every half hour: 02:30 CEST (00:30 UTC) fires; the repeated 02:00 and
  // 02:30 CET (01:00 and 01:30 UTC) do not; 03:00 CET (02:00 UTC) does.
  CHECK(next("*/30 * * * *", "2026-10-25T00:00Z", prague) == "2026-10-25T00:30Z");
  CHECK(next("*/30 * * * *", "2026-10-25T00:30Z", prague) == "2026-10-25T02:00Z");
}

TEST_CASE("a daily job in Prague fires 364 times in 2026 and never twice in one local day") {
  // 365 days, less Mar 29 whose 02:30 does not exist; Oct 25 fires once.
  const TimeZone prague = zone("Europe/Prague");
  const CronSchedule daily = schedule("30 2 * * *");
  std::int64_t t = at("2026-01-01T00:00Z");
  int fired = 0;
  int last_day = 0;
  while (true) {
    auto slot = daily.next_after(t, prague);
    REQUIRE(slot);
    if (*slot >= at("2027-01-01T00:00Z")) break;
    const LocalTime local = to_local(*slot / 1000, prague.offset_at(*slot / 1000));
    CHECK((local.hour == 2 && local.minute == 30));
    const int day = static_cast<int>(days_from_civil(local.year, local.month, local.day));
    CHECK(day != last_day);
    last_day = day;
    ++fired;
    t = *slot;
  }
  CHECK(fired == 364);
}

TEST_CASE("@every refuses an interval longer than five years") {
  // Found by the fuzzer: @every 2501489314250148s overflowed int64 ms.
  CHECK(schedule("@every 1827d").interval() == std::chrono::hours(24 * 1827));
  CHECK(parse_error("@every 1828d") ==
        "cron '@every 1828d': @every 1828d is too long (at most 1827d, five years)");
  CHECK_FALSE(schedule("@every 1827d").next_after(INT64_MAX - 5, TimeZone::utc()));
}
