// Time zones read from the system's tz database and from TZif files written
// here byte by byte (host/triggers/time_zone). Expected offsets are the ones
// the zones' rules give; each instant's derivation is in a comment.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "triggers/time_zone.hpp"

using namespace weir::triggers;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kHour = 3600;

// Points TZDIR somewhere for one test and puts the old value back after it.
class TzdirOverride {
 public:
  explicit TzdirOverride(const std::string& dir) {
    if (const char* old = std::getenv("TZDIR")) old_ = old;
    ::setenv("TZDIR", dir.c_str(), 1);
  }
  ~TzdirOverride() {
    if (old_) {
      ::setenv("TZDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TZDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

std::string big_endian(std::uint64_t v, int width) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) out += static_cast<char>(v >> (8 * i) & 0xff);
  return out;
}

struct Transition {
  std::int64_t at;
  std::uint8_t type;
};

// A TZif file: `offsets` are the local time types (the first one non-DST,
// the rest DST); version 0 writes only the 32-bit block, '2' and '3' add the
// 64-bit block and the footer.
std::string tzif(char version, const std::vector<std::int32_t>& offsets,
                 const std::vector<Transition>& transitions, const std::string& footer) {
  auto header = [&] {
    std::string h = "TZif" + std::string(1, version) + std::string(15, '\0');
    for (std::uint64_t count : {0ul, 0ul, 0ul, transitions.size(), offsets.size(), 4ul}) {
      h += big_endian(count, 4);
    }
    return h;
  };
  auto block = [&](int time_size) {
    std::string b;
    for (const Transition& t : transitions) b += big_endian(t.at, time_size);
    for (const Transition& t : transitions) b += static_cast<char>(t.type);
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      b += big_endian(static_cast<std::uint32_t>(offsets[i]), 4) + static_cast<char>(i > 0) + '\0';
    }
    return b + std::string("ABC\0", 4);
  };
  std::string file = header() + block(4);
  if (version != 0) file += header() + block(8) + "\n" + footer + "\n";
  return file;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TimeZone load(const std::string& name) {
  auto zone = TimeZone::load(name);
  INFO(zone.error());
  REQUIRE(zone);
  return *zone;
}

}  // namespace

TEST_CASE("days_from_civil counts days from 1970-01-01 in the proleptic Gregorian calendar") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  // 30 years of 365 days plus the 7 leap days 1972..1996.
  CHECK(days_from_civil(2000, 1, 1) == 10957);
  // 2000 is a leap year (divisible by 400): Jan 31 + Feb 29 days later.
  CHECK(days_from_civil(2000, 3, 1) == 10957 + 31 + 29);
  // 56 years of 365 days plus the 14 leap days 1972..2024.
  CHECK(days_from_civil(2026, 1, 1) == 20454);
  // 2100 is not a leap year: Feb 28 is followed by Mar 1.
  CHECK(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28) == 1);
  // 400 Gregorian years are exactly 146097 days, also before 1970.
  CHECK(days_from_civil(1600, 1, 1) == 10957 - 146097);
}

TEST_CASE("to_local turns UTC seconds and an offset into calendar fields") {
  // 2026-03-29 is day 20454 + 31 + 28 + 28 = 20541; 01:00:00 UTC.
  const std::int64_t t = 20541 * kDay + kHour;
  LocalTime utc = to_local(t, 0);
  CHECK((utc.year == 2026 && utc.month == 3 && utc.day == 29));
  CHECK((utc.hour == 1 && utc.minute == 0 && utc.second == 0));
  CHECK(utc.weekday == 0);  // 2026-01-01 was a Thursday; 87 days later is a Sunday
  LocalTime prague = to_local(t, 2 * 3600);
  CHECK((prague.day == 29 && prague.hour == 3));
  LocalTime new_york = to_local(t, -4 * 3600);  // the evening before, a Saturday
  CHECK((new_york.day == 28 && new_york.hour == 21 && new_york.weekday == 6));
  LocalTime before_epoch = to_local(-1, 0);
  CHECK((before_epoch.year == 1969 && before_epoch.month == 12 && before_epoch.day == 31));
  CHECK((before_epoch.hour == 23 && before_epoch.minute == 59 && before_epoch.second == 59));
  CHECK(before_epoch.weekday == 3);  // the day before a Thursday
  LocalTime leap = to_local((days_from_civil(2028, 2, 29)) * kDay, 0);
  CHECK((leap.month == 2 && leap.day == 29 && leap.weekday == 2));  // 2028-02-29 is a Tuesday
}

TEST_CASE("UTC and its aliases need no file and have offset 0") {
  TzdirOverride nowhere("/nonexistent-weir-tzdir");
  for (const char* name : {"UTC", "Etc/UTC", "Z"}) {
    auto zone = TimeZone::load(name);
    INFO(name << ": " << zone.error());
    REQUIRE(zone);
    CHECK(zone->name() == name);
    CHECK(zone->offset_at(0) == 0);
    CHECK(zone->offset_at(20541 * kDay) == 0);
  }
  CHECK(TimeZone::utc().name() == "UTC");
  CHECK(TimeZone::utc().offset_at(4000000000) == 0);
}

TEST_CASE("Europe/Prague is UTC+1 in winter and UTC+2 in summer switching at 01:00 UTC") {
  const TimeZone prague = load("Europe/Prague");
  CHECK(prague.name() == "Europe/Prague");
  CHECK(prague.offset_at(days_from_civil(2026, 1, 15) * kDay) == 3600);
  CHECK(prague.offset_at(days_from_civil(2026, 7, 15) * kDay) == 7200);
  // EU rule: summer time from the last Sunday of March (2026-03-29, day
  // 20541) at 01:00 UTC to the last Sunday of October (2026-10-25, day
  // 20751) at 01:00 UTC.
  const std::int64_t spring = 20541 * kDay + kHour;
  CHECK(prague.offset_at(spring - 1) == 3600);
  CHECK(prague.offset_at(spring) == 7200);
  const std::int64_t fall = 20751 * kDay + kHour;
  CHECK(prague.offset_at(fall - 1) == 7200);
  CHECK(prague.offset_at(fall) == 3600);
}

TEST_CASE("before the first transition a zone keeps its first local time type") {
  // Prague's local mean time until 1891 was UTC+0:57:44 = 3464 s.
  const TimeZone prague = load("Europe/Prague");
  CHECK(prague.offset_at(days_from_civil(1850, 6, 1) * kDay) == 3464);
  CHECK(prague.offset_at(-5000000000000) == 3464);
}

TEST_CASE("America/New_York is UTC-5 in January and UTC-4 in July") {
  const TimeZone ny = load("America/New_York");
  CHECK(ny.offset_at(days_from_civil(2026, 1, 15) * kDay) == -5 * 3600);
  CHECK(ny.offset_at(days_from_civil(2026, 7, 15) * kDay) == -4 * 3600);
  // US rule: EDT from the second Sunday of March (2026-03-08) 02:00 EST = 07:00 UTC.
  const std::int64_t spring = days_from_civil(2026, 3, 8) * kDay + 7 * kHour;
  CHECK(ny.offset_at(spring - 1) == -5 * 3600);
  CHECK(ny.offset_at(spring) == -4 * 3600);
}

TEST_CASE("Australia/Sydney has summer time in January and standard time in July") {
  const TimeZone sydney = load("Australia/Sydney");
  CHECK(sydney.offset_at(days_from_civil(2026, 1, 15) * kDay) == 11 * 3600);  // AEDT
  CHECK(sydney.offset_at(days_from_civil(2026, 7, 15) * kDay) == 10 * 3600);  // AEST
  // AEDT ends on the first Sunday of April (2026-04-05) 03:00 AEDT = Apr 4 16:00 UTC.
  const std::int64_t end = days_from_civil(2026, 4, 4) * kDay + 16 * kHour;
  CHECK(sydney.offset_at(end - 1) == 11 * 3600);
  CHECK(sydney.offset_at(end) == 10 * 3600);
}

TEST_CASE("far-future instants follow the footer rule after the last stored transition") {
  // zic stores transitions up to 2037; 2090 needs the footer POSIX TZ string.
  const TimeZone prague = load("Europe/Prague");  // CET-1CEST,M3.5.0,M10.5.0/3
  CHECK(prague.offset_at(days_from_civil(2090, 1, 15) * kDay) == 3600);
  CHECK(prague.offset_at(days_from_civil(2090, 7, 15) * kDay) == 7200);
  // Last Sunday of March 2090 is the 26th (day 43914); 02:00 CET = 01:00 UTC.
  CHECK(prague.offset_at(43914 * kDay + kHour - 1) == 3600);
  CHECK(prague.offset_at(43914 * kDay + kHour) == 7200);
  // Last Sunday of October 2090 is the 29th; 03:00 CEST = 01:00 UTC.
  const std::int64_t fall = days_from_civil(2090, 10, 29) * kDay + kHour;
  CHECK(prague.offset_at(fall - 1) == 7200);
  CHECK(prague.offset_at(fall) == 3600);

  const TimeZone ny = load("America/New_York");  // EST5EDT,M3.2.0,M11.1.0
  CHECK(ny.offset_at(days_from_civil(2090, 1, 15) * kDay) == -5 * 3600);
  CHECK(ny.offset_at(days_from_civil(2090, 7, 15) * kDay) == -4 * 3600);

  const TimeZone sydney = load("Australia/Sydney");  // AEST-10AEDT,M10.1.0,M4.1.0/3
  CHECK(sydney.offset_at(days_from_civil(2090, 1, 15) * kDay) == 11 * 3600);
  CHECK(sydney.offset_at(days_from_civil(2090, 7, 15) * kDay) == 10 * 3600);
  CHECK(sydney.offset_at(days_from_civil(2090, 12, 31) * kDay) == 11 * 3600);
}

TEST_CASE("Europe/Dublin's negative DST footer gives UTC+0 in winter and UTC+1 in summer") {
  // IST-1GMT0,M10.5.0,M3.5.0/1: "standard" IST is UTC+1, the winter "DST" GMT is UTC+0.
  const TimeZone dublin = load("Europe/Dublin");
  CHECK(dublin.offset_at(days_from_civil(2090, 1, 15) * kDay) == 0);
  CHECK(dublin.offset_at(days_from_civil(2090, 7, 15) * kDay) == 3600);
  // Summer starts on the last Sunday of March (2090-03-26) at 01:00 GMT = 01:00 UTC.
  CHECK(dublin.offset_at(43914 * kDay + kHour - 1) == 0);
  CHECK(dublin.offset_at(43914 * kDay + kHour) == 3600);
}

TEST_CASE("a fixed-offset footer like <+03>-3 applies at all later times") {
  const TimeZone istanbul = load("Europe/Istanbul");  // footer <+03>-3
  CHECK(istanbul.offset_at(days_from_civil(2090, 1, 15) * kDay) == 3 * 3600);
  CHECK(istanbul.offset_at(days_from_civil(2090, 7, 15) * kDay) == 3 * 3600);
}

TEST_CASE("footer rules with Jn and n days and v3 times beyond 0..24 hours") {
  weir::test::TempDir dir;
  TzdirOverride tzdir(dir.path().string());
  // XST3XDT: standard UTC-3, DST UTC-2. DST starts on J60 (March 1: Jn never
  // counts Feb 29) at -1:00, i.e. Feb 28 23:00 UTC-3 = Mar 1 02:00 UTC; it
  // ends on zero-based day 300 (Oct 28 in 2030, Oct 27 in leap 2032) at 25:00
  // UTC-2, i.e. the next day 01:00 UTC-2 = 03:00 UTC.
  write_file(dir.file("Test_Julian"), tzif('3', {-3 * 3600}, {}, "XST3XDT,J60/-1,300/25"));
  const TimeZone julian = load("Test_Julian");
  for (int year : {2030, 2032}) {
    INFO(year);
    const std::int64_t start = days_from_civil(year, 3, 1) * kDay + 2 * kHour;
    CHECK(julian.offset_at(start - 1) == -3 * 3600);
    CHECK(julian.offset_at(start) == -2 * 3600);
  }
  const std::int64_t end_2030 = days_from_civil(2030, 10, 29) * kDay + 3 * kHour;
  CHECK(julian.offset_at(end_2030 - 1) == -2 * 3600);
  CHECK(julian.offset_at(end_2030) == -3 * 3600);
  const std::int64_t end_2032 = days_from_civil(2032, 10, 28) * kDay + 3 * kHour;
  CHECK(julian.offset_at(end_2032 - 1) == -2 * 3600);
  CHECK(julian.offset_at(end_2032) == -3 * 3600);

  // RFC 8536's example of all-year DST: it starts Jan 1 00:00 EST and ends
  // Dec 31 25:00 EDT, which is when next year's starts.
  write_file(dir.file("Test_AllYear"), tzif('3', {-5 * 3600}, {}, "EST5EDT,0/0,J365/25"));
  const TimeZone all_year = load("Test_AllYear");
  for (std::int64_t t : {days_from_civil(2030, 1, 1) * kDay, days_from_civil(2030, 7, 1) * kDay,
                         days_from_civil(2031, 1, 1) * kDay - 1}) {
    INFO(t);
    CHECK(all_year.offset_at(t) == -4 * 3600);
  }

  // Offsets with minutes: <+0545>-5:45 is UTC+5:45.
  write_file(dir.file("Test_Minutes"), tzif('2', {20700}, {}, "<+0545>-5:45"));
  CHECK(load("Test_Minutes").offset_at(days_from_civil(2030, 1, 1) * kDay) == 20700);
}

TEST_CASE("a version 1 file uses its 32-bit transitions and keeps the last type after them") {
  weir::test::TempDir dir;
  TzdirOverride tzdir(dir.path().string());
  write_file(dir.file("Old"), tzif(0, {3600, 7200}, {{1000000000, 1}}, ""));
  const TimeZone old = load("Old");
  CHECK(old.offset_at(999999999) == 3600);  // before the only transition: type 0
  CHECK(old.offset_at(1000000000) == 7200);
  CHECK(old.offset_at(4000000000) == 7200);
  // An empty footer in a version 2 file also keeps the last type.
  write_file(dir.file("NoFooter"), tzif('2', {3600, 7200}, {{1000000000, 1}}, ""));
  CHECK(load("NoFooter").offset_at(4000000000) == 7200);
}

TEST_CASE("an unknown zone is an error naming the zone and the file tried") {
  const char* tzdir = std::getenv("TZDIR");
  const std::string dir = tzdir && *tzdir ? tzdir : "/usr/share/zoneinfo";
  auto zone = TimeZone::load("Mars/Olympus_Mons");
  REQUIRE_FALSE(zone);
  CHECK_THAT(zone.error(), Catch::Contains("time zone 'Mars/Olympus_Mons'"));
  CHECK_THAT(zone.error(), Catch::Contains(dir + "/Mars/Olympus_Mons"));
  CHECK_THAT(zone.error(), Catch::Contains("not found"));
  auto folder = TimeZone::load("America");
  REQUIRE_FALSE(folder);
  CHECK_THAT(folder.error(), Catch::Contains("is a directory"));
}

TEST_CASE("zone names that would leave the zone directory are refused") {
  for (const char* name : {"../../etc/passwd", "/etc/localtime", "Europe/../../etc/passwd", ""}) {
    auto zone = TimeZone::load(name);
    INFO(name);
    REQUIRE_FALSE(zone);
    CHECK_THAT(zone.error(), Catch::Contains("time zone '" + std::string(name) + "'"));
    CHECK_THAT(zone.error(), Catch::Contains("not a zone name"));
  }
}

TEST_CASE("a file that is not TZif or is cut short is an error saying so") {
  weir::test::TempDir dir;
  TzdirOverride tzdir(dir.path().string());
  write_file(dir.file("Plain"), "this is not a time zone\n");
  auto plain = TimeZone::load("Plain");
  REQUIRE_FALSE(plain);
  CHECK(plain.error() == "time zone 'Plain': " + dir.file("Plain") +
                             ": not a TZif file (it does not start with \"TZif\")");

  const std::string whole =
      tzif('2', {3600, 7200}, {{1000000000, 1}}, "CET-1CEST,M3.5.0,M10.5.0/3");
  for (std::size_t cut : {std::size_t{20}, std::size_t{60}, whole.size() - 10, whole.size() - 1}) {
    INFO("cut at " << cut << " of " << whole.size());
    write_file(dir.file("Short"), whole.substr(0, cut));
    auto zone = TimeZone::load("Short");
    REQUIRE_FALSE(zone);
    CHECK_THAT(zone.error(), Catch::StartsWith("time zone 'Short': " + dir.file("Short") + ": "));
    CHECK_THAT(zone.error(), Catch::Contains("truncated TZif file"));
  }

  write_file(dir.file("BadFooter"), tzif('2', {3600}, {}, "CET-1CEST"));
  auto footer = TimeZone::load("BadFooter");
  REQUIRE_FALSE(footer);
  CHECK_THAT(footer.error(), Catch::Contains("unsupported footer TZ string \"CET-1CEST\""));
}
