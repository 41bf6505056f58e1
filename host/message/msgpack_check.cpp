// A non-recursive walk over msgpack's format (github.com/msgpack/msgpack spec):
// count the items still expected at each open level, read each item's
// header, skip its body. Linear in the bytes, bounded in depth.
#include "message/msgpack_check.hpp"

namespace weir::message {
namespace {

class Walker {
 public:
  explicit Walker(std::span<const std::uint8_t> b) : b_(b) {}

  // remaining_[d]: items still expected inside the d-th open container
  // (remaining_[0]: the document itself). A fixed array: the depth bound
  // makes it small, and the walk allocates nothing.
  bool run(std::string* error) {
    std::size_t depth = 0;
    std::uint64_t pending = 1;  // items still expected at every level
    remaining_[0] = 1;
    for (;;) {
      while (remaining_[depth] == 0) {
        if (depth == 0) {
          if (pos_ != b_.size()) return fail(error, "trailing bytes after the document");
          return true;
        }
        --depth;
      }
      if (pos_ >= b_.size()) return fail(error, "truncated: expected more data");
      --remaining_[depth];
      --pending;
      const std::size_t at = pos_;
      std::uint64_t children = 0;
      bool container = false;
      if (!item(&children, &container)) return fail(error, why_);
      if (!container) continue;
      if (depth == kMaxNesting) {
        pos_ = at;
        return fail(error, "nested deeper than " + std::to_string(kMaxNesting) + " levels");
      }
      if (children == 0) continue;
      pending += children;
      // Every item takes at least one byte: more pending than bytes is garbage.
      if (pending > b_.size() - pos_) return fail(error, "truncated: container longer than data");
      remaining_[++depth] = children;
    }
  }

 private:
  // Reads one item's header and skips its body; containers report children.
  bool item(std::uint64_t* children, bool* container) {
    const std::uint8_t t = b_[pos_++];
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) return true;
    if (t >= 0x80 && t <= 0x8f) return *container = true, *children = 2ull * (t & 0x0f), true;
    if (t >= 0x90 && t <= 0x9f) return *container = true, *children = t & 0x0f, true;
    if (t >= 0xa0 && t <= 0xbf) return skip(t & 0x1f);
    switch (t) {
      case 0xc4: case 0xd9: return skip_sized(1, 0);
      case 0xc5: case 0xda: return skip_sized(2, 0);
      case 0xc6: case 0xdb: return skip_sized(4, 0);
      case 0xc7: return skip_sized(1, 1);
      case 0xc8: return skip_sized(2, 1);
      case 0xc9: return skip_sized(4, 1);
      case 0xca: case 0xce: case 0xd2: return skip(4);
      case 0xcb: case 0xcf: case 0xd3: return skip(8);
      case 0xcc: case 0xd0: return skip(1);
      case 0xcd: case 0xd1: return skip(2);
      case 0xd4: return skip(2);
      case 0xd5: return skip(3);
      case 0xd6: return skip(5);
      case 0xd7: return skip(9);
      case 0xd8: return skip(17);
      case 0xdc: return *container = true, count(2, 1, children);
      case 0xdd: return *container = true, count(4, 1, children);
      case 0xde: return *container = true, count(2, 2, children);
      case 0xdf: return *container = true, count(4, 2, children);
      default: break;  // 0xc1 is never used
    }
    --pos_;
    why_ = "invalid type byte";
    return false;
  }

  bool read_be(std::size_t n, std::uint64_t* v) {
    if (b_.size() - pos_ < n) return why_ = "truncated length", false;
    *v = 0;
    for (std::size_t i = 0; i < n; ++i) *v = (*v << 8) | b_[pos_++];
    return true;
  }
  bool skip(std::uint64_t n) {
    if (b_.size() - pos_ < n) return why_ = "truncated body", false;
    pos_ += n;
    return true;
  }
  bool skip_sized(std::size_t len_bytes, std::size_t extra) {
    std::uint64_t len = 0;
    return read_be(len_bytes, &len) && skip(len + extra);
  }
  bool count(std::size_t len_bytes, std::uint64_t per, std::uint64_t* children) {
    std::uint64_t n = 0;
    if (!read_be(len_bytes, &n)) return false;
    *children = n * per;
    return true;
  }
  bool fail(std::string* error, const std::string& why) {
    if (error) *error = why + " at byte " + std::to_string(pos_);
    return false;
  }

  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
  std::string why_;
  std::uint64_t remaining_[kMaxNesting + 1];
};

}  // namespace

bool is_one_msgpack_document(std::span<const std::uint8_t> bytes, std::string* error) {
  if (bytes.empty()) {
    if (error) *error = "empty: no document at byte 0";
    return false;
  }
  return Walker(bytes).run(error);
}

}  // namespace weir::message
