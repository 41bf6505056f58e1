// Cron expressions: parsing into per-field bit sets, and finding the next slot.
//
// next_after walks forward in UTC but judges each candidate by its local time.
// It never steps through minutes it can rule out: a month that does not match
// is skipped to its end, a day to its midnight, an hour to the next matching
// hour. Each jump is computed in local time with the offset in force at the
// start of the jump; if the offset differs at the landing point, a binary
// search stops the jump at the change instead, so a DST switch inside the
// jump can neither carry us past a matching time nor land us in the wrong one.
#include "triggers/cron.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/duration.hpp"

namespace weir::triggers {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
// Five years, counting the leap days they can hold.
constexpr std::int64_t kHorizonSeconds = (5 * 365 + 2) * kSecondsPerDay;
// The longest @every: the same five years.
constexpr std::chrono::milliseconds kLongestInterval = std::chrono::seconds(kHorizonSeconds);
// How far back a fall-back can have repeated the local time now on the clock.
constexpr std::int64_t kRepeatWindowSeconds = 25 * 3600;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct Field {
  const char* name;
  int lo, hi;                // the values accepted
  int end;                   // where '*' and "N/S" stop (6 for day-of-week: 7 is an alias)
  const char* const* names;  // names[i] is the value lo + i; null if none
  int name_count;
  const char* noun;     // what a bad value is not
  const char* allowed;  // said in every error about this field
};

constexpr Field kFields[5] = {
    {"minute", 0, 59, 59, nullptr, 0, "number", "0..59"},
    {"hour", 0, 23, 23, nullptr, 0, "number", "0..23"},
    {"day-of-month", 1, 31, 31, nullptr, 0, "number", "1..31"},
    {"month", 1, 12, 12, kMonthNames, 12, "month name", "JAN..DEC or 1..12"},
    {"day-of-week", 0, 7, 6, kDayNames, 7, "day name", "SUN..SAT or 0..7"},
};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::optional<int> whole_number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

Result<int> parse_value(std::string_view text, const Field& f) {
  const std::string suffix = std::string(" (") + f.allowed + ")";
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    auto value = whole_number(text);
    if (!value || *value < f.lo || *value > f.hi) {
      return Status::error(quoted(text) + " is out of range" + suffix);
    }
    return *value;
  }
  for (int i = 0; i < f.name_count; ++i) {
    if (equals_ignoring_case(text, f.names[i])) return f.lo + i;
  }
  return Status::error(quoted(text) + " is not a " + f.noun + suffix);
}

// One list item ("*", "N", "A-B", "*/S", "A-B/S", "N/S") as a bit mask.
Result<std::uint64_t> parse_item(std::string_view item, const Field& f) {
  const std::string suffix = std::string(" (") + f.allowed + ")";
  if (item.empty()) return Status::error("the list has an empty item" + suffix);
  const std::size_t slash = item.find('/');
  const std::string_view base = item.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view step_text = item.substr(slash + 1);
    auto parsed = whole_number(step_text);
    if (!parsed) return Status::error("step " + quoted(step_text) + " is not a number" + suffix);
    if (*parsed < 1) {
      return Status::error("step " + quoted(step_text) + " must be at least 1" + suffix);
    }
    step = std::min(*parsed, 64);  // any larger step only reaches the first value too
  }
  int first = f.lo, last = f.end;
  if (base != "*") {
    const std::size_t dash = base.find('-');
    auto a = parse_value(base.substr(0, dash), f);
    if (!a) return a.status();
    first = last = *a;
    if (dash != std::string_view::npos) {
      auto b = parse_value(base.substr(dash + 1), f);
      if (!b) return b.status();
      last = *b;
      if (first > last) {
        return Status::error(quoted(base) + " is a reversed range: " + std::to_string(first) +
                             " comes after " + std::to_string(last) + suffix);
      }
    } else if (slash != std::string_view::npos) {
      last = std::max(first, f.end);
    }
  }
  std::uint64_t mask = 0;
  for (int v = first; v <= last; v += step) mask |= std::uint64_t{1} << v;
  return mask;
}

Result<std::uint64_t> parse_field(std::string_view text, const Field& f) {
  std::uint64_t mask = 0;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    auto item = parse_item(text.substr(begin, comma - begin), f);
    if (!item) return item;
    mask |= *item;
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  if (f.hi == 7 && (mask >> 7 & 1)) mask = (mask & ~(std::uint64_t{1} << 7)) | 1;  // 7 is Sunday
  return mask;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (true) {
    const std::size_t begin = text.find_first_not_of(" \t", pos);
    if (begin == std::string_view::npos) break;
    pos = std::min(text.find_first_of(" \t", begin), text.size());
    fields.push_back(text.substr(begin, pos - begin));
  }
  return fields;
}

// "@daily" -> "0 0 * * *"; "@every 30s" -> an interval.
struct Macro {
  std::string fields;
  std::chrono::milliseconds interval{0};
};

Result<Macro> expand_macro(const std::vector<std::string_view>& words) {
  static constexpr std::pair<const char*, const char*> kMacros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}};
  if (equals_ignoring_case(words[0], "@every")) {
    if (words.size() != 2) {
      return Status::error("@every needs one duration, e.g. '@every 30s' or '@every 5m'");
    }
    auto interval = parse_duration(words[1]);
    if (!interval) {
      return Status::error(quoted(words[1]) +
                           " is not a duration (a whole number with ms, s, m, h or d, e.g. 30s)");
    }
    if (*interval < std::chrono::seconds(1)) {
      return Status::error("@every " + std::string(words[1]) + " is too short (at least 1s)");
    }
    // As far as cron slots are looked for. Much longer ones would overflow
    // the arithmetic on the times (next_after, the scheduler's wait in ns).
    if (*interval > kLongestInterval) {
      return Status::error("@every " + std::string(words[1]) + " is too long (at most " +
                           format_duration(kLongestInterval) + ", five years)");
    }
    return Macro{"", *interval};
  }
  for (const auto& [name, fields] : kMacros) {
    if (!equals_ignoring_case(words[0], name)) continue;
    if (words.size() != 1) return Status::error(std::string(name) + " takes nothing after it");
    return Macro{fields, {}};
  }
  return Status::error("unknown macro " + quoted(words[0]) +
                       " (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
                       "@hourly, @every <duration>)");
}

// The first instant in (from, from + by] at which the offset is no longer
// `offset`, or from + by if it is `offset` there again. Stopping at the change
// keeps a jump computed in local time from overshooting across DST.
std::int64_t advance(const TimeZone& zone, std::int64_t from, std::int32_t offset,
                     std::int64_t by) {
  std::int64_t same = from, changed = from + by;
  if (zone.offset_at(changed) == offset) return changed;
  while (changed - same > 1) {
    const std::int64_t mid = same + (changed - same) / 2;
    if (zone.offset_at(mid) == offset) {
      same = mid;
    } else {
      changed = mid;
    }
  }
  return changed;
}

// True if the local time at `t` was already on the clock before `t`: after a
// fall-back the offset was larger, and the same wall time came under it.
bool repeats_earlier(const TimeZone& zone, std::int64_t t, std::int32_t offset) {
  const std::int32_t before = zone.offset_at(t - kRepeatWindowSeconds);
  if (before <= offset) return false;
  return zone.offset_at(t - (std::int64_t{before} - offset)) == before;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(const std::string& text) {
  const std::string where = "cron " + quoted(text);
  const std::vector<std::string_view> words = split_fields(text);
  if (!words.empty() && words[0].front() == '@') {
    auto macro = expand_macro(words);
    if (!macro) return macro.status().prefixed(where);
    CronSchedule schedule = macro->fields.empty() ? CronSchedule() : parse(macro->fields).value();
    schedule.text_ = text;
    schedule.interval_ = macro->interval;
    return schedule;
  }
  if (words.size() != 5) {
    return Status::error(where + ": expected 5 fields (minute hour day-of-month month " +
                         "day-of-week), found " + std::to_string(words.size()));
  }
  std::uint64_t masks[5];
  for (int i = 0; i < 5; ++i) {
    auto mask = parse_field(words[i], kFields[i]);
    if (!mask) {
      return mask.status().prefixed(where + ": " + kFields[i].name + " " + quoted(words[i]));
    }
    masks[i] = *mask;
  }
  CronSchedule schedule;
  schedule.text_ = text;
  schedule.minutes_ = std::bitset<60>(masks[0]);
  schedule.hours_ = std::bitset<24>(masks[1]);
  schedule.days_ = std::bitset<32>(masks[2]);
  schedule.months_ = std::bitset<13>(masks[3]);
  schedule.weekdays_ = std::bitset<7>(masks[4]);
  schedule.days_star_ = words[2].front() == '*';
  schedule.weekdays_star_ = words[4].front() == '*';
  return schedule;
}

bool CronSchedule::day_matches(const LocalTime& t) const {
  const bool day = days_[t.day], weekday = weekdays_[t.weekday];
  // Vixie cron: two restricted day fields widen each other.
  return !days_star_ && !weekdays_star_ ? day || weekday : day && weekday;
}

bool CronSchedule::matches(const LocalTime& t) const {
  return minutes_[t.minute] && hours_[t.hour] && months_[t.month] && day_matches(t);
}

std::int64_t CronSchedule::seconds_to_candidate(const LocalTime& t) const {
  const std::int64_t into_hour = t.minute * 60 + t.second;
  const std::int64_t into_day = t.hour * 3600 + into_hour;
  if (!months_[t.month]) {
    const std::int64_t next_month =
        t.month == 12 ? days_from_civil(t.year + 1, 1, 1) : days_from_civil(t.year, t.month + 1, 1);
    return (next_month - days_from_civil(t.year, t.month, t.day)) * kSecondsPerDay - into_day;
  }
  if (!day_matches(t)) return kSecondsPerDay - into_day;
  if (!hours_[t.hour]) {
    int h = t.hour + 1;
    while (h < 24 && !hours_[h]) ++h;
    return h == 24 ? kSecondsPerDay - into_day : (h - t.hour) * 3600 - into_hour;
  }
  if (!minutes_[t.minute]) {
    int m = t.minute + 1;
    while (m < 60 && !minutes_[m]) ++m;
    return m == 60 ? 3600 - into_hour : (m - t.minute) * 60 - t.second;
  }
  return 0;
}

std::optional<std::int64_t> CronSchedule::next_after(std::int64_t after_ms,
                                                     const TimeZone& zone) const {
  if (is_interval()) {
    if (after_ms > INT64_MAX - interval_.count()) return std::nullopt;  // past any clock
    return after_ms + interval_.count();
  }
  std::int64_t t = (floor_div(after_ms, 60000) + 1) * 60;  // the next whole minute, in seconds
  const std::int64_t horizon = t + kHorizonSeconds;
  while (t <= horizon) {
    const std::int32_t offset = zone.offset_at(t);
    const LocalTime local = to_local(t, offset);
    std::int64_t skip = seconds_to_candidate(local);
    if (skip == 0) {
      if (!repeats_earlier(zone, t, offset)) return t * 1000;
      skip = 60;  // it fired at its first occurrence; try the next minute
    }
    t = (floor_div(advance(zone, t, offset, skip) - 1, 60) + 1) * 60;  // up to a whole minute
  }
  return std::nullopt;
}

}  // namespace weir::triggers
