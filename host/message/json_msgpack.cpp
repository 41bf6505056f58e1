#include "message/json_msgpack.hpp"

#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "message/msgpack_check.hpp"

namespace weir::message {
namespace {

using Json = nlohmann::json;

// A SAX handler that writes msgpack as the parser reads. A map or an array
// gets a 32-bit header with a placeholder count (the count is not known
// before its end); at its end the count is written in the smallest form
// that holds it, and the bytes it no longer needs are left as a gap that
// finish() closes in one pass over the output (moving the contents back at
// every close instead would cost the depth times the size). So the bytes
// are what nlohmann's to_msgpack gives, except that keys keep the order of
// the text. Nesting deeper than kMaxNesting stops the parse.
class Writer {
 public:
  std::vector<std::uint8_t> out;
  std::string error;
  bool too_deep = false;

  bool null() { return value(), byte(0xc0), true; }
  bool boolean(bool v) { return value(), byte(v ? 0xc3 : 0xc2), true; }
  bool number_integer(std::int64_t v) {
    value();
    if (v >= 0) return unsigned_int(static_cast<std::uint64_t>(v)), true;
    if (v >= -32) return byte(static_cast<std::uint8_t>(v)), true;
    if (v >= INT8_MIN) return byte(0xd0), be(static_cast<std::uint8_t>(v)), true;
    if (v >= INT16_MIN) return byte(0xd1), be(static_cast<std::uint16_t>(v)), true;
    if (v >= INT32_MIN) return byte(0xd2), be(static_cast<std::uint32_t>(v)), true;
    return byte(0xd3), be(static_cast<std::uint64_t>(v)), true;
  }
  bool number_unsigned(std::uint64_t v) { return value(), unsigned_int(v), true; }
  bool number_float(double v, const std::string&) {
    value();
    const auto narrow = static_cast<float>(v);
    if (static_cast<double>(narrow) == v) {  // as nlohmann: float32 when it loses nothing
      std::uint32_t bits;
      std::memcpy(&bits, &narrow, sizeof bits);
      return byte(0xca), be(bits), true;
    }
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return byte(0xcb), be(bits), true;
  }
  bool string(std::string& s) { return value(), str(s), true; }
  void string_view(std::string_view s) { value(), str(s); }
  bool binary(Json::binary_t&) { return false; }  // JSON text has none
  bool start_object(std::size_t) { return open(0xdf); }
  bool key(std::string& k) { return key_view(k), true; }
  void key_view(std::string_view k) {
    ++open_.back().count;
    str(k);
  }
  bool end_object() { return close(), true; }
  bool start_array(std::size_t) { return open(0xdd); }
  bool end_array() { return close(), true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error = e.what();
    return false;
  }

  // Closes the gaps the short headers left; the output is then final.
  void finish() {
    if (gaps_.empty()) return;
    std::size_t write = gaps_.front().at;
    for (std::size_t i = 0; i < gaps_.size(); ++i) {
      const std::size_t read = gaps_[i].at + gaps_[i].size;
      const std::size_t next = i + 1 < gaps_.size() ? gaps_[i + 1].at : out.size();
      std::memmove(out.data() + write, out.data() + read, next - read);
      write += next - read;
    }
    out.resize(write);
    gaps_.clear();
  }

 private:
  struct Open {
    std::size_t header = 0;  // where the count goes
    std::uint32_t count = 0;
    bool array = false;
    std::size_t gap = 0;  // its entry in gaps_
  };
  struct Gap {
    std::size_t at = 0;    // the first unused header byte
    std::size_t size = 0;  // how many
  };

  // Every value in an array counts toward it (an object counts its keys).
  void value() {
    if (!open_.empty() && open_.back().array) ++open_.back().count;
  }
  bool open(std::uint8_t marker) {
    if (open_.size() == kMaxNesting) return too_deep = true, false;
    value();
    byte(marker);
    open_.push_back(Open{out.size(), 0, marker == 0xdd, gaps_.size()});
    gaps_.push_back(Gap{out.size() + 4, 0});  // in the order of the text, as finish() needs
    be(std::uint32_t{0});
    return true;
  }
  void close() {
    const Open o = open_.back();
    open_.pop_back();
    const std::size_t marker = o.header - 1;  // 0xdd (array 32) or 0xdf (map 32)
    std::size_t header_size = 5;
    if (o.count < 16) {
      out[marker] = static_cast<std::uint8_t>((o.array ? 0x90 : 0x80) | o.count);
      header_size = 1;
    } else if (o.count <= UINT16_MAX) {
      out[marker] = o.array ? 0xdc : 0xde;
      out[marker + 1] = static_cast<std::uint8_t>(o.count >> 8);
      out[marker + 2] = static_cast<std::uint8_t>(o.count);
      header_size = 3;
    } else {
      for (int i = 0; i < 4; ++i) {
        out[o.header + i] = static_cast<std::uint8_t>(o.count >> (24 - 8 * i));
      }
    }
    gaps_[o.gap] = Gap{marker + header_size, 5 - header_size};
  }
  void unsigned_int(std::uint64_t v) {
    if (v < 128) return byte(static_cast<std::uint8_t>(v));
    if (v <= UINT8_MAX) return byte(0xcc), be(static_cast<std::uint8_t>(v));
    if (v <= UINT16_MAX) return byte(0xcd), be(static_cast<std::uint16_t>(v));
    if (v <= UINT32_MAX) return byte(0xce), be(static_cast<std::uint32_t>(v));
    byte(0xcf), be(v);
  }
  void str(std::string_view s) {
    const std::size_t n = s.size();
    if (n < 32) byte(static_cast<std::uint8_t>(0xa0 | n));
    else if (n <= UINT8_MAX) byte(0xd9), be(static_cast<std::uint8_t>(n));
    else if (n <= UINT16_MAX) byte(0xda), be(static_cast<std::uint16_t>(n));
    else byte(0xdb), be(static_cast<std::uint32_t>(n));
    out.insert(out.end(), s.begin(), s.end());
  }
  void byte(std::uint8_t b) { out.push_back(b); }
  template <class T>
  void be(T v) {
    for (int i = sizeof(T) - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }

  std::vector<Open> open_;
  std::vector<Gap> gaps_;
};

// The fast path: a small parser for well-formed JSON, about five times
// quicker than nlohmann's lexer (which copies every character of a string
// into a token buffer). It gives up, rather than judge, at anything it is
// not sure of: any error, a number that does not fit 64 bits, a byte order
// mark, nesting deeper than kMaxNesting. nlohmann then parses the same text,
// so the value of odd input and the words of every error are nlohmann's.
// A differential test (message_test) holds the two to the same bytes.
class FastParser {
 public:
  FastParser(std::string_view text, Writer& w)
      : p_(text.data()), end_(text.data() + text.size()), w_(w) {}

  bool run() {
    if (!value(0)) return false;
    space();
    return p_ == end_;
  }

 private:
  void space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool value(std::size_t depth) {
    space();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return depth < kMaxNesting && object(depth + 1);
      case '[': return depth < kMaxNesting && array(depth + 1);
      case '"': {
        std::string_view s;
        if (!string(s)) return false;
        w_.string_view(s);
        return true;
      }
      case 't': return literal("true") && (w_.boolean(true), true);
      case 'f': return literal("false") && (w_.boolean(false), true);
      case 'n': return literal("null") && (w_.null(), true);
      default: return number();
    }
  }

  bool object(std::size_t depth) {
    return w_.start_object(0) && members('}', [&] {
      space();
      std::string_view key;
      if (p_ == end_ || *p_ != '"' || !string(key)) return false;
      w_.key_view(key);
      space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      return value(depth);
    }) && w_.end_object();
  }

  bool array(std::size_t depth) {
    return w_.start_array(0) && members(']', [&] { return value(depth); }) && w_.end_array();
  }

  // The members of an object or array: p_ on its opening bracket; each
  // member read by `member`, separated by commas, up to `close`.
  template <class Member>
  bool members(char close, Member member) {
    ++p_;
    space();
    if (p_ != end_ && *p_ == close) return ++p_, true;
    for (;;) {
      if (!member()) return false;
      space();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == close) return ++p_, true;
      return false;
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  // RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. An integer is
  // int64 when negative and uint64 otherwise, as nlohmann reads it; one that
  // does not fit goes to nlohmann, which reads it as a double.
  bool number() {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (digit(*p_)) {
      while (p_ != end_ && digit(*p_)) ++p_;
    } else {
      return false;
    }
    bool integer = true;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
      integer = false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
      integer = false;
    }
    if (!integer) {
      double v = 0;
      const auto r = std::from_chars(start, p_, v);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      w_.number_float(v, std::string());
      return true;
    }
    std::uint64_t magnitude = 0;
    const auto r = std::from_chars(start + (negative ? 1 : 0), p_, magnitude);
    if (r.ec != std::errc() || r.ptr != p_) return false;
    if (!negative) return w_.number_unsigned(magnitude);
    constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;  // -INT64_MIN
    if (magnitude > kMinMagnitude) return false;
    return w_.number_integer(magnitude == kMinMagnitude ? INT64_MIN
                                                        : -static_cast<std::int64_t>(magnitude));
  }

  // A string at p_ (on its opening quote). `out` points into the text when
  // the string has no escapes, else into scratch_ (valid until the next
  // string).
  bool string(std::string_view& out) {
    ++p_;
    const char* start = p_;
    for (;;) {  // the common case: no escapes, so no copy
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') break;
      if (c < 0x20) return false;
      if (c < 0x80) ++p_;
      else if (!utf8()) return false;
    }
    scratch_.assign(start, p_);
    for (;;) {
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        out = scratch_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const char* from = p_;
        if (!utf8()) return false;
        scratch_.append(from, p_);
        continue;
      }
      ++p_;
      if (c != '\\') {
        scratch_ += static_cast<char>(c);
        continue;
      }
      if (p_ == end_) return false;
      switch (*p_++) {
        case '"': scratch_ += '"'; break;
        case '\\': scratch_ += '\\'; break;
        case '/': scratch_ += '/'; break;
        case 'b': scratch_ += '\b'; break;
        case 'f': scratch_ += '\f'; break;
        case 'n': scratch_ += '\n'; break;
        case 'r': scratch_ += '\r'; break;
        case 't': scratch_ += '\t'; break;
        case 'u': if (!unicode_escape()) return false; break;
        default: return false;
      }
    }
  }

  // After "\u": four hex digits, a surrogate pair as two escapes.
  bool unicode_escape() {
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      scratch_ += static_cast<char>(cp);
    } else if (cp < 0x800) {
      scratch_ += static_cast<char>(0xC0 | (cp >> 6));
      scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      scratch_ += static_cast<char>(0xE0 | (cp >> 12));
      scratch_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      scratch_ += static_cast<char>(0xF0 | (cp >> 18));
      scratch_ += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      scratch_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  bool hex4(std::uint32_t& v) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  // One UTF-8 sequence of two to four bytes at p_ (RFC 3629: no overlong
  // forms, no surrogates, nothing past U+10FFFF); advances past it.
  bool utf8() {
    const auto b = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
    const unsigned char lead = b(0);
    const std::ptrdiff_t left = end_ - p_;
    int n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the second byte's range
    if (in(lead, 0xC2, 0xDF)) n = 2;
    else if (lead == 0xE0) n = 3, lo = 0xA0;
    else if (in(lead, 0xE1, 0xEC) || in(lead, 0xEE, 0xEF)) n = 3;
    else if (lead == 0xED) n = 3, hi = 0x9F;
    else if (lead == 0xF0) n = 4, lo = 0x90;
    else if (in(lead, 0xF1, 0xF3)) n = 4;
    else if (lead == 0xF4) n = 4, hi = 0x8F;
    else return false;
    if (left < n || !in(b(1), lo, hi)) return false;
    for (int i = 2; i < n; ++i) {
      if (!in(b(i), 0x80, 0xBF)) return false;
    }
    p_ += n;
    return true;
  }

  const char* p_;
  const char* const end_;
  Writer& w_;
  std::string scratch_;
};

// Where the text first nests deeper than kMaxNesting: nlohmann read it
// that far without an error, so counting brackets outside strings is exact.
std::string too_deep_at(std::string_view text) {
  std::size_t depth = 0, line = 1, column = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    ++column;
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '\n') ++line, column = 0;
    else if (c == '"') in_string = true;
    else if (c == ']' || c == '}') --depth;
    else if ((c == '[' || c == '{') && ++depth > kMaxNesting) break;
  }
  return "JSON nested deeper than " + std::to_string(kMaxNesting) + " levels at line " +
         std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::optional<std::vector<std::uint8_t>> json_text_to_msgpack_fast(std::string_view text) {
  Writer w;
  w.out.reserve(text.size());
  if (!FastParser(text, w).run()) return std::nullopt;
  w.finish();
  return std::move(w.out);
}

Result<std::vector<std::uint8_t>> json_text_to_msgpack(std::string_view text) {
  if (auto fast = json_text_to_msgpack_fast(text)) return std::move(*fast);
  return json_text_to_msgpack_nlohmann(text);
}

Result<std::vector<std::uint8_t>> json_text_to_msgpack_nlohmann(std::string_view text) {
  Writer w;
  w.out.reserve(text.size());
  const bool ok = Json::sax_parse(text.begin(), text.end(), &w);
  if (w.too_deep) return Status::error(too_deep_at(text));
  if (!ok) return Status::error(w.error.empty() ? "not JSON" : w.error);
  w.finish();
  return std::move(w.out);
}

}  // namespace weir::message
