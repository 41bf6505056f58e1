// yaml_to_json: the JSON a node's config becomes, with YAML 1.2 core-schema
// scalars, and the YAML line each part came from.
#include "topology/yaml_json.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {

using nlohmann::json;
using weir::topology::yaml_to_json;
using weir::topology::YamlJson;

YamlJson convert(const std::string& yaml) { return yaml_to_json(YAML::Load(yaml)); }

// The JSON value of `text` written as the value of a key.
json scalar(const std::string& text) {
  YamlJson out = convert("v: " + text);
  INFO(text);
  REQUIRE(out.errors.empty());
  return out.value["v"];
}

}  // namespace

TEST_CASE("plain scalars take their YAML 1.2 core schema type") {
  CHECK(scalar("true") == json(true));
  CHECK(scalar("False") == json(false));
  CHECK(scalar("TRUE") == json(true));
  CHECK(scalar("null") == json(nullptr));
  CHECK(scalar("~") == json(nullptr));
  CHECK(scalar("") == json(nullptr));
  CHECK(scalar("42").is_number_integer());
  CHECK(scalar("42") == json(42));
  CHECK(scalar("-7") == json(-7));
  CHECK(scalar("+7") == json(7));
  CHECK(scalar("0o17") == json(15));
  CHECK(scalar("0x1F") == json(31));
  CHECK(scalar("2.5") == json(2.5));
  CHECK(scalar("-1e3") == json(-1000.0));
  CHECK(scalar(".5") == json(0.5));
  CHECK(scalar("9223372036854775807") == json(INT64_MAX));
  CHECK(scalar("18446744073709551615") == json(UINT64_MAX));
  CHECK(scalar("-9223372036854775808") == json(INT64_MIN));
}

TEST_CASE("YAML 1.1 words and number-like text stay strings") {
  CHECK(scalar("yes") == json("yes"));
  CHECK(scalar("off") == json("off"));
  CHECK(scalar("1.2.3") == json("1.2.3"));
  CHECK(scalar("0b101") == json("0b101"));
  CHECK(scalar("12:30") == json("12:30"));
  CHECK(scalar("hello world") == json("hello world"));
}

TEST_CASE("quoted and !!str scalars are always strings") {
  CHECK(scalar("\"true\"") == json("true"));
  CHECK(scalar("'42'") == json("42"));
  CHECK(scalar("\"null\"") == json("null"));
  CHECK(scalar("''") == json(""));
  CHECK(scalar("!!str 3.5") == json("3.5"));
}

TEST_CASE("mappings and lists convert recursively") {
  YamlJson out = convert("a: {b: [1, two, {c: ~}]}\nd: []\n");
  REQUIRE(out.errors.empty());
  CHECK(out.value == json::parse(R"({"a":{"b":[1,"two",{"c":null}]},"d":[]})"));
}

TEST_CASE("every key and item records its line: a missing pointer falls back to its parent") {
  YamlJson out = convert("level: info\nlimits:\n  rate: 5\n  hosts:\n    - a\n    - b\n");
  CHECK(out.line_of("/level") == 1);
  CHECK(out.line_of("/limits") == 2);
  CHECK(out.line_of("/limits/rate") == 3);
  CHECK(out.line_of("/limits/hosts/1") == 6);
  CHECK(out.line_of("/limits/nope/deeper") == 2);
  CHECK(out.line_of("") == 1);
}

TEST_CASE("the line given for the whole value is used for it") {
  YAML::Node doc = YAML::Load("config:\n  a: 1\n");
  YamlJson out = yaml_to_json(doc["config"], 1);
  CHECK(out.line_of("") == 1);
  CHECK(out.line_of("/a") == 2);
}

TEST_CASE("values JSON cannot hold are errors at their line") {
  YamlJson out = convert("ok: 1\nrate: .inf\nhuge: 99999999999999999999\nnan: .NaN\n");
  REQUIRE(out.errors.size() == 3);
  CHECK(out.errors[0].path == "/rate");
  CHECK(out.errors[0].line == 2);
  CHECK_THAT(out.errors[0].message, Catch::Contains(".inf has no JSON form"));
  CHECK(out.errors[1].line == 3);
  CHECK_THAT(out.errors[1].message, Catch::Contains("out of range"));
  CHECK(out.errors[2].line == 4);
}

TEST_CASE("a key written twice is an error naming the first, which is kept") {
  YamlJson out = convert("a: 1\nb: 2\na: 3\n");
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].line == 3);
  CHECK(out.errors[0].message == "key 'a' appears twice (first at line 1)");
  CHECK(out.value["a"] == 1);
}

TEST_CASE("a key that is not a scalar is an error") {
  YamlJson out = convert("? [a, b]\n: 1\n");
  REQUIRE(out.errors.size() == 1);
  CHECK_THAT(out.errors[0].message, Catch::Contains("mapping key must be a plain name"));
}
