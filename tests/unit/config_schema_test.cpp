// ConfigSchema: the JSON Schema subset node types use for their config.
// Each keyword is checked for what it accepts and for the message it gives.
#include "topology/config_schema.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using weir::topology::ConfigSchema;

ConfigSchema schema(const std::string& text) {
  auto parsed = ConfigSchema::parse(text);
  INFO(parsed.status().message());
  REQUIRE(parsed.is_ok());
  return std::move(parsed).value();
}

// Every error as "path: message".
std::vector<std::string> errors(const std::string& schema_text, const std::string& config) {
  std::vector<std::string> out;
  for (const auto& e : schema(schema_text).validate(json::parse(config)))
    out.push_back(e.to_string());
  return out;
}

using Errors = std::vector<std::string>;

}  // namespace

TEST_CASE("type accepts its own kind of value and names both kinds when it does not") {
  CHECK(errors(R"({"type":"string"})", R"("x")").empty());
  CHECK(errors(R"({"type":"integer"})", "3").empty());
  CHECK(errors(R"({"type":"integer"})", "3.0").empty());  // an integral number is an integer
  CHECK(errors(R"({"type":"number"})", "3").empty());
  CHECK(errors(R"({"type":"boolean"})", "false").empty());
  CHECK(errors(R"({"type":"null"})", "null").empty());
  CHECK(errors(R"({"type":"array"})", "[]").empty());
  CHECK(errors(R"({"type":"object"})", "{}").empty());
  CHECK(errors(R"({"type":"integer"})", "3.5") == Errors{"/: expected integer, got number 3.5"});
  CHECK(errors(R"({"type":"string"})", "5") == Errors{"/: expected string, got integer 5"});
  CHECK(errors(R"({"type":"object"})", "[1]") == Errors{"/: expected object, got array"});
  CHECK(errors(R"({"type":"boolean"})", R"("true")") ==
        Errors{R"(/: expected boolean, got string "true")"});
}

TEST_CASE("type may be a list of kinds") {
  const char* s = R"({"type":["string","null"]})";
  CHECK(errors(s, R"("x")").empty());
  CHECK(errors(s, "null").empty());
  CHECK(errors(s, "1") == Errors{"/: expected string or null, got integer 1"});
}

TEST_CASE("properties check each present key at its own path") {
  const char* s = R"({"type":"object","properties":{"level":{"type":"string"},
                                                    "retries":{"type":"integer"}}})";
  CHECK(errors(s, R"({"level":"info","retries":2})").empty());
  CHECK(errors(s, "{}").empty());
  CHECK(errors(s, R"({"level":1,"retries":"2"})") ==
        Errors{"/level: expected string, got integer 1",
               R"(/retries: expected integer, got string "2")"});
}

TEST_CASE("required names each missing key") {
  const char* s = R"({"type":"object","required":["url","key"]})";
  CHECK(errors(s, R"({"url":"x","key":"y"})").empty());
  CHECK(errors(s, R"({"url":"x"})") == Errors{R"(/: missing required key "key")"});
  CHECK(errors(s, "{}").size() == 2);
}

TEST_CASE("additionalProperties false names the unknown key and the allowed ones") {
  const char* s = R"({"type":"object","additionalProperties":false,
                      "properties":{"level":{},"prefix":{}}})";
  CHECK(errors(s, R"({"level":"info"})").empty());
  CHECK(errors(s, R"({"lvl":"warn"})") ==
        Errors{R"(/: unknown key "lvl" (allowed: level, prefix))"});
  CHECK(errors(s, R"({"prefx":"x"})") ==
        Errors{R"(/: unknown key "prefx" (did you mean prefix? allowed: level, prefix))"});
  CHECK(errors(R"({"additionalProperties":false})", R"({"x":1})") ==
        Errors{R"(/: unknown key "x" (this config takes no keys))"});
}

TEST_CASE("an unknown key is located at the key, reported on its object") {
  auto found = schema(R"({"additionalProperties":false,"properties":{"a":{}}})")
                   .validate(json::parse(R"({"b":1})"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "");
  CHECK(found[0].located == "/b");
}

TEST_CASE("additionalProperties as a schema checks every other key") {
  const char* s = R"({"properties":{"name":{"type":"string"}},
                      "additionalProperties":{"type":"integer"}})";
  CHECK(errors(s, R"({"name":"n","a":1,"b":2})").empty());
  CHECK(errors(s, R"({"name":"n","a":"1"})") == Errors{R"(/a: expected integer, got string "1")"});
}

TEST_CASE("enum lists the allowed values") {
  const char* s = R"({"enum":["trace","debug","info","warn","error"]})";
  CHECK(errors(s, R"("info")").empty());
  CHECK(errors(s, R"("verbose")") ==
        Errors{R"(/: "verbose" is not one of ["trace","debug","info","warn","error"])"});
}

TEST_CASE("const allows exactly one value") {
  CHECK(errors(R"({"const":2})", "2").empty());
  CHECK(errors(R"({"const":2})", "3") == Errors{"/: must be 2, got 3"});
}

TEST_CASE("minimum and maximum are inclusive, the exclusive ones are not") {
  const char* s = R"({"minimum":1,"maximum":10})";
  CHECK(errors(s, "1").empty());
  CHECK(errors(s, "10").empty());
  CHECK(errors(s, "0") == Errors{"/: 0 is less than the minimum 1"});
  CHECK(errors(s, "10.5") == Errors{"/: 10.5 is more than the maximum 10"});
  const char* x = R"({"exclusiveMinimum":0,"exclusiveMaximum":1})";
  CHECK(errors(x, "0.5").empty());
  CHECK(errors(x, "0") == Errors{"/: 0 must be greater than 0"});
  CHECK(errors(x, "1") == Errors{"/: 1 must be less than 1"});
}

TEST_CASE("number bounds do not apply to other kinds") {
  CHECK(errors(R"({"minimum":5})", R"("abc")").empty());
}

TEST_CASE("minLength and maxLength count characters, not bytes") {
  const char* s = R"({"minLength":2,"maxLength":3})";
  CHECK(errors(s, R"("ab")").empty());
  CHECK(errors(s, R"("äöü")").empty());  // 3 characters, 6 bytes
  CHECK(errors(s, R"("a")") == Errors{R"(/: "a" is shorter than 2 characters)"});
  CHECK(errors(s, R"("abcd")") == Errors{R"(/: "abcd" is longer than 3 characters)"});
}

TEST_CASE("pattern is an ECMAScript regex found anywhere unless anchored") {
  CHECK(errors(R"({"pattern":"[0-9]+"})", R"("abc123")").empty());
  CHECK(errors(R"({"pattern":"^[0-9]+$"})", R"("abc123")") ==
        Errors{R"(/: "abc123" does not match the pattern ^[0-9]+$)"});
  CHECK(errors(R"({"pattern":"^https?://"})", R"("https://shop.example")").empty());
}

TEST_CASE("items checks every item at its index") {
  const char* s = R"({"type":"array","items":{"type":"string"}})";
  CHECK(errors(s, R"(["a","b"])").empty());
  CHECK(errors(s, R"(["a",2,"c",true])") ==
        Errors{"/1: expected string, got integer 2", "/3: expected string, got boolean true"});
}

TEST_CASE("minItems and maxItems bound the length of a list") {
  const char* s = R"({"minItems":1,"maxItems":2})";
  CHECK(errors(s, "[1]").empty());
  CHECK(errors(s, "[]") == Errors{"/: has 0 items, fewer than the minimum 1"});
  CHECK(errors(s, "[1,2,3]") == Errors{"/: has 3 items, more than the maximum 2"});
}

TEST_CASE("nested errors carry the full JSON pointer, escaped") {
  const char* s =
      R"({"properties":{"map":{"properties":{"a/b":{"properties":{"x":{"type":"integer"}}}}}}})";
  CHECK(errors(s, R"({"map":{"a/b":{"x":"1"}}})") ==
        Errors{R"(/map/a~1b/x: expected integer, got string "1")"});
}

TEST_CASE("default, description and unknown keywords do not affect validation") {
  const char* s = R"({"type":"string","default":5,"description":"d","format":"uri","x-ui":{}})";
  CHECK(errors(s, R"("anything")").empty());
}

TEST_CASE("boolean schemas allow everything or nothing") {
  CHECK(errors("true", R"({"a":[1]})").empty());
  CHECK(errors(R"({"properties":{"gone":false}})", R"({"gone":1})") ==
        Errors{"/gone: no value is allowed here"});
}

TEST_CASE("every problem is reported, not only the first") {
  const char* s = R"({"type":"object","required":["url"],"additionalProperties":false,
                      "properties":{"url":{"type":"string"},"timeout":{"minimum":1}}})";
  CHECK(errors(s, R"({"timeout":0,"extra":1})").size() == 3);
}

TEST_CASE("a schema that is not JSON is the node type's fault") {
  auto parsed = ConfigSchema::parse(R"({"type": "object",)");
  REQUIRE_FALSE(parsed.is_ok());
  CHECK_THAT(parsed.error(), Catch::Contains("config_schema is broken"));
  CHECK_THAT(parsed.error(), Catch::Contains("a bug in the plugin, not in the topology"));
  CHECK_THAT(parsed.error(), Catch::Contains("not valid JSON"));
  CHECK_THAT(parsed.error(), Catch::Contains("line 1"));
}

TEST_CASE("a schema whose keywords have values of the wrong kind is refused, naming each") {
  auto parsed = ConfigSchema::parse(
      R"({"type":"text","properties":{"n":{"minimum":"1","pattern":"(["}},"required":"n"})");
  REQUIRE_FALSE(parsed.is_ok());
  CHECK_THAT(parsed.error(), Catch::Contains(R"(#: 'type' "text" is not one of)"));
  CHECK_THAT(parsed.error(),
             Catch::Contains(R"(#/properties/n: 'minimum' must be a number, got "1")"));
  CHECK_THAT(parsed.error(),
             Catch::Contains(R"(#/properties/n: 'pattern' "([" is not a valid regex)"));
  CHECK_THAT(parsed.error(), Catch::Contains(R"(#: 'required' must be an array of key names)"));
}

TEST_CASE("a schema that is neither an object nor a boolean is refused") {
  auto parsed = ConfigSchema::parse("[1]");
  REQUIRE_FALSE(parsed.is_ok());
  CHECK_THAT(parsed.error(), Catch::Contains("a schema must be an object or a boolean"));
}
