#include "mapper_decimal.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace weir::core {
namespace {

// Digits a decimal may have after its point: the smallest double's shortest
// text (5e-324) fits; beyond that a value is refused, not printed at length.
constexpr std::int64_t kMaxFractionDigits = 400;
// An exponent this large is out of range anyway; stops its digits overflowing.
constexpr std::int64_t kExponentCap = 1'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Takes the digits at the front of `s`.
std::string_view take_digits(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  std::string_view out = s.substr(0, n);
  s.remove_prefix(n);
  return out;
}

// Reads "e-12" / "E+3" / "e5" at the front of `s`; false if malformed.
bool take_exponent(std::string_view& s, std::int64_t& exponent) {
  if (s.empty() || (s.front() != 'e' && s.front() != 'E')) return true;
  s.remove_prefix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::string_view digits = take_digits(s);
  if (digits.empty()) return false;
  for (char c : digits) exponent = std::min(kExponentCap, exponent * 10 + (c - '0'));
  if (negative) exponent = -exponent;
  return true;
}

// Drops leading zeros (the value is unchanged) and trailing zeros (moved
// into the exponent).
void normalize(Decimal& d) {
  std::size_t lead = d.digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    d = Decimal{};
    return;
  }
  d.digits.erase(0, lead);
  std::size_t last = d.digits.find_last_not_of('0');
  d.exponent += static_cast<std::int64_t>(d.digits.size() - last - 1);
  d.digits.erase(last + 1);
}

// Adds one to a string of digits ("" counts as 0).
void increment(std::string& digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return;
    }
    *it = '0';
  }
  digits.insert(digits.begin(), '1');
}

// Whether dropping `dropped` (the digits after the kept ones) rounds the kept
// digits up.
bool rounds_up(const std::string& kept, std::string_view dropped, Rounding rounding) {
  if (dropped.empty()) return false;
  char first = dropped.front();
  if (first != '5') return first > '5';
  if (rounding == Rounding::half_up) return true;
  // `dropped` ends in a non-zero digit (normalize), so more than one digit
  // means the tie is broken upwards.
  if (dropped.size() > 1) return true;
  int last_kept = kept.empty() ? 0 : kept.back() - '0';
  return last_kept % 2 == 1;
}

}  // namespace

std::int64_t Decimal::integer_digits() const {
  if (digits.empty()) return 0;
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(digits.size()) + exponent);
}

std::optional<Decimal> parse_decimal(std::string_view text, std::string* error) {
  std::string_view s = trim(text);
  Decimal d;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    d.negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::string_view whole = take_digits(s);
  std::string_view fraction;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    fraction = take_digits(s);
  }
  std::int64_t exponent = 0;
  if ((whole.empty() && fraction.empty()) || !take_exponent(s, exponent) || !s.empty()) {
    *error = "is not a decimal number";
    return std::nullopt;
  }
  d.digits.reserve(whole.size() + fraction.size());
  d.digits.append(whole).append(fraction);
  d.exponent = exponent - static_cast<std::int64_t>(fraction.size());
  normalize(d);
  if (d.integer_digits() > kMaxIntegerDigits || -d.exponent > kMaxFractionDigits) {
    *error = "is out of range";
    return std::nullopt;
  }
  return d;
}

std::string shortest_text(double d) {
  std::array<char, 64> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  return ec == std::errc() ? std::string(buf.data(), end) : std::string("0");
}

std::string format_fixed(const Decimal& d, int decimals, Rounding rounding) {
  // The result is round(value * 10^decimals) as digits, the point put back.
  const std::int64_t shift = d.exponent + decimals;
  const auto size = static_cast<std::int64_t>(d.digits.size());
  std::string kept;
  if (shift >= 0) {
    kept = d.digits + std::string(static_cast<std::size_t>(shift), '0');
  } else if (-shift <= size) {
    const auto keep = static_cast<std::size_t>(size + shift);
    kept = d.digits.substr(0, keep);
    if (rounds_up(kept, std::string_view(d.digits).substr(keep), rounding)) {
      increment(kept);
    }
  }  // else: the value is below one unit of the last decimal, by a leading zero
  if (kept.empty()) kept = "0";
  const bool zero = kept.find_first_not_of('0') == std::string::npos;
  if (kept.size() <= static_cast<std::size_t>(decimals)) {
    kept.insert(0, static_cast<std::size_t>(decimals) + 1 - kept.size(), '0');
  }
  std::string out = d.negative && !zero ? "-" : "";
  const std::size_t point = kept.size() - static_cast<std::size_t>(decimals);
  out.append(kept, 0, point);
  if (decimals > 0) out.append(".").append(kept, point);
  return out;
}

std::string format_plain(const Decimal& d) {
  if (d.is_zero()) return "0";
  std::string out = d.negative ? "-" : "";
  if (d.exponent >= 0) {
    return out + d.digits + std::string(static_cast<std::size_t>(d.exponent), '0');
  }
  const std::int64_t point = static_cast<std::int64_t>(d.digits.size()) + d.exponent;
  if (point > 0) {
    const auto p = static_cast<std::size_t>(point);
    return out + d.digits.substr(0, p) + "." + d.digits.substr(p);
  }
  return out + "0." + std::string(static_cast<std::size_t>(-point), '0') + d.digits;
}

}  // namespace weir::core
