#include "common/utf8.hpp"

namespace weir {

std::size_t utf8_sequence(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the second byte's range
  if (in(lead, 0xC2, 0xDF)) n = 2;
  else if (lead == 0xE0) n = 3, lo = 0xA0;
  else if (in(lead, 0xE1, 0xEC) || in(lead, 0xEE, 0xEF)) n = 3;
  else if (lead == 0xED) n = 3, hi = 0x9F;
  else if (lead == 0xF0) n = 4, lo = 0x90;
  else if (in(lead, 0xF1, 0xF3)) n = 4;
  else if (lead == 0xF4) n = 4, hi = 0x8F;
  else return 0;
  if (s.size() < n || !in(b(1), lo, hi)) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (!in(b(i), 0x80, 0xBF)) return 0;
  }
  return n;
}

bool is_utf8(std::string_view s, std::size_t* bad) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s.substr(i));
    if (n == 0) {
      if (bad) *bad = i;
      return false;
    }
    i += n;
  }
  return true;
}

std::string to_utf8(std::string_view s) {
  std::size_t bad = 0;
  if (is_utf8(s, &bad)) return std::string(s);
  std::string out(s.substr(0, bad));
  for (std::size_t i = bad; i < s.size();) {
    const std::size_t n = utf8_sequence(s.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace weir
