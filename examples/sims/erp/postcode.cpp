#include "postcode.hpp"

#include <cctype>

namespace weir::sims::erp {
namespace {

// A pattern: '9' a digit, 'A' an upper-case letter, ' ' a space, '-' a dash.
struct Rule {
  const char* country;
  const char* adjective;
  const char* pattern;
  const char* description;
};

const Rule kRules[] = {
    {"DE", "German", "99999", "5 digits"},
    {"AT", "Austrian", "9999", "4 digits"},
    {"CH", "Swiss", "9999", "4 digits"},
    {"BE", "Belgian", "9999", "4 digits"},
    {"DK", "Danish", "9999", "4 digits"},
    {"FR", "French", "99999", "5 digits"},
    {"IT", "Italian", "99999", "5 digits"},
    {"ES", "Spanish", "99999", "5 digits"},
    {"NL", "Dutch", "9999 AA", "4 digits, a space and 2 capital letters"},
    {"PL", "Polish", "99-999", "2 digits, a dash and 3 digits"},
};

const Rule* rule_of(std::string_view country) {
  for (const auto& r : kRules) {
    if (country == r.country) return &r;
  }
  return nullptr;
}

bool fits(std::string_view pattern, std::string_view text) {
  if (pattern.size() != text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool ok = pattern[i] == '9'   ? std::isdigit(c) != 0
                    : pattern[i] == 'A' ? (c >= 'A' && c <= 'Z')
                                        : text[i] == pattern[i];
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool known_country(std::string_view country) { return rule_of(country) != nullptr; }

std::string known_countries() {
  std::string out;
  for (const auto& r : kRules) out += std::string(out.empty() ? "" : ", ") + r.country;
  return out;
}

bool check_postcode(std::string_view country, std::string_view postcode, std::string* reason) {
  const Rule* r = rule_of(country);
  if (r == nullptr) {
    *reason = "the country \"" + std::string(country) +
              "\" is not served (known: " + known_countries() + ")";
    return false;
  }
  if (fits(r->pattern, postcode)) return true;
  const bool vowel = std::string_view("AEIOU").find(r->adjective[0]) != std::string_view::npos;
  *reason = std::string(vowel ? "an " : "a ") + r->adjective + " postcode has " + r->description +
            ", not \"" + std::string(postcode) + "\"";
  return false;
}

std::string make_postcode(std::string_view country, std::uint64_t n) {
  const Rule* r = rule_of(country);
  const std::string_view pattern = r ? r->pattern : "99999";
  std::string out;
  for (char p : pattern) {
    if (p == '9') {
      // No leading zero: some systems read postcodes as numbers.
      out += static_cast<char>('0' + (out.empty() ? 1 + n % 9 : n % 10));
      n /= 10;
    } else if (p == 'A') {
      out += static_cast<char>('A' + n % 26);
      n /= 26;
    } else {
      out += p;
    }
  }
  return out;
}

}  // namespace weir::sims::erp
