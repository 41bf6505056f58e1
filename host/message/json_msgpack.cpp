#include "message/json_msgpack.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

namespace weir::message {
namespace {

using Json = nlohmann::json;

// A SAX handler that writes msgpack as the parser reads. A map or an array
// gets a 32-bit header with a placeholder count (the count is not known
// before its end); at its end the header shrinks to the smallest form that
// holds the count, moving the contents back (a webhook's maps are small, so
// this moves a few hundred bytes), so the bytes are what nlohmann's
// to_msgpack gives, except that keys keep the order of the text.
class Writer {
 public:
  std::vector<std::uint8_t> out;
  std::string error;

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
  bool binary(Json::binary_t&) { return false; }  // JSON text has none
  bool start_object(std::size_t) { return open(0xdf), true; }
  bool key(std::string& k) {
    ++open_.back().count;
    return str(k), true;
  }
  bool end_object() { return close(), true; }
  bool start_array(std::size_t) { return open(0xdd), true; }
  bool end_array() { return close(), true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error = e.what();
    return false;
  }

 private:
  struct Open {
    std::size_t header = 0;  // where the count goes
    std::uint32_t count = 0;
    bool array = false;
  };

  // Every value in an array counts toward it (an object counts its keys).
  void value() {
    if (!open_.empty() && open_.back().array) ++open_.back().count;
  }
  void open(std::uint8_t marker) {
    value();
    byte(marker);
    open_.push_back(Open{out.size(), 0, marker == 0xdd});
    be(std::uint32_t{0});
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
    if (header_size < 5) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(marker + header_size),
                out.begin() + static_cast<std::ptrdiff_t>(marker + 5));
    }
  }
  void unsigned_int(std::uint64_t v) {
    if (v < 128) return byte(static_cast<std::uint8_t>(v));
    if (v <= UINT8_MAX) return byte(0xcc), be(static_cast<std::uint8_t>(v));
    if (v <= UINT16_MAX) return byte(0xcd), be(static_cast<std::uint16_t>(v));
    if (v <= UINT32_MAX) return byte(0xce), be(static_cast<std::uint32_t>(v));
    byte(0xcf), be(v);
  }
  void str(const std::string& s) {
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
};

}  // namespace

Result<std::vector<std::uint8_t>> json_text_to_msgpack(std::string_view text) {
  Writer w;
  w.out.reserve(text.size());
  const bool ok = Json::sax_parse(text.begin(), text.end(), &w);
  if (!ok) return Status::error(w.error.empty() ? "not JSON" : w.error);
  return std::move(w.out);
}

}  // namespace weir::message
