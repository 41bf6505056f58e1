// The envelope codec and the msgpack checker that guards the plugin boundary.
#include <catch2/catch.hpp>

#include <random>

#include <weir/payload.hpp>

#include "message/envelope.hpp"
#include "message/json_msgpack.hpp"
#include "message/msgpack_check.hpp"

using namespace weir;
using message::is_one_msgpack_document;

namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> b) {
  std::vector<std::uint8_t> out;
  for (int x : b) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

}  // namespace

TEST_CASE("an envelope round-trips every field without copying strings or payloads") {
  Bytes headers = payload::encode_headers({{"source", "woocommerce"}});
  Bytes body = payload::from_json(Json{{"sku", "A-1"}, {"qty", 3}});
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  message::pack_envelope(pk, {42, 7, 41, "order-1001", "orders", "to-erp", 3, 1700000000000,
                              headers, body});
  auto handle = message::unpack_by_reference(buf.data(), buf.size());
  auto e = message::read_envelope(handle.get());
  REQUIRE(e.is_ok());
  CHECK(e->message_id == 42);
  CHECK(e->process_id == 7);
  CHECK(e->parent_id == 41);
  CHECK(e->correlation_id == "order-1001");
  CHECK(e->topology == "orders");
  CHECK(e->node == "to-erp");
  CHECK(e->attempt == 3);
  CHECK(e->not_before_ms == 1700000000000);
  CHECK(payload::decode_headers(e->headers).at("source") == "woocommerce");
  CHECK(payload::to_json(e->payload)["qty"] == 3);
  // Views point into the packed buffer: nothing was copied.
  CHECK(reinterpret_cast<const char*>(e->payload.data()) >= buf.data());
  CHECK(reinterpret_cast<const char*>(e->payload.data()) < buf.data() + buf.size());
}

TEST_CASE("an envelope without id or payload, or with a wrong type, is refused") {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(1);
  pk.pack(std::string("top"));
  pk.pack(std::string("orders"));
  auto h = message::unpack_by_reference(buf.data(), buf.size());
  auto e = message::read_envelope(h.get());
  REQUIRE_FALSE(e.is_ok());
  CHECK_THAT(e.error(), Catch::Contains("lacks its id or payload"));

  msgpack::sbuffer bad;
  msgpack::packer<msgpack::sbuffer> pk2(bad);
  pk2.pack_map(2);
  pk2.pack(std::string("id"));
  pk2.pack(std::string("not a number"));
  pk2.pack(std::string("pl"));
  pk2.pack(std::string("x"));
  auto h2 = message::unpack_by_reference(bad.data(), bad.size());
  CHECK_FALSE(message::read_envelope(h2.get()).is_ok());
}

TEST_CASE("the msgpack checker accepts every well-formed document") {
  for (const Json& doc : {Json(nullptr), Json(true), Json(-1), Json(1 << 20), Json(1.5),
                          Json("text"), Json(std::string(70000, 'x')), Json::array({1, "a", {}}),
                          Json{{"deep", {{"deeper", {1, 2, {{"k", nullptr}}}}}}}}) {
    INFO(doc.dump().substr(0, 80));
    CHECK(is_one_msgpack_document(payload::from_json(doc)));
  }
  CHECK(is_one_msgpack_document(payload::from_json(Json::binary({1, 2, 3}))));
  CHECK(is_one_msgpack_document(bytes({0xd4, 0x01, 0x02})));  // fixext1
}

TEST_CASE("the msgpack checker refuses garbage and says where it went wrong") {
  std::string why;
  CHECK_FALSE(is_one_msgpack_document({}, &why));
  CHECK_THAT(why, Catch::Contains("empty"));
  CHECK_FALSE(is_one_msgpack_document(bytes({0xc1}), &why));
  CHECK(why == "invalid type byte at byte 0");
  CHECK_FALSE(is_one_msgpack_document(bytes({0x92, 0x01}), &why));  // array of 2, one item
  CHECK_THAT(why, Catch::Contains("truncated"));
  CHECK_FALSE(is_one_msgpack_document(bytes({0xa5, 'a', 'b'}), &why));  // str of 5, 2 bytes
  CHECK_THAT(why, Catch::Contains("truncated body"));
  CHECK_FALSE(is_one_msgpack_document(bytes({0x01, 0x02}), &why));  // two documents
  CHECK(why == "trailing bytes after the document at byte 1");
  // A huge declared array with no data behind it is caught without allocating.
  CHECK_FALSE(is_one_msgpack_document(bytes({0xdd, 0xff, 0xff, 0xff, 0xff}), &why));
  CHECK_THAT(why, Catch::Contains("container longer than data"));
}

TEST_CASE("the msgpack checker refuses nesting deeper than 256 levels, at the byte it starts") {
  auto nested = [](std::size_t n, std::initializer_list<int> open, int leaf) {
    std::vector<std::uint8_t> b;
    for (std::size_t i = 0; i < n; ++i) {
      for (int x : open) b.push_back(static_cast<std::uint8_t>(x));
    }
    b.push_back(static_cast<std::uint8_t>(leaf));
    return b;
  };
  std::string why;
  CHECK(is_one_msgpack_document(nested(256, {0x91}, 0xc0), &why));
  CHECK_FALSE(is_one_msgpack_document(nested(257, {0x91}, 0xc0), &why));
  CHECK(why == "nested deeper than 256 levels at byte 256");
  // An empty container at level 257 is too deep as well.
  CHECK_FALSE(is_one_msgpack_document(nested(256, {0x91}, 0x90), &why));
  CHECK(why == "nested deeper than 256 levels at byte 256");
  // Maps ({"k": {"k": ...}}) and 32-bit array headers count the same.
  CHECK_FALSE(is_one_msgpack_document(nested(300, {0x81, 0xa1, 'k'}, 0x01), &why));
  CHECK(why == "nested deeper than 256 levels at byte 768");
  CHECK_FALSE(is_one_msgpack_document(nested(300, {0xdd, 0, 0, 0, 1}, 0x01), &why));
  CHECK(why == "nested deeper than 256 levels at byte 1280");
  // Siblings do not add up: 1,000 arrays of depth 200 side by side are fine.
  std::vector<std::uint8_t> wide = {0xdc, 0x03, 0xe8};
  for (int i = 0; i < 1000; ++i) {
    auto one = nested(200, {0x91}, 0x07);
    wide.insert(wide.end(), one.begin(), one.end());
  }
  CHECK(is_one_msgpack_document(wide, &why));
  // The 400,000 levels a webhook once brought in (the host then crashed).
  CHECK_FALSE(is_one_msgpack_document(nested(400000, {0x91}, 0xc0), &why));
  CHECK(why == "nested deeper than 256 levels at byte 256");
}

// ---- JSON text to msgpack (webhook bodies) ----------------------------------

TEST_CASE("json_text_to_msgpack refuses JSON nested deeper than 256 levels, saying where") {
  using weir::message::json_text_to_msgpack;
  const std::string ok = std::string(256, '[') + std::string(256, ']');
  auto within = json_text_to_msgpack(ok);
  REQUIRE(within.is_ok());
  CHECK(is_one_msgpack_document(*within));
  // 800 KB of brackets: the body that killed the host with SIGSEGV.
  const std::string deep = std::string(400000, '[') + std::string(400000, ']');
  auto r = json_text_to_msgpack(deep);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error() == "JSON nested deeper than 256 levels at line 1, column 257");
  // Objects, on later lines, with brackets inside strings that do not count.
  std::string objects = "{\"s\": \"[[[{{{\",\n";
  for (int i = 0; i < 300; ++i) objects += "\"k\": {";
  r = json_text_to_msgpack(objects);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error() == "JSON nested deeper than 256 levels at line 2, column " +
                         std::to_string(256 * 6));  // the 256th "\"k\": {" of 6 characters
  // An error before the limit is reported as what it is.
  r = json_text_to_msgpack(std::string(100, '[') + "x");
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.error(), Catch::Contains("syntax error"));
}


TEST_CASE("json_text_to_msgpack gives what nlohmann gives for sorted keys, and the same value always") {
  using weir::message::json_text_to_msgpack;
  using J = nlohmann::json;
  // Every msgpack form a JSON value can take: fix/8/16/32/64-bit ints both
  // signs, float32 and float64, str fix/8/16, maps and arrays fix/16/32.
  J big_map = J::object(), big_array = J::array(), mid_array = J::array();
  for (int i = 0; i < 70000; ++i) big_array.push_back(i % 3 == 0 ? J(i) : J(nullptr));
  for (int i = 0; i < 40; ++i) big_map["k" + std::to_string(1000 + i)] = i;
  for (int i = 0; i < 20; ++i) mid_array.push_back(-i * 1000);
  const std::vector<J> docs = {
      J(nullptr), J(true), J(false), J(0), J(127), J(128), J(255), J(256), J(65535), J(65536),
      J(4294967295u), J(4294967296u), J(18446744073709551615u), J(-1), J(-32), J(-33), J(-128),
      J(-129), J(-32768), J(-32769), J(-2147483648LL), J(-2147483649LL), J(INT64_MIN), J(0.5),
      J(0.1), J(1e300), J(std::string(31, 'a')), J(std::string(32, 'b')), J(std::string(300, 'c')),
      J(std::string(70000, 'd')), J::object(), J::array(), big_map, big_array, mid_array,
      J{{"order", {{"id", 4321}, {"lines", {{{"sku", "A-1"}, {"qty", 2}, {"price", 19.99}}}},
                   {"note", "ünïcödé \"quoted\" \\ /"}, {"paid", true}, {"coupon", nullptr}}}}};
  for (const auto& doc : docs) {
    const std::string text = doc.dump();
    auto bytes = json_text_to_msgpack(text);
    INFO(text.substr(0, 200));
    REQUIRE(bytes.is_ok());
    CHECK(*bytes == J::to_msgpack(doc));  // dump() writes keys sorted, as the DOM holds them
    CHECK(weir::message::is_one_msgpack_document(*bytes));
  }
}

TEST_CASE("json_text_to_msgpack keeps the text's key order and refuses what is not JSON") {
  using weir::message::json_text_to_msgpack;
  using J = nlohmann::json;
  const std::string text = R"({"z": 1, "a": {"y": [1, 2, {"b": null}], "c": "x"}, "m": -5})";
  auto bytes = json_text_to_msgpack(text);
  REQUIRE(bytes.is_ok());
  CHECK(J::from_msgpack(*bytes) == J::parse(text));
  CHECK(bytes->at(1) == 0xa1);  // the first key is "z", as written
  CHECK(bytes->at(2) == 'z');
  for (const std::string bad : {"", "{", "{\"a\": }", "[1, 2,]", "{\"a\": 1} trailing", "nul"}) {
    auto r = json_text_to_msgpack(bad);
    INFO(bad);
    REQUIRE_FALSE(r.is_ok());
    std::string expected;
    try {
      const J parsed = J::parse(bad);
      FAIL("parsed: " << parsed.dump());
    } catch (const J::parse_error& e) {
      expected = e.what();
    }
    CHECK(r.error() == expected);  // the parser's own words: line, column, what it expected
  }
}

// The fast parser must give nlohmann's bytes for every text it accepts, and
// accept every well-formed text short of its limits. Random documents in
// three spellings (compact, indented, ASCII-escaped with surrogate pairs),
// then the same texts broken in random places.
namespace {

using J = nlohmann::json;

std::string random_string(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", "\u00e9",
      "\u20ac", "\U0001F600", "\u00fc", "order", "SKU-", std::string(1, '\0')};
  std::string out;
  const int n = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < n; ++i) {
    out += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
  }
  return out;
}

J random_number(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
    case 0: return J(std::uniform_int_distribution<std::int64_t>(-40, 300)(rng));
    case 1: return J(std::uniform_int_distribution<std::int64_t>(INT64_MIN, INT64_MAX)(rng));
    case 2: return J(std::uniform_int_distribution<std::uint64_t>(0, UINT64_MAX)(rng));
    case 3: return J(std::uniform_int_distribution<int>(-100000, 100000)(rng) / 100.0);
    case 4: return J(std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng),
                                std::uniform_int_distribution<int>(-1070, 1020)(rng)));
    case 5: return J(0.5);
    case 6: return J(-0.0);
    default: return J(std::uniform_int_distribution<std::int64_t>(-70000, 70000)(rng));
  }
}

J random_value(std::mt19937& rng, int depth) {
  const int kind = std::uniform_int_distribution<int>(0, depth > 4 ? 4 : 6)(rng);
  switch (kind) {
    case 0: return J(nullptr);
    case 1: return J(std::uniform_int_distribution<int>(0, 1)(rng) == 1);
    case 2: case 3: return random_number(rng);
    case 4: return J(random_string(rng));
    case 5: {
      J a = J::array();
      const int n = std::uniform_int_distribution<int>(0, 20)(rng);
      for (int i = 0; i < n; ++i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      J o = J::object();
      const int n = std::uniform_int_distribution<int>(0, 20)(rng);
      for (int i = 0; i < n; ++i) o[random_string(rng)] = random_value(rng, depth + 1);
      return o;
    }
  }
}

std::string mutated(std::string text, std::mt19937& rng) {
  static const std::string bytes = std::string("\"\\{}[],:0123456789-.eEu +xtfn") +
                                   "\x01\x80\xbf\xc0\xc3\xe2\xed\xf0\xf4\xff";
  const int edits = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size())(rng);
    const char b = bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)];
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0: if (at < text.size()) text.erase(at, 1); break;
      case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), b); break;
      default: if (at < text.size()) text[at] = b; break;
    }
  }
  return text;
}

// Whatever the fast path accepts, nlohmann accepts, with the same bytes.
void check_same(const std::string& text, bool fast_must_accept, int& accepted) {
  const auto fast = weir::message::json_text_to_msgpack_fast(text);
  auto slow = weir::message::json_text_to_msgpack_nlohmann(text);
  INFO(text.substr(0, 300));
  if (fast_must_accept) REQUIRE(fast.has_value());
  if (!fast) return;
  ++accepted;
  REQUIRE(slow.is_ok());
  REQUIRE(*fast == *slow);
}

}  // namespace

TEST_CASE("the fast JSON parser gives nlohmann's bytes, and gives up on all it does not accept") {
  std::mt19937 rng(20261127);
  int valid = 0, broken_accepted = 0, broken = 0;
  for (int doc = 0; doc < 1500; ++doc) {
    const J value = random_value(rng, 0);
    for (const std::string& text :
         {value.dump(), value.dump(2), value.dump(-1, ' ', true)}) {
      check_same(text, true, valid);
      for (int m = 0; m < 4; ++m) {
        ++broken;
        check_same(mutated(text, rng), false, broken_accepted);
      }
    }
  }
  CHECK(valid == 4500);
  // Some broken texts are still JSON ("12" from "1,2"...); most are not.
  CHECK(broken_accepted > 0);
  CHECK(broken_accepted < broken);

  int n = 0;
  // Spellings a JSON encoder such as PHP's json_encode writes.
  for (const std::string text :
       {R"({"url":"https:\/\/shop.example\/p\/1","name":"Caf\u00E9 \ud83d\ude00"})",
        R"([-0, -0.0, 0e0, 1E+2, 1e-2, -9223372036854775808, 18446744073709551615])",
        R"(  {"a" : [ ] , "b" : { } }  )", "\t\r\n\"x\"\n", "1.5", "-12", "true"}) {
    check_same(text, true, n);
  }
  // Given up (nlohmann decides): what does not fit 64 bits, a byte order
  // mark, nesting past the limit; and what is not JSON.
  for (const std::string& text :
       {std::string("18446744073709551616"), std::string("-9223372036854775809"),
        std::string("1e400"), std::string("\xef\xbb\xbf{}"), std::string(300, '[') + std::string(300, ']'),
        std::string(R"("\ud83d")"), std::string(R"("\ude00")"), std::string("\"\xed\xa0\x80\""),
        std::string("\"\xc0\xaf\""), std::string("01"), std::string("1."), std::string(".5"),
        std::string("[1,]"), std::string("\"a\x01\""), std::string("nulll"), std::string("")}) {
    INFO(text);
    CHECK_FALSE(weir::message::json_text_to_msgpack_fast(text).has_value());
    auto slow = weir::message::json_text_to_msgpack_nlohmann(text);
    auto both = weir::message::json_text_to_msgpack(text);
    CHECK(both.is_ok() == slow.is_ok());
    if (slow.is_ok()) CHECK(*both == *slow);
    else CHECK(both.error() == slow.error());
  }
  // Deep, but within the limit: still the fast path.
  check_same(std::string(200, '[') + std::string(200, ']'), true, n);
}
