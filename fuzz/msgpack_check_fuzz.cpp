// The msgpack checker (host/message/msgpack_check.hpp) against msgpack-c,
// the library plugins and the host decode with.
//
// For any bytes: is_one_msgpack_document never crashes, and it says yes
// exactly when msgpack-c unpacks one document from them that uses every byte
// and nests at most kMaxNesting deep. A no says why, at which byte.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "fuzz_check.hpp"
#include "message/msgpack_check.hpp"

namespace {

// How many maps and arrays deep `root` nests ([] is 1, [[]] is 2), walked
// with a stack of our own so that no input can make this recurse.
std::size_t nesting_of(const msgpack::object& root) {
  std::size_t deepest = 0;
  std::vector<std::pair<const msgpack::object*, std::size_t>> todo{{&root, 0}};
  while (!todo.empty()) {
    const auto [o, above] = todo.back();
    todo.pop_back();
    if (o->type == msgpack::type::ARRAY) {
      deepest = std::max(deepest, above + 1);
      for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
        todo.emplace_back(&o->via.array.ptr[i], above + 1);
      }
    } else if (o->type == msgpack::type::MAP) {
      deepest = std::max(deepest, above + 1);
      for (std::uint32_t i = 0; i < o->via.map.size; ++i) {
        todo.emplace_back(&o->via.map.ptr[i].key, above + 1);
        todo.emplace_back(&o->via.map.ptr[i].val, above + 1);
      }
    }
  }
  return deepest;
}

// True when msgpack-c reads one document from all of `bytes`, nested at most
// kMaxNesting deep. Its own limits are set past anything the input can hold
// (no count can exceed the byte count), so only the format decides.
bool msgpack_c_takes(std::span<const std::uint8_t> bytes) {
  const std::size_t n = bytes.size();
  const msgpack::unpack_limit generous(n, n, n, n, n, n + 1);
  std::size_t used = 0;
  try {
    const msgpack::object_handle doc = msgpack::unpack(
        reinterpret_cast<const char*>(bytes.data()), n, used, nullptr, nullptr, generous);
    return used == n && nesting_of(doc.get()) <= weir::message::kMaxNesting;
  } catch (const std::exception&) {
    return false;  // msgpack-c's unpack_error family, and bad_alloc of a bogus size
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  std::string why;
  const bool ours = weir::message::is_one_msgpack_document(bytes, &why);
  WEIR_FUZZ_CHECK(ours || why.find(" at byte ") != std::string::npos,
                  "a refusal that does not say at which byte");
  WEIR_FUZZ_CHECK(ours == msgpack_c_takes(bytes),
                  "the checker and msgpack-c disagree on whether this is one document");
  return 0;
}
