// Decimal numbers as text, for core.mapper: prices like "19.90" are read,
// rounded and written on their decimal digits, never through a binary float,
// so "0.125" with 2 decimals is "0.13" (half-up) and 1.005 is "1.01".
//
// A JSON double enters as its shortest round-trip text (std::to_chars: 19.9
// is "19.9", 1e21 is "1e+21"), which is the number its writer meant; the
// arithmetic then works on that text.
//
// Rounding is on the digits of the magnitude, the sign put back after:
//   half_up    ties away from zero (0.125 -> 0.13, -0.125 -> -0.13), the
//              commercial rounding shops and ERPs print on invoices;
//   half_even  ties to the even digit (0.125 -> 0.12, 0.135 -> 0.14), the
//              banker's rounding some ledgers use.
// A result that rounds to zero has no sign ("-0.001" with 2 decimals is "0.00").
//
// Pure functions of their arguments; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::core {

enum class Rounding { half_up, half_even };

// The most digits a decimal may have before its point: enough for every
// finite double (1.8e308), and a bound on what one input can make us write.
inline constexpr std::int64_t kMaxIntegerDigits = 309;

// value = (negative ? -1 : 1) * digits * 10^exponent. `digits` has no leading
// or trailing zeros; zero is empty digits.
struct Decimal {
  bool negative = false;
  std::string digits;
  std::int64_t exponent = 0;

  bool is_zero() const { return digits.empty(); }
  bool is_whole() const { return exponent >= 0; }
  // Digits before the point (0 for a value below 1).
  std::int64_t integer_digits() const;
};

// Reads decimal text: optional spaces, an optional sign, digits with an
// optional point (".5" and "5." too), an optional exponent ("1e3", "2.5E-2"),
// optional spaces. Nothing else ("1,5", "0x10", "inf", "" are refused).
// Values past kMaxIntegerDigits are refused too (error: "is out of range").
// On failure returns nullopt and sets *error to the reason, e.g.
// "is not a decimal number".
std::optional<Decimal> parse_decimal(std::string_view text, std::string* error);

// The shortest text that reads back as `d` (std::to_chars); d must be finite.
std::string shortest_text(double d);

// `d` with exactly `decimals` digits after the point (none and no point for
// 0), rounded as `rounding` says: "19.90", "-3", "1000000000000000000000.00".
std::string format_fixed(const Decimal& d, int decimals, Rounding rounding);

// `d` in plain notation with as few digits as it needs: "19.9", "5", "-0.25",
// "1000000000000000000000" (no exponent, no trailing zeros, no "-0").
std::string format_plain(const Decimal& d);

}  // namespace weir::core
