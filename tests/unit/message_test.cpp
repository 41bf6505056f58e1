// The envelope codec and the msgpack checker that guards the plugin boundary.
#include <catch2/catch.hpp>

#include <weir/payload.hpp>

#include "message/envelope.hpp"
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
