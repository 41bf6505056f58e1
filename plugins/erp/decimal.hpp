// Exact decimal amounts for money: a value in millionths held in a 128-bit
// integer, parsed from text or a JSON number (by its text), multiplied and
// rounded half away from zero. Enough for prices, quantities and tax rates;
// never a binary float.
#pragma once

#include <optional>
#include <string>
#include <weir/payload.hpp>

namespace weir::erp {

class Decimal {
 public:
  static constexpr int kScale = 6;  // millionths

  // "19.90", "-3", "0.125", 21 (a JSON number's text); nullopt if not a
  // number or more than 6 decimals that are not zeros.
  static std::optional<Decimal> parse(const std::string& text);
  static std::optional<Decimal> of(const Json& value);
  static Decimal whole(long long n);

  Decimal operator+(Decimal o) const { return Decimal(v_ + o.v_); }
  Decimal operator-(Decimal o) const { return Decimal(v_ - o.v_); }
  Decimal times(Decimal o) const;        // rounded to millionths
  Decimal divided_by(Decimal o) const;   // rounded to millionths; o != 0
  Decimal rounded(int decimals) const;   // half away from zero
  std::string text(int decimals) const;  // "19.90"
  bool is_zero() const { return v_ == 0; }

 private:
  explicit Decimal(__int128 v) : v_(v) {}
  __int128 v_ = 0;
};

}  // namespace weir::erp
