// Reading TZif files (RFC 8536) and evaluating their POSIX TZ footer.
//
// A TZif file lists UTC transition instants, each naming a local time type
// (an offset and a DST flag). Version 1 stores 32-bit instants; versions 2+
// repeat the data with 64-bit instants and end with a footer, a POSIX TZ
// string such as "CET-1CEST,M3.5.0,M10.5.0/3", that gives the rule for every
// instant after the last transition (zic writes transitions only up to 2037,
// or none at all in "slim" files). Version 3 lets footer transition times be
// negative or exceed 24 hours ("M3.5.0/-1", "J365/25"); version 4 changes only
// leap-second tables, so it reads the same.
//
// Leap-second tables ("right/" zones) are skipped: cron works in POSIX time.
#include "triggers/time_zone.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

namespace weir::triggers {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// ---- POSIX TZ strings (the footer) ----

// The day a DST rule changes: "Jn" (1..365, Feb 29 never counted), "n"
// (0..365, Feb 29 counted) or "Mm.w.d" (weekday d of week w of month m, w 5 =
// the last one).
struct DayRule {
  enum class Kind { kJulian1, kJulian0, kMonthWeekDay } kind = Kind::kMonthWeekDay;
  int n = 0, month = 0, week = 0, weekday = 0;
  std::int32_t time = 7200;  // local seconds after midnight; may be < 0 or > 24 h (v3)

  // Local seconds since the epoch (in the offset in force before the change).
  std::int64_t local_seconds(int year) const {
    std::int64_t day = 0;
    if (kind == Kind::kJulian1) {
      day = days_from_civil(year, 1, 1) + n - 1 + (is_leap(year) && n >= 60 ? 1 : 0);
    } else if (kind == Kind::kJulian0) {
      day = days_from_civil(year, 1, 1) + n;
    } else {
      const std::int64_t first = days_from_civil(year, month, 1);
      const int first_weekday = static_cast<int>(floor_mod(first + 4, 7));  // 0 = Sunday
      int mday = 1 + (weekday - first_weekday + 7) % 7 + 7 * (week - 1);
      while (mday > days_in_month(year, month)) mday -= 7;
      day = first + mday - 1;
    }
    return day * kSecondsPerDay + time;
  }
};

struct PosixRule {
  std::int32_t std_offset = 0;  // seconds east of UTC (POSIX writes them west)
  bool has_dst = false;
  std::int32_t dst_offset = 0;
  DayRule start, end;  // DST starts at `start` (standard time), ends at `end` (DST)

  std::int32_t offset_at(std::int64_t t) const {
    if (!has_dst) return std_offset;
    // Look at the changes of the years around t; the last one at or before t
    // wins. A tie (DST ending exactly when next year's begins) is all-year DST.
    const int year = to_local(t, std_offset).year;
    std::int64_t latest = INT64_MIN;
    bool in_dst = false;
    for (int y = year - 1; y <= year + 1; ++y) {
      const std::int64_t on = start.local_seconds(y) - std_offset;
      const std::int64_t off = end.local_seconds(y) - dst_offset;
      if (off <= t && off > latest) {
        latest = off;
        in_dst = false;
      }
      if (on <= t && on >= latest) {
        latest = on;
        in_dst = true;
      }
    }
    return in_dst ? dst_offset : std_offset;
  }
};

class PosixParser {
 public:
  explicit PosixParser(std::string_view text) : s_(text) {}

  std::optional<PosixRule> parse() {
    PosixRule rule;
    auto std_offset = (skip_name() ? hms(24) : std::nullopt);
    if (!std_offset) return std::nullopt;
    rule.std_offset = -*std_offset;
    if (done()) return rule;
    if (!skip_name()) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (!done() && s_[pos_] != ',') {
      auto dst_offset = hms(24);
      if (!dst_offset) return std::nullopt;
      rule.dst_offset = -*dst_offset;
    }
    // zic always writes the rule; POSIX leaves its absence to the implementation.
    if (!eat(',') || !day_rule(rule.start) || !eat(',') || !day_rule(rule.end) || !done()) {
      return std::nullopt;
    }
    return rule;
  }

 private:
  bool done() const { return pos_ == s_.size(); }
  bool eat(char c) {
    if (done() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  // "CET" or "<+03>"; the names themselves are not needed.
  bool skip_name() {
    const std::size_t begin = pos_;
    if (eat('<')) {
      while (!done() && s_[pos_] != '>') ++pos_;
      return pos_ > begin + 1 && eat('>');
    }
    while (!done() && is_alpha(s_[pos_])) ++pos_;
    return pos_ - begin >= 3;
  }

  std::optional<int> number(int max) {
    int value = 0;
    const std::size_t begin = pos_;
    while (!done() && is_digit(s_[pos_]) && pos_ - begin < 4) value = value * 10 + s_[pos_++] - '0';
    if (pos_ == begin || value > max) return std::nullopt;
    return value;
  }

  // [+|-]hh[:mm[:ss]] in seconds.
  std::optional<std::int32_t> hms(int max_hours) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    std::int32_t seconds = *h * 3600;
    for (int unit : {60, 1}) {
      if (!eat(':')) break;
      auto part = number(59);
      if (!part) return std::nullopt;
      seconds += *part * unit;
    }
    return sign * seconds;
  }

  bool day_rule(DayRule& r) {
    if (eat('J')) {
      auto n = number(365);
      if (!n || *n < 1) return false;
      r.kind = DayRule::Kind::kJulian1;
      r.n = *n;
    } else if (eat('M')) {
      // Mm.w.d, read one part at a time (value_or keeps g++ 12's -O2
      // maybe-uninitialized check quiet about the optionals).
      const int m = number(12).value_or(-1);
      const int w = m >= 1 && eat('.') ? number(5).value_or(-1) : -1;
      const int d = w >= 1 && eat('.') ? number(6).value_or(-1) : -1;
      if (d < 0) return false;
      r.kind = DayRule::Kind::kMonthWeekDay;
      r.month = m;
      r.week = w;
      r.weekday = d;
    } else {
      auto n = number(365);
      if (!n) return false;
      r.kind = DayRule::Kind::kJulian0;
      r.n = *n;
    }
    if (!eat('/')) return true;
    auto time = hms(167);
    if (time) r.time = *time;
    return time.has_value();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

// ---- TZif files ----

struct TimeZone::Rules {
  std::string name;
  std::vector<std::int64_t> transitions;  // UTC seconds, ascending
  std::vector<std::uint8_t> type_of;      // transitions[i] starts offsets[type_of[i]]
  std::vector<std::int32_t> offsets;      // of the local time types; never empty
  std::optional<PosixRule> footer;        // for instants after the last transition

  std::int32_t offset_at(std::int64_t t) const {
    if (transitions.empty() || t > transitions.back()) {
      if (footer) return footer->offset_at(t);
      if (transitions.empty()) return offsets.front();
    }
    auto after = std::upper_bound(transitions.begin(), transitions.end(), t);
    // RFC 8536 3.2: local time type 0 applies before the first transition.
    if (after == transitions.begin()) return offsets.front();
    return offsets[type_of[after - transitions.begin() - 1]];
  }
};

namespace {

using Rules = TimeZone::Rules;

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  std::size_t data_size(std::size_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * 6 + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

// Big-endian reads over the file's bytes. Callers check the size of what they
// read first (a header, a whole data block), so reads here do not.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return bytes_.size() - pos_; }
  void skip(std::size_t n) { pos_ += n; }
  std::uint64_t unsigned_be(std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = v << 8 | static_cast<unsigned char>(bytes_[pos_++]);
    return v;
  }
  std::int64_t signed_be(std::size_t width) {
    const std::uint64_t v = unsigned_be(width);
    const unsigned shift = static_cast<unsigned>(64 - 8 * width);
    return static_cast<std::int64_t>(v << shift) >> shift;
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// Records why the file cannot be used; returns false for `return fail(...)`.
bool fail(std::string* problem, std::string message) {
  *problem = std::move(message);
  return false;
}

std::string truncated(std::size_t size, std::size_t needed) {
  return "truncated TZif file (" + std::to_string(size) + " bytes, needs at least " +
         std::to_string(needed) + ")";
}

// Reads a 44-byte header; `problem` says why it could not.
std::optional<Header> read_header(ByteReader& r, std::size_t file_size, std::string* problem) {
  if (r.left() < 44) {
    *problem = r.pos() == 0 && r.rest().substr(0, 4) != "TZif"
                   ? "not a TZif file (it does not start with \"TZif\")"
                   : truncated(file_size, r.pos() + 44);
    return std::nullopt;
  }
  if (r.rest().substr(0, 4) != "TZif") {
    *problem = "not a TZif file (no \"TZif\" header at byte " + std::to_string(r.pos()) + ")";
    return std::nullopt;
  }
  Header h;
  r.skip(4);
  h.version = static_cast<char>(r.unsigned_be(1));
  r.skip(15);
  for (std::uint32_t* count :
       {&h.isutcnt, &h.isstdcnt, &h.leapcnt, &h.timecnt, &h.typecnt, &h.charcnt}) {
    *count = static_cast<std::uint32_t>(r.unsigned_be(4));
  }
  if (h.version != 0 && (h.version < '2' || h.version > '4')) {
    *problem = "unsupported TZif version '" + std::string(1, h.version) + "'";
    return std::nullopt;
  }
  return h;
}

// Reads one data block (times 4 or 8 bytes wide) into `rules`.
bool read_block(ByteReader& r, const Header& h, std::size_t time_size, Rules& rules,
                std::string* problem) {
  if (h.typecnt == 0) return fail(problem, "corrupt TZif file (no local time types)");
  if (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) {
    return fail(problem, "corrupt TZif file (isstdcnt differs from typecnt)");
  }
  if (h.isutcnt != 0 && h.isutcnt != h.typecnt) {
    return fail(problem, "corrupt TZif file (isutcnt differs from typecnt)");
  }
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    rules.transitions.push_back(r.signed_be(time_size));
    if (i > 0 && rules.transitions[i] <= rules.transitions[i - 1]) {
      return fail(problem, "corrupt TZif file (transition times out of order)");
    }
  }
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    rules.type_of.push_back(static_cast<std::uint8_t>(r.unsigned_be(1)));
    if (rules.type_of.back() >= h.typecnt) {
      return fail(problem, "corrupt TZif file (a transition names a missing local time type)");
    }
  }
  for (std::uint32_t i = 0; i < h.typecnt; ++i) {
    rules.offsets.push_back(static_cast<std::int32_t>(r.signed_be(4)));
    if (rules.offsets.back() < -89999 || rules.offsets.back() > 93599) {  // RFC 8536 3.2
      return fail(problem, "corrupt TZif file (a UTC offset beyond -25..+26 hours)");
    }
    r.skip(2);  // the DST flag and the abbreviation index: only the offset matters here
  }
  r.skip(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt);
  return true;
}

// "\nCET-1CEST,M3.5.0,M10.5.0/3\n" after a version 2+ data block.
bool read_footer(ByteReader& r, std::size_t file_size, Rules& rules, std::string* problem) {
  const std::string_view rest = r.rest();
  const std::size_t close = rest.find('\n', 1);
  if (rest.empty() || rest[0] != '\n' || close == std::string_view::npos) {
    *problem = rest.empty() || rest[0] == '\n' ? truncated(file_size, file_size + 1)
                                               : "corrupt TZif file (no footer after the data)";
    return false;
  }
  const std::string_view tz = rest.substr(1, close - 1);
  if (tz.empty()) return true;
  rules.footer = PosixParser(tz).parse();
  if (!rules.footer) *problem = "unsupported footer TZ string \"" + std::string(tz) + "\"";
  return rules.footer.has_value();
}

bool parse_tzif(std::string_view bytes, Rules& rules, std::string* problem) {
  ByteReader r(bytes);
  auto header = read_header(r, bytes.size(), problem);
  if (!header) return false;
  if (header->version != 0) {  // skip the 32-bit block and use the 64-bit one
    if (r.left() < header->data_size(4)) {
      return fail(problem, truncated(bytes.size(), r.pos() + header->data_size(4)));
    }
    r.skip(header->data_size(4));
    header = read_header(r, bytes.size(), problem);
    if (!header) return false;
  }
  const std::size_t time_size = header->version == 0 ? 4 : 8;
  if (r.left() < header->data_size(time_size)) {
    return fail(problem, truncated(bytes.size(), r.pos() + header->data_size(time_size)));
  }
  if (!read_block(r, *header, time_size, rules, problem)) return false;
  return header->version == 0 || read_footer(r, bytes.size(), rules, problem);
}

bool is_utc_name(const std::string& name) {
  return name == "UTC" || name == "Etc/UTC" || name == "Z";
}

// The file's bytes, or nullopt with `problem` saying why not.
std::optional<std::string> read_file(const std::filesystem::path& path, std::string* problem) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    *problem = "not found (no such file; zones are IANA names like Europe/Prague)";
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    *problem = "is a directory, not a zone (zones are IANA names like Europe/Prague)";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in) {
    *problem = std::string("cannot read: ") + std::strerror(errno);
    return std::nullopt;
  }
  return std::move(bytes).str();
}

}  // namespace

Result<TimeZone> TimeZone::load(const std::string& name) {
  if (is_utc_name(name)) {
    auto rules = std::make_shared<Rules>(*utc().rules_);
    rules->name = name;
    return TimeZone(std::move(rules));
  }
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
    return Status::error("time zone '" + name +
                         "': not a zone name (expected an IANA name like Europe/Prague, or UTC)");
  }
  const char* tzdir = std::getenv("TZDIR");
  const std::filesystem::path path =
      std::filesystem::path(tzdir && *tzdir ? tzdir : "/usr/share/zoneinfo") / name;
  std::string problem;
  auto bytes = read_file(path, &problem);
  auto rules = std::make_shared<Rules>();
  rules->name = name;
  if (!bytes || !parse_tzif(*bytes, *rules, &problem)) {
    return Status::error("time zone '" + name + "': " + path.string() + ": " + problem);
  }
  return TimeZone(std::move(rules));
}

TimeZone TimeZone::utc() {
  static const auto kRules = [] {
    auto rules = std::make_shared<Rules>();
    rules->name = "UTC";
    rules->offsets.push_back(0);
    return rules;
  }();
  return TimeZone(kRules);
}

const std::string& TimeZone::name() const { return rules_->name; }

std::int32_t TimeZone::offset_at(std::int64_t utc_seconds) const {
  return rules_->offset_at(utc_seconds);
}

// Howard Hinnant's days_from_civil: shift the year to start in March so the
// leap day is last, then count 400-year eras of 146097 days.
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t year_of_era = y - era * 400;  // 0..399
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // 0..146096
  return era * 146097 + day_of_era - 719468;
}

LocalTime to_local(std::int64_t utc_seconds, std::int32_t offset_seconds) {
  const std::int64_t local = utc_seconds + offset_seconds;
  const std::int64_t days = floor_div(local, kSecondsPerDay);
  const std::int64_t second_of_day = local - days * kSecondsPerDay;
  // The inverse of days_from_civil (Hinnant's civil_from_days).
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;  // March = 0
  LocalTime t;
  t.day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(year_of_era + era * 400 + (t.month <= 2 ? 1 : 0));
  t.hour = static_cast<int>(second_of_day / 3600);
  t.minute = static_cast<int>(second_of_day / 60 % 60);
  t.second = static_cast<int>(second_of_day % 60);
  t.weekday = static_cast<int>(floor_mod(days + 4, 7));  // 1970-01-01 was a Thursday
  return t;
}

}  // namespace weir::triggers
