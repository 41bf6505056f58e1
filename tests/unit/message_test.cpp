// The envelope codec and the msgpack checker that guards the plugin boundary.
#include <catch2/catch.hpp>

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

// ---- JSON text to msgpack (webhook bodies) ----------------------------------

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
