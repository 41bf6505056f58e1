// core.mapper's config checks: its validate_config through the real core.so
// (each error names the output field), and a topology in YAML validated by
// the host's real loader against the node type's JSON Schema and
// validate_config (each error at its file:line).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "topology/topology_loader.hpp"
#include "unit/mapper_fixture.hpp"

using weir::test::mapper_problems;
using Problems = std::vector<std::string>;

namespace {

const std::string kKnownKeys =
    "(known: from, const, template, fields, each, required, default, map, type, decimals, "
    "rounding, drop_if_empty)";

// A topology whose node "map" is a core.mapper with `config` (YAML lines,
// indented under config:).
std::string topology_with(const std::string& config) {
  return "name: products\n"
         "nodes:\n"
         "  - id: map\n"
         "    type: core.mapper\n"
         "    max_batch: 1000\n"
         "    config:\n" +
         config + "edges: []\n";
}

weir::topology::LoadResult load(const std::string& yaml) {
  static weir::test::TempDir cache;
  static weir::plugins::PluginRegistry registry{cache.file("plugin-cache")};
  static const bool loaded =
      static_cast<bool>(registry.load_file(std::string(WEIR_PLUGINS_DIR) + "/core.so"));
  REQUIRE(loaded);
  return weir::topology::load_topology_text(yaml, "products.yaml", registry);
}

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : load(yaml).errors) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("core.mapper validation names the output field and what is wrong with it") {
  struct Case {
    const char* config;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {R"({"regular_price": {"from": "price", "type": "decmal", "decimals": 2}})",
       "field 'regular_price': type 'decmal' is not one of string, number, integer, boolean, "
       "decimal"},
      {R"({"sku": {"from": "code", "requird": true}})",
       "field 'sku': unknown key 'requird' " + kKnownKeys},
      {R"({"sku": {"required": true}})",
       "field 'sku': needs one of from, const, template or fields (where its value comes from)"},
      {R"({"sku": "code"})",
       "field 'sku': expected an object such as {from: code} or {const: 1}, got \"code\""},
      {R"({"status": {"from": "state", "map": ["A", "D"]}})",
       "field 'status': map must be an object of input value to output value, got [\"A\",\"D\"]"},
      {R"({"status": {"from": "state", "map": {}}})",
       "field 'status': map is empty: it would match no value"},
      {R"({"name": {"template": "{brand} {name"}})",
       "field 'name': template \"{brand} {name\" has an unclosed '{' (write {{ for a literal one) "
       "at character 9"},
      {R"({"name": {"template": "50% off} {name}"}})",
       "field 'name': template \"50% off} {name}\" has a '}' that closes nothing (write }} for a "
       "literal one) at character 8"},
      {R"({"name": {"template": "{} {name}"}})",
       "field 'name': template \"{} {name}\" has an empty placeholder {} at character 1"},
      {R"({"name": {"template": "{tags[*]}"}})",
       "field 'name': template \"{tags[*]}\" has a placeholder {tags[*]} with [*] (one value "
       "only) at character 1"},
      {R"({"p": {"from": "p", "type": "decimal", "decimals": 30}})",
       "field 'p': decimals 30 is out of range (a whole number from 0 to 18)"},
      {R"({"p": {"from": "p", "type": "decimal", "decimals": 1.5}})",
       "field 'p': decimals 1.5 is out of range (a whole number from 0 to 18)"},
      {R"({"p": {"from": "p", "type": "decimal", "rounding": "up"}})",
       "field 'p': rounding \"up\" is not one of half_up, half_even"},
      {R"({"p": {"from": "p", "decimals": 2}})",
       "field 'p': decimals and rounding are for type decimal only"},
      {R"({"p": {"from": "p", "type": "integer", "rounding": "half_even"}})",
       "field 'p': decimals and rounding are for type decimal only"},
      {R"({"p": {"from": "p", "type": "decimal", "default": "n/a"}})",
       "field 'p': default \"n/a\" is not a decimal number"},
      {R"({"p": {"const": "free", "type": "decimal"}})",
       "field 'p': const \"free\" is not a decimal number"},
      {R"({"on": {"from": "s", "map": {"A": "maybe"}, "type": "boolean"}})",
       "field 'on': map value for 'A': \"maybe\" is not a boolean (true, false, yes, no, 1, 0)"},
      {R"({"x": {"from": "a..b"}})", "field 'x': from \"a..b\" has an empty key at character 3"},
      {R"({"x": {"from": "a[x]"}})",
       "field 'x': from \"a[x]\" has a bad index '[x]' (use [0], [-1], [*] or [\"key\"]) at "
       "character 2"},
      {R"({"x": {"from": "a[0"}})", "field 'x': from \"a[0\" has an unclosed '[' at character 2"},
      {R"({"x": {"from": 5}})", "field 'x': from must be a path such as stock.qty, got 5"},
      {R"({"x": {"const": 1, "from": "a"}})",
       "field 'x': const cannot go with from (const is the value itself)"},
      {R"({"x": {"template": "{a}", "from": "a"}})",
       "field 'x': template cannot go with from (the template makes the value)"},
      {R"({"x": {"from": "a", "required": true, "default": 1}})",
       "field 'x': required cannot go with default (with a default the value is never missing)"},
      {R"({"x": {"required": "yes", "from": "a"}})",
       "field 'x': required must be true or false, got \"yes\""},
      {R"({"x": {"each": {"from": "id"}}})",
       "field 'x': each needs from, the array to map item by item"},
      {R"({"x": {"from": "a", "each": {"from": "id"}, "type": "string"}})",
       "field 'x': each cannot go with type (those convert single values: put them on the spec "
       "inside each)"},
      {R"({"x": {"from": "a[*]", "fields": {"id": {"from": "id"}}}})",
       "field 'x': fields needs from to find one object; from \"a[*]\" finds many (use each: "
       "{fields: {...}})"},
      {R"({"x": {"fields": {}}})", "field 'x': fields is empty: name at least one output field"},
      {R"({"categories": {"from": "groups", "each": {"fields": {"name": {"form": "title"}}}}})",
       "field 'categories[*].name': unknown key 'form' " + kKnownKeys},
      {R"({"dims": {"fields": {"l": {"from": "l", "type": "float"}}}})",
       "field 'dims.l': type 'float' is not one of string, number, integer, boolean, decimal"},
  };
  for (const Case& c : cases) {
    INFO(c.config);
    CHECK(mapper_problems(std::string(R"({"fields": )") + c.config + "}") ==
          Problems{"core.mapper: " + c.problem});
  }
}

TEST_CASE("core.mapper validation reports every problem of a config at once") {
  CHECK(mapper_problems(R"({"feilds": {}})") ==
        Problems{"core.mapper: unknown config key 'feilds' (known: fields)",
                 "core.mapper: config needs 'fields', the output fields to make (e.g. sku: "
                 "{from: code})"});
  CHECK(mapper_problems(R"({"fields": {}})") ==
        Problems{"core.mapper: 'fields' is empty: name at least one output field"});
  CHECK(mapper_problems(R"([1])") ==
        Problems{"core.mapper: config must be an object with 'fields', got [1]"});
  CHECK(mapper_problems(R"({"fields": {"a": {"from": "x", "type": "decmal"},
                                       "b": {"map": 1, "from": "y"}}})") ==
        Problems{"core.mapper: field 'a': type 'decmal' is not one of string, number, integer, "
                 "boolean, decimal",
                 "core.mapper: field 'b': map must be an object of input value to output value, "
                 "got 1"});
}

TEST_CASE("core.mapper validation refuses fields nested deeper than 32 levels") {
  auto nested = [](int levels) {
    std::string config = R"({"from": "v"})";
    for (int i = 0; i < levels; ++i) config = R"({"fields": {"a": )" + config + "}}";
    return R"({"fields": {"a": )" + config + "}}";
  };
  CHECK(mapper_problems(nested(32)).empty());
  const Problems problems = mapper_problems(nested(33));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::StartsWith("core.mapper: field 'a.a.a.a.") &&
                              Catch::EndsWith("': fields and each nest deeper than 32 levels"));
}

TEST_CASE("core.mapper refuses to create a node from a config that does not validate") {
  weir::test::MapperNode good(R"({"fields": {"a": {"from": "a"}}})");
  weir::test::PluginTestHost host;
  std::string error;
  CHECK_FALSE(
      host.create(good.type(), R"({"fields": {"a": {"from": "a", "type": "decmal"}}})", &error));
  CHECK(error ==
        "core.mapper: field 'a': type 'decmal' is not one of string, number, integer, boolean, "
        "decimal");
}

TEST_CASE("a core.mapper config in YAML loads, and its mistakes show at their file:line") {
  const std::string good = topology_with(
      "      fields:\n"
      "        sku:            {from: code, required: true}\n"
      "        name:           {template: \"{brand} {name}\"}\n"
      "        regular_price:  {from: price, type: decimal, decimals: 2}\n"
      "        stock_quantity: {from: stock.qty, type: integer, default: 0}\n"
      "        status:         {from: state, map: {A: publish, D: draft}, default: draft}\n"
      "        manage_stock:   {const: true}\n"
      "        description:    {from: texts.long, drop_if_empty: true}\n"
      "        categories:\n"
      "          from: groups\n"
      "          each:\n"
      "            fields:\n"
      "              name: {from: title}\n"
      "              slug: {from: id, type: string}\n"
      "        images:         {from: \"pictures[*].url\"}\n");
  weir::topology::LoadResult r = load(good);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  CHECK(r.errors.empty());

  // The schema finds a typo at its own line ...
  CHECK(errors_of(topology_with("      fields:\n"
                                "        sku: {from: code}\n"
                                "        categories:\n"
                                "          from: groups\n"
                                "          each:\n"
                                "            fields:\n"
                                "              name: {form: title}\n")) ==
        std::vector<std::string>{
            "products.yaml:13: node 'map' config /fields/categories/each/fields/name: unknown key "
            "\"form\" (did you mean from? allowed: const, decimals, default, drop_if_empty, each, "
            "fields, from, map, required, rounding, template, type)"});
  CHECK(errors_of(topology_with("      fields:\n"
                                "        regular_price: {from: price, type: decmal}\n")) ==
        std::vector<std::string>{
            "products.yaml:8: node 'map' config /fields/regular_price/type: \"decmal\" is not one "
            "of [\"string\",\"number\",\"integer\",\"boolean\",\"decimal\"]"});
  // ... and the node type's own check what a schema cannot say, at config:.
  CHECK(errors_of(topology_with("      fields:\n"
                                "        sku: {required: true}\n"
                                "        name: {template: \"{brand\"}\n")) ==
        std::vector<std::string>{
            "products.yaml:6: node 'map' config: core.mapper: field 'name': template \"{brand\" "
            "has an unclosed '{' (write {{ for a literal one) at character 1",
            "products.yaml:6: node 'map' config: core.mapper: field 'sku': needs one of from, "
            "const, template or fields (where its value comes from)"});
}
