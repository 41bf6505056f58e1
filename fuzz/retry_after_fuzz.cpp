// Retry-After as the HTTP client reads it (parse_retry_after in
// host/httpclient/client.hpp) on any header value, at fixed instants
// (1970, 2015, 2026, 2100).
//
// - It never throws; the answer is -1 (no pause) or a pause in
//   [0, kMaxRetryAfterMs].
// - Delta seconds (digits only, RFC 9110 10.2.3, leading zeros allowed) are
//   that many seconds, capped, whatever their length.
// - Anything else is read as an HTTP date: whether it is one does not
//   depend on the instant; a pause shrinks as the instant moves on, and
//   where it is not cut at 0 or at the cap, instant + pause is the same
//   date for every instant.
// - A date built from the input's first bytes, written in each of RFC 9110's
//   three forms (IMF-fixdate, RFC 850, asctime), reads back as exactly the
//   pause until it (0 when past, the cap when too far).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "httpclient/client.hpp"

namespace {

using weir::httpclient::kMaxRetryAfterMs;
using weir::httpclient::parse_retry_after;

// 1970-01-01, RFC 9110's example day (2015-10-21 07:27:50), 2026-01-01, 2100-01-01.
const std::vector<std::int64_t> kNowMs = {0, 1'445'412'470'000, 1'767'225'600'000,
                                          4'102'444'800'000};
// The last second of 9999, the last year the date forms can write.
constexpr std::int64_t kLastSecond = 253'402'300'799;

std::int64_t parse(const std::string& value, std::int64_t now_ms) {
  try {
    const std::int64_t ms = parse_retry_after(value, now_ms);
    WEIR_FUZZ_CHECK(ms == -1 || (ms >= 0 && ms <= kMaxRetryAfterMs),
                    "a pause that is neither -1 nor within [0, the cap]");
    return ms;
  } catch (...) {
    WEIR_FUZZ_CHECK(false, "parse_retry_after threw");
  }
  return -1;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Delta seconds as milliseconds, capped, counted digit by digit.
std::int64_t delta_ms(const std::string& digits) {
  std::int64_t seconds = 0;
  for (char c : digits) {
    seconds = std::min<std::int64_t>(seconds * 10 + (c - '0'), kMaxRetryAfterMs);
  }
  return std::min(seconds * 1000, kMaxRetryAfterMs);
}

std::int64_t expected_until(std::int64_t at_seconds, std::int64_t now_ms) {
  return std::clamp<std::int64_t>(at_seconds * 1000 - now_ms, 0, kMaxRetryAfterMs);
}

void check_value(const std::string& value) {
  std::vector<std::int64_t> answers;
  for (std::int64_t now : kNowMs) answers.push_back(parse(value, now));
  if (value.empty()) {
    for (std::int64_t a : answers) WEIR_FUZZ_CHECK(a == -1, "an empty value gave a pause");
    return;
  }
  if (all_digits(value)) {
    for (std::int64_t a : answers) {
      WEIR_FUZZ_CHECK(a == delta_ms(value), "delta seconds read as another pause");
    }
    return;
  }
  for (std::size_t i = 1; i < answers.size(); ++i) {
    const std::int64_t before = answers[i - 1], after = answers[i];
    WEIR_FUZZ_CHECK((before == -1) == (after == -1), "a date that is one only at some instants");
    if (before == -1) continue;
    WEIR_FUZZ_CHECK(after <= before, "a pause that grew as time went on");
    if (before > 0 && before < kMaxRetryAfterMs && after > 0 && after < kMaxRetryAfterMs) {
      WEIR_FUZZ_CHECK(kNowMs[i - 1] + before == kNowMs[i] + after,
                      "one date read as different instants");
    }
  }
}

std::string format(const std::tm& tm, const char* pattern) {
  char out[64];
  const std::size_t n = std::strftime(out, sizeof out, pattern, &tm);
  return std::string(out, n);
}

// The three forms of RFC 9110 5.6.7 (strftime in the C locale). The RFC 850
// form's two-digit year is read as 2000..2069 by curl (above 70: 19xx), which
// is what the RFC's "not more than 50 years ahead" gives only from 2015 and
// 2026, so it is checked for those years and those instants.
void check_date(std::int64_t at_seconds) {
  const std::time_t t = static_cast<std::time_t>(at_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const int year = tm.tm_year + 1900;
  const struct {
    std::string text;
    bool two_digit_year;
  } forms[] = {{format(tm, "%a, %d %b %Y %H:%M:%S GMT"), false},
               {format(tm, "%a %b %e %H:%M:%S %Y"), false},
               {format(tm, "%A, %d-%b-%y %H:%M:%S GMT"), true}};
  for (const auto& [date, two_digit_year] : forms) {
    for (std::int64_t now : kNowMs) {
      const bool century_clear = year >= 2000 && year < 2070 && now > 0 && now < kNowMs.back();
      if (two_digit_year && !century_clear) continue;
      const std::int64_t got = parse(date, now);
      const std::int64_t want = expected_until(at_seconds, now);
      if (got != want) {
        std::fprintf(stderr, "Retry-After: %s at %lld ms: got %lld, want %lld\n", date.c_str(),
                     static_cast<long long>(now), static_cast<long long>(got),
                     static_cast<long long>(want));
      }
      WEIR_FUZZ_CHECK(got == want, "an HTTP date read wrong");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string value(reinterpret_cast<const char*>(data), size);
  check_value(value);
  if (size >= 8) {
    std::uint64_t seed = 0;
    for (std::size_t i = 0; i < 8; ++i) seed = seed << 8 | data[i];
    // Any second of 1970..9999, and one within two hours of each instant.
    check_date(static_cast<std::int64_t>(seed % static_cast<std::uint64_t>(kLastSecond + 1)));
    for (std::int64_t now : kNowMs) {
      check_date(
          std::max<std::int64_t>(0, now / 1000 - 3600 + static_cast<std::int64_t>(seed % 7200)));
    }
  }
  return 0;
}
