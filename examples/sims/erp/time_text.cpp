#include "time_text.hpp"

#include <ctime>

namespace weir::sims::erp {
namespace {

// Reads `n` digits at text[at]; false if any is not a digit.
bool digits(std::string_view text, std::size_t at, std::size_t n, int* out) {
  if (at + n > text.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYY-MM-DD?HH:MM:SS" with `sep` between date and time.
bool date_time(std::string_view text, char sep, Seconds* out) {
  int y, mo, d, h, mi, s;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != sep || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  if (!digits(text, 0, 4, &y) || !digits(text, 5, 2, &mo) || !digits(text, 8, 2, &d) ||
      !digits(text, 11, 2, &h) || !digits(text, 14, 2, &mi) || !digits(text, 17, 2, &s)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *out = static_cast<Seconds>(::timegm(&tm));
  return true;
}

}  // namespace

std::string format_time(Seconds t, TimeFormat format) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf,
                format == TimeFormat::kIso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

bool parse_time(std::string_view text, TimeFormat format, Seconds* out) {
  if (format == TimeFormat::kSql) return text.size() == 19 && date_time(text, ' ', out);
  Seconds t = 0;
  if (!date_time(text, 'T', &t)) return false;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return false;
    rest.remove_prefix(i);
  }
  if (rest == "Z") {
    *out = t;
    return true;
  }
  int h, m;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' ||
      !digits(rest, 1, 2, &h) || !digits(rest, 4, 2, &m) || h > 23 || m > 59) {
    return false;
  }
  const Seconds offset = (h * 60 + m) * 60;
  *out = rest[0] == '+' ? t - offset : t + offset;
  return true;
}

}  // namespace weir::sims::erp
