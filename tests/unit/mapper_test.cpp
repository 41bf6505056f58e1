// core.mapper mapping documents, through the real core.so and the C ABI:
// paths, arrays item by item, constants, defaults, type conversions, exact
// decimals, value maps, templates, drop_if_empty, and a failing message in a
// batch failing alone. (Its config checks: mapper_config_test.cpp.)
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "unit/mapper_fixture.hpp"

using weir::Json;
using weir::test::Answer;
using weir::test::MapperNode;

namespace {

// An ERP product as a test would receive it.
Json erp_product() {
  return Json::parse(R"({
    "code": "SKU-1001", "brand": "Acme", "name": "Trail Shoe", "price": "19.9",
    "stock": {"qty": 12}, "state": "A",
    "texts": {"short": "Light", "long": ""},
    "groups": [{"title": "Shoes", "id": 4}, {"title": "Outdoor", "id": 9}],
    "pictures": [{"url": "https://erp/1.jpg"}, {"alt": "no url"}, {"url": "https://erp/2.jpg"}]
  })");
}

// The suggested WooCommerce mapping, as a topology's config reads it.
const char* kProductMapping = R"({"fields": {
  "sku": {"from": "code", "required": true},
  "name": {"template": "{brand} {name}"},
  "regular_price": {"from": "price", "type": "decimal", "decimals": 2},
  "stock_quantity": {"from": "stock.qty", "type": "integer", "default": 0},
  "status": {"from": "state", "map": {"A": "publish", "D": "draft"}, "default": "draft"},
  "manage_stock": {"const": true},
  "short_description": {"from": "texts.short", "drop_if_empty": true},
  "description": {"from": "texts.long", "drop_if_empty": true},
  "categories": {"from": "groups", "each": {"fields": {"name": {"from": "title"}}}},
  "images": {"from": "pictures[*].url"}
}})";

// A node converting input "v" to output "out" with `spec` (JSON text).
MapperNode converter(const std::string& spec) {
  return MapperNode(R"({"fields": {"out": )" + spec + "}}");
}

// What each input became: the output "out" as JSON text, or the error.
std::vector<std::string> convert_all(MapperNode& node, const std::vector<Json>& values) {
  std::vector<Json> inputs;
  for (const Json& v : values) inputs.push_back(Json{{"v", v}});
  std::vector<std::string> out;
  for (const Answer& a : node.run(inputs)) {
    if (a.outcome == WEIR_OUTCOME_SUCCESS && a.outputs.size() == 1) {
      out.push_back(a.outputs[0].contains("out") ? a.outputs[0]["out"].dump() : "(absent)");
    } else {
      out.push_back(a.error);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("core.mapper maps an ERP product to a WooCommerce product") {
  MapperNode node(kProductMapping);
  CHECK(node.map(erp_product()) == Json::parse(R"({
    "sku": "SKU-1001", "name": "Acme Trail Shoe", "regular_price": "19.90",
    "stock_quantity": 12, "status": "publish", "manage_stock": true,
    "short_description": "Light",
    "categories": [{"name": "Shoes"}, {"name": "Outdoor"}],
    "images": ["https://erp/1.jpg", "https://erp/2.jpg"]
  })"));
}

TEST_CASE(
    "core.mapper in a batch fails only the message missing a required field, naming its path") {
  MapperNode node(kProductMapping);
  Json bad = erp_product();
  bad.erase("code");
  Json second = erp_product();
  second["code"] = "SKU-2";
  auto answers = node.run({erp_product(), bad, second});
  REQUIRE(answers.size() == 3);
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[1].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].error == "core.mapper: field 'sku': required, but 'code' is missing");
  CHECK(answers[1].outputs.empty());
  CHECK(answers[2].outcome == WEIR_OUTCOME_SUCCESS);
  REQUIRE(answers[0].outputs.size() == 1);
  REQUIRE(answers[2].outputs.size() == 1);
  CHECK(answers[0].outputs[0]["sku"] == "SKU-1001");
  CHECK(answers[2].outputs[0]["sku"] == "SKU-2");
  // null is missing too
  Json null_code = erp_product();
  null_code["code"] = nullptr;
  CHECK(node.failure(null_code) == "core.mapper: field 'sku': required, but 'code' is missing");
}

TEST_CASE("core.mapper reads nested keys, indices, [*], quoted keys and the root") {
  MapperNode node(R"({"fields": {
    "qty": {"from": "stock.qty"},
    "first": {"from": "lines[0].sku"},
    "last": {"from": "lines[-1].sku"},
    "urls": {"from": "pictures[*].url"},
    "none_with_url": {"from": "lines[*].url"},
    "odd": {"from": "[\"odd.key\"]['x y']"},
    "deep": {"from": "orders[*].lines[*].sku"},
    "missing": {"from": "stock.none"},
    "past_end": {"from": "lines[5].sku"},
    "through_text": {"from": "code.x"},
    "no_array": {"from": "nothing[*].url"},
    "whole": {"from": "stock"}
  }})");
  Json out = node.map(Json::parse(R"({
    "code": "A1", "stock": {"qty": 5, "where": null},
    "lines": [{"sku": "x"}, {"sku": "y"}, {"sku": "z"}],
    "pictures": [{"url": "a"}, {"alt": "none"}, {"url": null}, {"url": "c"}],
    "odd.key": {"x y": 1},
    "orders": [{"lines": [{"sku": 1}, {"sku": 2}]}, {"lines": []}, {"lines": [{"sku": 3}]}]
  })"));
  CHECK(out == Json::parse(R"({
    "qty": 5, "first": "x", "last": "z", "urls": ["a", "c"], "none_with_url": [],
    "odd": 1, "deep": [1, 2, 3], "missing": null, "past_end": null,
    "through_text": null, "no_array": null, "whole": {"qty": 5, "where": null}
  })"));
}

TEST_CASE("core.mapper maps arrays item by item, with paths from the item and from the root") {
  MapperNode node(R"({"fields": {
    "line_items": {"from": "lines", "each": {"fields": {
      "sku": {"from": "code", "required": true},
      "quantity": {"from": "qty", "type": "integer"},
      "currency": {"from": "$.currency"},
      "meta": {"from": "extra", "each": {"fields": {"key": {"from": "k"}, "value": {"from": "v"}}}}
    }}},
    "tags": {"from": "tags", "each": {"type": "string", "drop_if_empty": true}},
    "dimensions": {"fields": {"length": {"from": "dim.l", "type": "decimal", "decimals": 1},
                              "width": {"from": "dim.w", "type": "decimal", "decimals": 1}}},
    "stock": {"from": "warehouse", "fields": {"qty": {"from": "on_hand"}}}
  }})");
  Json order = Json::parse(R"({
    "currency": "EUR", "dim": {"l": 10, "w": "2.25"}, "warehouse": {"on_hand": 3},
    "tags": [7, "", "sale", null, 1.5],
    "lines": [{"code": "A", "qty": "2", "extra": [{"k": "color", "v": "red"}]},
              {"code": "B", "qty": 1.0, "extra": []}]
  })");
  CHECK(node.map(order) == Json::parse(R"({
    "line_items": [
      {"sku": "A", "quantity": 2, "currency": "EUR", "meta": [{"key": "color", "value": "red"}]},
      {"sku": "B", "quantity": 1, "currency": "EUR", "meta": []}],
    "tags": ["7", "sale", "1.5"],
    "dimensions": {"length": "10.0", "width": "2.3"},
    "stock": {"qty": 3}
  })"));

  // An item's error names the output and input item.
  order["lines"][1].erase("code");
  CHECK(node.failure(order) ==
        "core.mapper: field 'line_items[1].sku': required, but 'lines[1].code' is missing");
  order["lines"][1]["code"] = "B";
  order["lines"][1]["qty"] = "1.5";
  CHECK(node.failure(order) ==
        "core.mapper: field 'line_items[1].quantity': \"1.5\" at 'lines[1].qty' is not a whole "
        "number");
  // each needs an array; fields with from needs an object.
  order["lines"] = "A,B";
  CHECK(node.failure(order) ==
        "core.mapper: field 'line_items': \"A,B\" at 'lines' is text, not an array (each maps an "
        "array's items)");
  order["lines"] = Json::array();
  order["warehouse"] = Json::array({1});
  CHECK(node.failure(order) ==
        "core.mapper: field 'stock': [1] at 'warehouse' is an array, not an object");
  // Missing arrays and objects are missing like any value: null.
  order.erase("warehouse");
  order.erase("lines");
  Json out = node.map(order);
  CHECK(out["line_items"].is_null());
  CHECK(out["stock"].is_null());
}

TEST_CASE("core.mapper's @ is the item itself inside each (a list of URLs to objects)") {
  MapperNode node(R"({"fields": {
    "images": {"from": "pictures", "each": {"fields": {"src": {"from": "@"}, "position": {"const": 0}}}},
    "copy": {"from": "@", "fields": {"sku": {"from": "code"}}}
  }})");
  CHECK(node.map(Json::parse(R"({"code": "A", "pictures": ["https://x/1.jpg", "https://x/2.jpg"]})")) ==
        Json::parse(R"({"images": [{"src": "https://x/1.jpg", "position": 0},
                                   {"src": "https://x/2.jpg", "position": 0}],
                        "copy": {"sku": "A"}})"));
}

TEST_CASE("core.mapper keeps an empty default of a decimal empty (a cleared sale price)") {
  MapperNode node(R"({"fields": {
    "sale_price": {"from": "sale", "type": "decimal", "decimals": 2, "default": ""}}})");
  CHECK(node.map(Json::parse(R"({"sale": null})")) == Json::parse(R"({"sale_price": ""})"));
  CHECK(node.map(Json::parse(R"({"sale": 9.5})")) == Json::parse(R"({"sale_price": "9.50"})"));
}

TEST_CASE("core.mapper fills constants, and defaults for missing or null values") {
  MapperNode node(R"({"fields": {
    "type": {"const": "simple"},
    "tax": {"const": null},
    "price": {"const": 5, "type": "decimal"},
    "qty": {"from": "qty", "type": "integer", "default": 0},
    "price_or_zero": {"from": "price", "type": "decimal", "default": 0},
    "note": {"from": "note", "default": {"text": "none"}}
  }})");
  CHECK(node.map(Json::object()) == Json::parse(R"({
    "type": "simple", "tax": null, "price": "5.00", "qty": 0, "price_or_zero": "0.00",
    "note": {"text": "none"}})"));
  CHECK(node.map(Json{{"qty", nullptr}, {"price", "7.5"}, {"note", "x"}}) == Json::parse(R"({
    "type": "simple", "tax": null, "price": "5.00", "qty": 0, "price_or_zero": "7.50",
    "note": "x"})"));
}

TEST_CASE("core.mapper decimals are rounded on the decimal digits, half-up or half-even") {
  MapperNode up = converter(R"({"from": "v", "type": "decimal", "decimals": 2})");
  MapperNode even =
      converter(R"({"from": "v", "type": "decimal", "decimals": 2, "rounding": "half_even"})");
  struct Case {
    Json in;
    std::string half_up, half_even;
  };
  const std::vector<Case> cases = {
      {"0.125", R"("0.13")", R"("0.12")"},  // a tie: away from zero, or to the even digit
      {0.125, R"("0.13")", R"("0.12")"},
      {"0.135", R"("0.14")", R"("0.14")"},
      {"0.1", R"("0.10")", R"("0.10")"},
      {0.1, R"("0.10")", R"("0.10")"},
      {1.005, R"("1.01")", R"("1.00")"},  // as a binary double 1.00499999999999989...
      {2.675, R"("2.68")", R"("2.68")"},  // 2.67499999999999982236431605997495353221893310546875
      {19.9, R"("19.90")", R"("19.90")"},
      {"19.9", R"("19.90")", R"("19.90")"},
      {"9.995", R"("10.00")", R"("10.00")"},
      {"-0.125", R"("-0.13")", R"("-0.12")"},
      {"-0.001", R"("0.00")", R"("0.00")"},  // no "-0.00"
      {"0.005", R"("0.01")", R"("0.00")"},
      {"0.0050000001", R"("0.01")", R"("0.01")"},
      {"0.0049999", R"("0.00")", R"("0.00")"},
      {7, R"("7.00")", R"("7.00")"},
      {-3, R"("-3.00")", R"("-3.00")"},
      {1e21, R"("1000000000000000000000.00")", R"("1000000000000000000000.00")"},
      {"1.99e1", R"("19.90")", R"("19.90")"},
      {" +3.14159 ", R"("3.14")", R"("3.14")"},
      {".5", R"("0.50")", R"("0.50")"},
      {"5.", R"("5.00")", R"("5.00")"},
      {"000123.4500", R"("123.45")", R"("123.45")"},
      {std::numeric_limits<std::uint64_t>::max(), R"("18446744073709551615.00")",
       R"("18446744073709551615.00")"},
      {std::numeric_limits<std::int64_t>::min(), R"("-9223372036854775808.00")",
       R"("-9223372036854775808.00")"},
      {"123456789012345678901234567890.125", R"("123456789012345678901234567890.13")",
       R"("123456789012345678901234567890.12")"},
  };
  std::vector<Json> inputs;
  for (const Case& c : cases) inputs.push_back(c.in);
  const std::vector<std::string> got_up = convert_all(up, inputs);
  const std::vector<std::string> got_even = convert_all(even, inputs);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("input " << cases[i].in.dump());
    CHECK(got_up[i] == cases[i].half_up);
    CHECK(got_even[i] == cases[i].half_even);
  }
}

TEST_CASE("core.mapper decimals take 0 to 18 places and refuse what is not a number") {
  MapperNode whole = converter(R"({"from": "v", "type": "decimal", "decimals": 0})");
  CHECK(convert_all(whole, {"2.5", 2.4, "-2.5", "1e3"}) ==
        std::vector<std::string>{R"("3")", R"("2")", R"("-3")", R"("1000")"});
  MapperNode fine = converter(R"({"from": "v", "type": "decimal", "decimals": 18})");
  CHECK(convert_all(fine, {"0.1", 1e-7}) ==
        std::vector<std::string>{R"("0.100000000000000000")", R"("0.000000100000000000")"});

  MapperNode two = converter(R"({"from": "v", "type": "decimal"})");  // 2 by default
  const std::string field = "core.mapper: field 'out': ";
  CHECK(convert_all(two, {"abc", "1,5", "", "0x10", "inf", "1e400", true, Json::object(),
                          "12.5"}) == std::vector<std::string>{
                                          field + "\"abc\" at 'v' is not a decimal number",
                                          field + "\"1,5\" at 'v' is not a decimal number",
                                          field + "\"\" at 'v' is not a decimal number",
                                          field + "\"0x10\" at 'v' is not a decimal number",
                                          field + "\"inf\" at 'v' is not a decimal number",
                                          field + "\"1e400\" at 'v' is out of range",
                                          field + "true at 'v' is a boolean, not a number",
                                          field + "{} at 'v' is an object, not a number",
                                          R"("12.50")",
                                      });
}

TEST_CASE("core.mapper converts to string without '5.0' and keeps 64-bit integers exact") {
  MapperNode node = converter(R"({"from": "v", "type": "string"})");
  CHECK(convert_all(
            node,
            {5, 5.0, -0.0, 19.9, 1e21, 1.5e-7, std::numeric_limits<std::int64_t>::max(),
             std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(),
             true, "as is", Json::parse(R"({"a": 1})")}) ==
        std::vector<std::string>{
            R"("5")", R"("5")", R"("0")", R"("19.9")", R"("1000000000000000000000")",
            R"("0.00000015")", R"("9223372036854775807")", R"("-9223372036854775808")",
            R"("18446744073709551615")", R"("true")", R"("as is")",
            R"(core.mapper: field 'out': {"a":1} at 'v' is an object, not text)"});
}

TEST_CASE("core.mapper converts to number and integer exactly or says why not") {
  MapperNode number = converter(R"({"from": "v", "type": "number"})");
  CHECK(convert_all(number, {"19.90", "42", " -7 ", "18446744073709551615", "1e21", 7.5, 3, "1e400",
                             "abc", false}) ==
        std::vector<std::string>{
            "19.9", "42", "-7", "18446744073709551615", "1e+21", "7.5", "3",
            "core.mapper: field 'out': \"1e400\" at 'v' is out of range",
            "core.mapper: field 'out': \"abc\" at 'v' is not a decimal number",
            "core.mapper: field 'out': false at 'v' is a boolean, not a number"});
  // "42" became an integer, "19.90" a double.
  auto answers = number.run({Json{{"v", "42"}}, Json{{"v", "19.90"}}});
  CHECK(answers[0].outputs.at(0)["out"].is_number_integer());
  CHECK(answers[1].outputs.at(0)["out"].is_number_float());

  MapperNode integer = converter(R"({"from": "v", "type": "integer"})");
  const std::string field = "core.mapper: field 'out': ";
  CHECK(convert_all(integer,
                    {5, 5.0, "5.000", " 12 ", "-9223372036854775808", "18446744073709551615", "5.5",
                     5.5, 1e21, "-9223372036854775809", "18446744073709551616", true}) ==
        std::vector<std::string>{
            "5", "5", "5", "12", "-9223372036854775808", "18446744073709551615",
            field + "\"5.5\" at 'v' is not a whole number",
            field + "5.5 at 'v' is not a whole number",
            field + "1e+21 at 'v' is out of range for a 64-bit integer",
            field + "\"-9223372036854775809\" at 'v' is out of range for a 64-bit integer",
            field + "\"18446744073709551616\" at 'v' is out of range for a 64-bit integer",
            field + "true at 'v' is a boolean, not a number"});
}

TEST_CASE("core.mapper converts to boolean from true/false, yes/no and 1/0 only") {
  MapperNode node = converter(R"({"from": "v", "type": "boolean"})");
  const std::string no = "at 'v' is not a boolean (true, false, yes, no, 1, 0)";
  CHECK(convert_all(node, {true, "yes", "No", " TRUE ", "0", 1, 0, "maybe", 2}) ==
        std::vector<std::string>{"true", "true", "false", "true", "false", "true", "false",
                                 "core.mapper: field 'out': \"maybe\" " + no,
                                 "core.mapper: field 'out': 2 " + no});
}

TEST_CASE("core.mapper maps values, with a default for unmapped ones or an error naming them") {
  MapperNode strict(R"({"fields": {
    "status": {"from": "state", "map": {"A": "publish", "D": "draft", "1": "private"}},
    "visible": {"from": "state", "map": {"A": "yes", "D": "no", "1": "no"}, "type": "boolean"}
  }})");
  CHECK(strict.map(Json{{"state", "A"}}) == Json{{"status", "publish"}, {"visible", true}});
  CHECK(strict.map(Json{{"state", 1}}) == Json{{"status", "private"}, {"visible", false}});
  CHECK(strict.map(Json::object()) == Json{{"status", nullptr}, {"visible", nullptr}});
  CHECK(strict.failure(Json{{"state", "X"}}) ==
        "core.mapper: field 'status': \"X\" at 'state' is not in map (known: \"1\", \"A\", \"D\")");
  // An array's items are mapped one by one.
  CHECK(strict.map(Json{{"state", Json::array({"A", "D"})}}) ==
        Json::parse(R"({"status": ["publish", "draft"], "visible": [true, false]})"));

  MapperNode lenient(
      R"({"fields": {"status": {"from": "state", "map": {"A": "publish"}, "default": "draft"}}})");
  CHECK(lenient.map(Json{{"state", "X"}}) == Json{{"status", "draft"}});
  CHECK(lenient.map(Json::object()) == Json{{"status", "draft"}});
  MapperNode items(R"({"fields": {"codes": {"from": "rows[*].s", "map": {"A": 1, "D": 0}}}})");
  CHECK(items.map(Json::parse(R"({"rows": [{"s": "A"}, {"s": "D"}]})")) ==
        Json::parse(R"({"codes": [1, 0]})"));
  CHECK(items.failure(Json::parse(R"({"rows": [{"s": "A"}, {"s": "Q"}]})")) ==
        "core.mapper: field 'codes': \"Q\" at 'rows[1].s' is not in map (known: \"A\", \"D\")");
  CHECK(items.failure(Json::parse(R"({"rows": [{"s": {"x": 1}}]})")) ==
        "core.mapper: field 'codes': {\"x\":1} at 'rows[0].s' is an object, not text (map looks "
        "up text)");
}

TEST_CASE("core.mapper templates fill placeholders, or are missing when one is") {
  MapperNode node(R"({"fields": {
    "name": {"template": "{brand} {name}", "default": "unnamed"},
    "label": {"template": "{{{code}}} x{stock.qty} {lines[-1].sku} {flag}", "drop_if_empty": true}
  }})");
  CHECK(node.map(Json::parse(
            R"({"brand": "Acme", "name": "Shoe", "code": 7, "stock": {"qty": 2.5},
                "lines": [{"sku": "a"}, {"sku": "b"}], "flag": false})")) ==
        Json::parse(R"({"name": "Acme Shoe", "label": "{7} x2.5 b false"})"));
  CHECK(node.map(Json{{"name", "Shoe"}}) == Json{{"name", "unnamed"}});
  MapperNode required(R"({"fields": {"name": {"template": "{brand} {name}", "required": true}}})");
  CHECK(required.failure(Json{{"name", "Shoe"}, {"brand", nullptr}}) ==
        "core.mapper: field 'name': required, but 'brand' is missing");
  CHECK(required.failure(Json{{"name", "Shoe"}, {"brand", Json::array({1})}}) ==
        "core.mapper: field 'name': placeholder {brand}: the value at 'brand' is an array, not "
        "text");
}

TEST_CASE("core.mapper drop_if_empty leaves out missing, null, empty text, arrays and objects") {
  MapperNode node(R"({"fields": {
    "a": {"from": "a", "drop_if_empty": true}, "b": {"from": "b", "drop_if_empty": true},
    "c": {"from": "c", "drop_if_empty": true}, "d": {"from": "d", "drop_if_empty": true},
    "e": {"from": "e", "drop_if_empty": true}, "zero": {"from": "zero", "drop_if_empty": true},
    "no": {"from": "no", "drop_if_empty": true}, "space": {"from": "space", "drop_if_empty": true},
    "kept": {"from": "missing"}
  }})");
  CHECK(node.map(Json::parse(
            R"({"b": null, "c": "", "d": [], "e": {}, "zero": 0, "no": false, "space": " "})")) ==
        Json::parse(R"({"zero": 0, "no": false, "space": " ", "kept": null})"));
}

TEST_CASE("core.mapper keeps a text that is not UTF-8 and quotes it safely in an error") {
  MapperNode node = converter(R"({"from": "v", "type": "decimal"})");
  auto answers = node.run({Json{{"v", std::string("1\xff")}}});
  REQUIRE(answers[0].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[0].error ==
        "core.mapper: field 'out': \"1\xEF\xBF\xBD\" at 'v' is not a decimal number");
  MapperNode copy(R"({"fields": {"out": {"from": "v"}}})");
  CHECK(copy.map(Json{{"v", std::string("caf\xe9")}})["out"] == std::string("caf\xe9"));
}
