// The header-only SDK: payload.hpp (JSON <-> msgpack, headers) and the C++
// node layer of weir.hpp, called through the C ABI as a host calls it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <weir/payload.hpp>
#include <weir/weir.hpp>

#include "unit/plugin_test_host.hpp"

using weir::Bytes;
using weir::Json;
using weir::PayloadError;
namespace payload = weir::payload;

namespace {

Json round_trip(const Json& value) { return payload::to_json(payload::from_json(value)); }

// The what() of the PayloadError `f` throws.
template <class F>
std::string payload_error(F&& f) {
  try {
    f();
  } catch (const PayloadError& e) {
    return e.what();
  }
  FAIL("no PayloadError thrown");
  return "";
}

}  // namespace

// ---- payload.hpp -------------------------------------------------------------

TEST_CASE("payloads survive JSON -> msgpack -> JSON, nested and typed") {
  Json doc = {
      {"sku", "A-100"},
      {"price", 19.99},
      {"tiny", 1e-300},
      {"huge", 1.5e300},
      {"negative_zero", -0.0},
      {"stock", 0},
      {"active", true},
      {"discontinued", nullptr},
      {"tags", {"new", "sale"}},
      {"variants",
       Json::array({Json{{"size", "M"}, {"qty", 3}}, Json{{"size", "L"}, {"qty", -2}}})},
      {"nested", {{"a", {{"b", {{"c", Json::array({Json::array(), Json::object()})}}}}}}},
  };
  CHECK(round_trip(doc) == doc);
  CHECK(round_trip(Json("just a string")) == Json("just a string"));
  CHECK(round_trip(Json::array()) == Json::array());
}

TEST_CASE("payloads keep unicode text exactly") {
  Json doc = {{"name", "Žluťoučký kůň 🐎"},
              {"ключ", "значение"},
              {"cjk", "中文"},
              {"nul", std::string("a\0b", 3)}};
  Json back = round_trip(doc);
  CHECK(back == doc);
  CHECK(back["nul"].get<std::string>().size() == 3);
  CHECK(payload::to_json(payload::from_json_text(R"({"e":"\u00e9\ud83d\ude00"})"))["e"] == "é😀");
}

TEST_CASE("payloads keep 64-bit integers exactly, signed and unsigned") {
  const auto max_u = std::numeric_limits<std::uint64_t>::max();
  const auto min_i = std::numeric_limits<std::int64_t>::min();
  const auto max_i = std::numeric_limits<std::int64_t>::max();
  Json doc = {{"max_u", max_u}, {"min_i", min_i}, {"max_i", max_i}, {"id", 9007199254740993LL}};
  Json back = round_trip(doc);
  CHECK(back["max_u"].get<std::uint64_t>() == max_u);
  CHECK(back["min_i"].get<std::int64_t>() == min_i);
  CHECK(back["max_i"].get<std::int64_t>() == max_i);
  CHECK(back["id"].get<std::int64_t>() == 9007199254740993LL);  // beyond double precision
}

TEST_CASE("floats keep their value through msgpack") {
  for (double d : {0.1, 1.0 / 3.0, 3.5, -2.25e-10, 6.02214076e23}) {
    CHECK(round_trip(Json(d)).get<double>() == d);
  }
}

TEST_CASE("JSON text converts to msgpack and back to one line") {
  Bytes msgpack = payload::from_json_text(R"({ "b": [1, 2.5, "x"], "a": {"c": null} })");
  CHECK(payload::to_json_text(msgpack) == R"({"a":{"c":null},"b":[1,2.5,"x"]})");
  CHECK(payload::to_json_text(msgpack, 2).find('\n') != std::string::npos);
}

TEST_CASE("malformed msgpack throws a PayloadError naming the byte") {
  const Bytes truncated = {0x92, 0x01};  // an array of 2 with one element
  std::string e = payload_error([&] { (void)payload::to_json(truncated); });
  CHECK_THAT(e, Catch::StartsWith("payload is not valid msgpack: "));
  CHECK_THAT(e, Catch::Contains("at byte 3"));

  const Bytes reserved = {0x91, 0xc1};  // 0xc1 is never used by msgpack
  CHECK_THAT(payload_error([&] { (void)payload::to_json(reserved); }),
             Catch::Contains("at byte 2"));

  const Bytes two_docs = {0x01, 0x02};
  CHECK_THAT(payload_error([&] { (void)payload::to_json(two_docs); }),
             Catch::Contains("at byte 2"));
}

TEST_CASE("malformed JSON throws a PayloadError naming line and column") {
  std::string e = payload_error([] { (void)payload::from_json_text("{\"a\": 1,\n \"b\": }"); });
  CHECK_THAT(e, Catch::StartsWith("payload is not valid JSON: "));
  CHECK_THAT(e, Catch::Contains("line 2, column 7"));
  CHECK_THAT(payload_error([] { (void)payload::from_json_text(""); }),
             Catch::Contains("line 1, column 1"));
}

// n arrays of one element each, around a nil: nested n levels deep.
Bytes nested_msgpack(std::size_t n) {
  Bytes b(n, 0x91);
  b.push_back(0xc0);
  return b;
}

TEST_CASE("decoders refuse nesting deeper than WEIR_MAX_NESTING instead of recursing") {
  CHECK_NOTHROW(payload::to_json(nested_msgpack(payload::kMaxNesting)));
  CHECK_THAT(payload_error([] { (void)payload::to_json(nested_msgpack(payload::kMaxNesting + 1)); }),
             Catch::Equals("payload is nested deeper than 256 levels"));
  // Deep enough to overflow any stack if anything recursed per level.
  CHECK_THAT(payload_error([] { (void)payload::to_json(nested_msgpack(400000)); }),
             Catch::Equals("payload is nested deeper than 256 levels"));
  CHECK_FALSE(payload::is_valid(nested_msgpack(400000)));
  CHECK_THROWS_AS(payload::decode_headers(nested_msgpack(400000)), PayloadError);

  const std::string ok = std::string(256, '[') + std::string(256, ']');
  CHECK(payload::to_json(payload::from_json_text(ok)).is_array());
  const std::string deep = std::string(400000, '[') + std::string(400000, ']');
  CHECK_THAT(payload_error([&] { (void)payload::from_json_text(deep); }),
             Catch::Equals("payload is nested deeper than 256 levels"));
  CHECK_THAT(payload_error([&] { (void)payload::parse_json_text(std::string(257, '[')); }),
             Catch::Equals("nested deeper than 256 levels"));
}

TEST_CASE("is_valid accepts exactly one well-formed msgpack document") {
  CHECK(payload::is_valid(payload::from_json(Json{{"a", 1}})));
  CHECK(payload::is_valid(Bytes{0xc0}));  // nil
  CHECK_FALSE(payload::is_valid(Bytes{}));
  CHECK_FALSE(payload::is_valid(Bytes{0xc1}));
  CHECK_FALSE(payload::is_valid(Bytes{0x92, 0x01}));
  CHECK_FALSE(payload::is_valid(Bytes{0x01, 0x02}));
}

TEST_CASE("headers encode to a msgpack map of strings and decode back") {
  weir::Headers headers = {{"content-type", "application/json"}, {"x-trace", "abc"}, {"empty", ""}};
  Bytes bytes = payload::encode_headers(headers);
  CHECK(payload::to_json(bytes).is_object());
  CHECK(payload::decode_headers(bytes) == headers);
  CHECK(payload::decode_headers({}).empty());
  CHECK(payload::decode_headers(payload::encode_headers({})).empty());
}

TEST_CASE("header values that are not strings decode as JSON text and a non-map is an error") {
  Bytes bytes = payload::from_json(Json{{"n", 5}, {"list", {1, 2}}, {"s", "x"}});
  CHECK(payload::decode_headers(bytes) == weir::Headers{{"n", "5"}, {"list", "[1,2]"}, {"s", "x"}});
  CHECK(payload_error([] { (void)payload::decode_headers(payload::from_json(Json::array())); }) ==
        "headers are not a msgpack map");
}

// ---- weir.hpp: the node layer, called through the C ABI ------------------------

namespace {

class Echo : public weir::Node {
 public:
  weir::Result process(weir::Context& ctx) override {
    Json doc = ctx.message().json();
    if (doc.contains("throw")) throw std::runtime_error(doc["throw"].get<std::string>());
    if (doc.contains("fail")) return weir::Result::failed(doc["fail"].get<std::string>());
    doc["seen_at"] = std::string(ctx.message().node_id());
    return weir::Result::success(doc);
  }
};

class Strict : public weir::Node {
 public:
  static void validate(const Json& config, std::vector<std::string>& errors) {
    if (!config.contains("url")) errors.push_back("strict: url is required");
    if (!config.contains("key")) errors.push_back("strict: key is required");
  }
  explicit Strict(const weir::NodeInit& init) {
    if (!init.config.contains("url")) throw std::invalid_argument("strict: url is required");
  }
  weir::Result process(weir::Context&) override { return weir::Result::success(); }
};

class HalfBatch : public weir::Node {
 public:
  weir::Result process(weir::Context&) override { return weir::Result::success(); }
  void process_batch(weir::Batch& batch) override {
    batch.finish(0, weir::Result::stop());
    throw std::runtime_error("upstream went away");
  }
};

}  // namespace

TEST_CASE("an SDK node's result and emitted output reach the host") {
  weir_node_type type = weir::node<Echo>("echo", WEIR_NODE_CUSTOM, "echo", nullptr, 10);
  weir::test::PluginTestHost host;
  auto echo = host.create(&type, "{}");
  REQUIRE(echo);
  auto answers = host.process(*echo, {Json{{"id", 1}}}, "n7");
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[0].outputs == std::vector<Json>{Json{{"id", 1}, {"seen_at", "n7"}}});
}

TEST_CASE("an exception escaping process() fails only that message, with its text") {
  weir_node_type type = weir::node<Echo>("echo", WEIR_NODE_CUSTOM, "echo", nullptr, 10);
  weir::test::PluginTestHost host;
  auto echo = host.create(&type, "{}");
  auto answers =
      host.process(*echo, {Json{{"throw", "kaput"}}, Json{{"fail", "nope"}}, Json{{"ok", 1}}});
  CHECK(answers[0].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[0].error == "kaput");
  CHECK(answers[1].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].error == "nope");
  CHECK(answers[2].outcome == WEIR_OUTCOME_SUCCESS);
}

TEST_CASE("an exception escaping process_batch() fails every message not yet finished") {
  weir_node_type type = weir::node<HalfBatch>("half", WEIR_NODE_CUSTOM, "half", nullptr, 10);
  weir::test::PluginTestHost host;
  auto half = host.create(&type, "{}");
  auto answers = host.process(*half, {Json(1), Json(2), Json(3)});
  CHECK(answers[0].outcome == WEIR_OUTCOME_STOP);
  for (int i : {1, 2}) {
    CHECK(answers[i].outcome == WEIR_OUTCOME_FAILED);
    CHECK(answers[i].error == "upstream went away");
  }
}

TEST_CASE("validate reports every problem, and a throwing constructor fails create") {
  weir_node_type type = weir::node<Strict>("strict", WEIR_NODE_CUSTOM, "strict");
  CHECK(weir::test::PluginTestHost::validate(&type, "{}") ==
        std::vector<std::string>{"strict: url is required", "strict: key is required"});
  CHECK(weir::test::PluginTestHost::validate(&type, R"({"url": "u", "key": "k"})").empty());
  auto bad_json = weir::test::PluginTestHost::validate(&type, "{url");
  REQUIRE(bad_json.size() == 1);
  CHECK_THAT(bad_json[0], Catch::Contains("parse error"));

  weir::test::PluginTestHost host;
  std::string error;
  CHECK_FALSE(host.create(&type, "{}", &error));
  CHECK(error == "strict: url is required");
  CHECK(type.max_batch == 1);  // weir::node's default
}

namespace {

weir::HttpResponse answer(int status, std::string body = {}, weir::Headers headers = {}) {
  weir::HttpResponse r;
  r.sent = true;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.request = "POST products/batch";
  return r;
}

}  // namespace

TEST_CASE("HttpResponse::problem: 2xx goes on, and the answers that pass become a retry") {
  for (int status : {200, 201, 204, 299}) CHECK_FALSE(answer(status).problem());
  CHECK(answer(201).outcome().outcome() == WEIR_OUTCOME_SUCCESS);
  for (int status : {408, 425, 429, 502, 503, 504, 508}) {
    INFO(status);
    auto r = answer(status).problem();
    REQUIRE(r);
    CHECK(r->outcome() == WEIR_OUTCOME_RETRY);
    CHECK(r->error() == "POST products/batch: HTTP " + std::to_string(status));
    CHECK(r->delay().count() == 0);  // no Retry-After: the node's policy decides
  }
  // Retry-After (the host parsed seconds or an HTTP date into milliseconds).
  auto busy = answer(429, R"({"code":"too_many","message":"Slow down"})");
  busy.retry_after_ms = 120000;
  auto r = busy.problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_RETRY);
  CHECK(r->delay() == std::chrono::minutes(2));
  CHECK(r->error() == "POST products/batch: HTTP 429: too_many: Slow down");
  // No answer at all: a timeout or a refused connection.
  auto silent = answer(0);
  silent.error = "timed out after 30000 ms";
  r = silent.problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_RETRY);
  CHECK(r->error() == "POST products/batch: timed out after 30000 ms");
  // Not sent because the application's budget did not come in time.
  weir::HttpResponse later;
  later.retry_later = true;
  later.error = "the application's rate budget did not come within 30 s";
  later.request = "GET orders";
  r = later.problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_RETRY);
  CHECK(r->error() == "GET orders: not sent: the application's rate budget did not come within 30 s");
}

TEST_CASE("HttpResponse::problem: a 508 HTML page is read by its title, never as JSON") {
  const std::string page =
      "<!DOCTYPE html>\n<html><head><TITLE>508 Resource Limit Is Reached</TITLE></head>"
      "<body><h1>Resource Limit Is Reached</h1>The website is temporarily unable to service "
      "your request as it exceeded resource limit.</body></html>";
  auto r = answer(508, page, {{"content-type", "text/html"}}).problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_RETRY);
  CHECK(r->error() == "POST products/batch: HTTP 508: 508 Resource Limit Is Reached");
}

TEST_CASE("HttpResponse::problem: other statuses fail with the remote system's own words") {
  // WooCommerce: {code, message, data}.
  auto r = answer(400, R"({"code":"rest_invalid_param","message":"Invalid parameter(s): regular_price",
                           "data":{"status":400}})").problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_FAILED);
  CHECK(r->error() ==
        "POST products/batch: HTTP 400: rest_invalid_param: Invalid parameter(s): regular_price");
  // Magento: placeholders filled from parameters, by position and by name.
  r = answer(404, R"({"message":"The product that was requested doesn't exist. Verify the product and try again. SKU %1","parameters":["A/1"]})").problem();
  CHECK(r->error() == "POST products/batch: HTTP 404: The product that was requested doesn't "
                      "exist. Verify the product and try again. SKU A/1");
  r = answer(400, R"({"message":"\"%fieldName\" is required. Enter and try again.","parameters":{"fieldName":"sku"}})").problem();
  CHECK(r->error() == "POST products/batch: HTTP 400: \"sku\" is required. Enter and try again.");
  // OAuth-style and error lists.
  CHECK(answer(401, R"({"error":"invalid_token","error_description":"expired"})").problem()->error() ==
        "POST products/batch: HTTP 401: invalid_token: expired");
  CHECK(answer(422, R"({"errors":[{"message":"SKU taken"}]})").problem()->error() ==
        "POST products/batch: HTTP 422: SKU taken");
  // An ERP's validation list: every problem, with its field and code.
  CHECK(answer(422, R"({"errors":[{"field":"shipping_address.postcode","code":"invalid_postcode",)"
                    R"("reason":"a German postcode has 5 digits, not \"1234\""},)"
                    R"({"field":"lines[0].sku","code":"unknown_sku","reason":"no SKU X"}]})")
            .problem()
            ->error() ==
        "POST products/batch: HTTP 422: shipping_address.postcode: invalid_postcode: a German "
        "postcode has 5 digits, not \"1234\"; lines[0].sku: unknown_sku: no SKU X");
  // 500 is not among the answers that pass: the shop failed on this item.
  CHECK(answer(500, "Fatal error: Allowed memory size exhausted\n\n in x.php").problem()->outcome() ==
        WEIR_OUTCOME_FAILED);
  // A redirect is not followed (the credentials would go with it): say where it pointed.
  auto moved = answer(301, "", {{"location", "https://shop.example/wp-json/wc/v3/products"}});
  CHECK(moved.problem()->error() ==
        "POST products/batch: HTTP 301 (redirects are not followed; Location: "
        "https://shop.example/wp-json/wc/v3/products)");
  // The remote text is cut to 300 bytes, on a UTF-8 character boundary.
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "é";  // 2 bytes each
  const std::string error = answer(400, "{\"message\":\"x" + long_text + "\"}").problem()->error();
  const std::string remote = error.substr(std::string("POST products/batch: HTTP 400: ").size());
  CHECK(remote.size() == 299 + 3);  // "x" + 149 "é", then "..."
  CHECK(remote.substr(remote.size() - 3) == "...");
  // A request the host refused to send fails (a configuration problem, not a passing one).
  weir::HttpResponse refused;
  refused.error = "https://evil.example/x is outside the application's base_url";
  refused.request = "GET https://evil.example/x";
  CHECK(refused.problem()->outcome() == WEIR_OUTCOME_FAILED);
}

TEST_CASE("HttpResponse::json names the request and shows the start of a body that is not JSON") {
  CHECK(answer(200, R"({"id": 7})").json()["id"] == 7);
  auto html = answer(200, "<html><title>Maintenance</title></html>", {{"content-type", "text/html"}});
  try {
    (void)html.json();
    FAIL("json() accepted HTML");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("POST products/batch: the answer (HTTP 200, "
                                           "content-type 'text/html') is not valid JSON"));
    CHECK_THAT(e.what(), Catch::EndsWith("; it begins: Maintenance"));
  }
}

TEST_CASE("HttpResponse::problem: an answer whose body was too large to take fails, not retried") {
  auto big = answer(200);
  big.error = "the answer's body is larger than 1048576 bytes (max_response of app shop); it was not read";
  CHECK_FALSE(big.ok());
  auto r = big.problem();
  REQUIRE(r);
  CHECK(r->outcome() == WEIR_OUTCOME_FAILED);
  CHECK(r->error() == "POST products/batch: HTTP 200: " + big.error);
}

// ---- sync windows (delta topologies) -------------------------------------------

TEST_CASE("message().sync_window() reads the host's window headers, none without them") {
  auto message_with = [](const weir::Headers& h, Bytes& keep) {
    keep = payload::encode_headers(h);
    weir_message m{};
    m.struct_size = sizeof(weir_message);
    m.headers = weir_bytes{keep.data(), keep.size()};
    return m;
  };
  Bytes b1, b2, b3;
  const weir_message full = message_with({{"weir-sync-until", "1796400000000"}}, b1);
  const auto w = weir::Message(&full).sync_window();
  REQUIRE(w);
  CHECK(w->full());
  CHECK(weir::format_utc(w->until, "%Y-%m-%d %H:%M:%S") == "2026-12-04 16:00:00");
  const weir_message delta =
      message_with({{"weir-sync-until", "1796400000000"}, {"weir-sync-since", "1796396400500"}}, b2);
  const auto d = weir::Message(&delta).sync_window();
  REQUIRE(d);
  REQUIRE_FALSE(d->full());
  CHECK(weir::format_utc(*d->since, "%Y-%m-%dT%H:%M:%SZ") == "2026-12-04T15:00:00Z");
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(d->until - *d->since).count() ==
        3599500);
  const weir_message plain = message_with({{"x-other", "1"}}, b3);
  CHECK_FALSE(weir::Message(&plain).sync_window());
}
