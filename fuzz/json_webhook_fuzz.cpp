// The webhook body parser (host/message/json_msgpack.hpp), differentially:
// our fast parser against nlohmann, whose value and words are the standard.
//
// For any text:
// - when the fast path gives bytes, they are the nlohmann path's, byte for byte;
// - json_text_to_msgpack succeeds exactly when nlohmann accepts the text and
//   it nests at most kMaxNesting deep (counted by a SAX pass of nlohmann's own);
// - what it gives is one msgpack document whose value is nlohmann's parse of
//   the text (maps compare as nlohmann's, so key order and repeats wash out).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "message/json_msgpack.hpp"
#include "message/msgpack_check.hpp"

namespace {

using Json = nlohmann::json;

// A SAX handler that accepts whatever nlohmann accepts and keeps the deepest
// nesting it saw (nlohmann's SAX parser keeps its own stack: no recursion).
class DepthProbe : public nlohmann::json_sax<Json> {
 public:
  std::size_t deepest = 0;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return --depth_, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool open() {
    deepest = std::max(deepest, ++depth_);
    return true;
  }
  std::size_t depth_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace m = weir::message;

  const auto fast = m::json_text_to_msgpack_fast(text);
  const auto slow = m::json_text_to_msgpack_nlohmann(text);
  if (fast) {
    WEIR_FUZZ_CHECK(slow.is_ok(), "the fast path took text that nlohmann refuses");
    WEIR_FUZZ_CHECK(*fast == slow.value(), "the fast path's bytes differ from nlohmann's");
  }

  DepthProbe probe;
  const bool accepted = Json::sax_parse(text.begin(), text.end(), &probe);
  const bool expected = accepted && probe.deepest <= m::kMaxNesting;
  const auto result = m::json_text_to_msgpack(text);
  WEIR_FUZZ_CHECK(result.is_ok() == expected,
                  "json_text_to_msgpack disagrees with nlohmann on whether the text is JSON");
  WEIR_FUZZ_CHECK(slow.is_ok() == expected, "the nlohmann path disagrees with nlohmann's accept");
  if (!result) {
    WEIR_FUZZ_CHECK(!result.error().empty(), "a refusal without words");
    return 0;
  }

  WEIR_FUZZ_CHECK(m::is_one_msgpack_document(result.value()), "the bytes are not one msgpack document");
  const Json from_bytes = Json::from_msgpack(result.value());
  const Json from_text = Json::parse(text);
  WEIR_FUZZ_CHECK(from_bytes == from_text, "the bytes hold another value than the text");
  return 0;
}
