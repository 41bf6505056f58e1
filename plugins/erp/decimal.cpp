#include "decimal.hpp"

namespace weir::erp {
namespace {

constexpr __int128 kOne = 1000000;  // 10^kScale

__int128 pow10(int n) {
  __int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// a / b rounded half away from zero.
__int128 divide_rounded(__int128 a, __int128 b) {
  const bool negative = (a < 0) != (b < 0);
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  __int128 q = a / b;
  if ((a % b) * 2 >= b) ++q;
  return negative ? -q : q;
}

}  // namespace

std::optional<Decimal> Decimal::parse(const std::string& text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  __int128 whole = 0, fraction = 0;
  int digits = 0, decimals = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
    whole = whole * 10 + (text[i] - '0');
    if (digits > 24) return std::nullopt;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (decimals < kScale) {
        fraction = fraction * 10 + (text[i] - '0');
        ++decimals;
      } else if (text[i] != '0') {
        return std::nullopt;  // finer than millionths: refuse rather than round silently
      }
      ++digits;
    }
  }
  if (digits == 0 || i != text.size()) return std::nullopt;
  __int128 v = whole * kOne + fraction * pow10(kScale - decimals);
  return Decimal(negative ? -v : v);
}

std::optional<Decimal> Decimal::of(const Json& value) {
  if (value.is_string()) return parse(value.get<std::string>());
  if (value.is_number()) return parse(value.dump());  // the number's shortest round-trip text
  return std::nullopt;
}

Decimal Decimal::whole(long long n) { return Decimal(static_cast<__int128>(n) * kOne); }

Decimal Decimal::times(Decimal o) const { return Decimal(divide_rounded(v_ * o.v_, kOne)); }

Decimal Decimal::divided_by(Decimal o) const { return Decimal(divide_rounded(v_ * kOne, o.v_)); }

Decimal Decimal::rounded(int decimals) const {
  const __int128 step = pow10(kScale - decimals);
  return Decimal(divide_rounded(v_, step) * step);
}

std::string Decimal::text(int decimals) const {
  const __int128 r = rounded(decimals).v_;
  const bool negative = r < 0;
  __int128 a = negative ? -r : r;
  __int128 whole = a / kOne;
  __int128 fraction = (a % kOne) / pow10(kScale - decimals);
  std::string w;
  do {
    w.insert(w.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  } while (whole > 0);
  std::string out = (negative ? "-" : "") + w;
  if (decimals > 0) {
    std::string f(static_cast<std::size_t>(decimals), '0');
    for (int i = decimals - 1; i >= 0; --i) {
      f[static_cast<std::size_t>(i)] = static_cast<char>('0' + static_cast<int>(fraction % 10));
      fraction /= 10;
    }
    out += "." + f;
  }
  return out;
}

}  // namespace weir::erp
