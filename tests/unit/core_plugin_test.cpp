// The core plugin (plugins/core), loaded from build/plugins/core.so by the
// real registry and called through the C ABI, as the engine will call it.
#include <catch2/catch.hpp>

#include "plugins/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "unit/plugin_test_host.hpp"

using weir::Json;
using weir::plugins::NodeTypeRef;
using weir::test::PluginTestHost;

namespace {

// core.so loaded into a registry of its own.
struct Core {
  weir::test::TempDir tmp;
  weir::plugins::PluginRegistry registry{tmp.file("cache")};

  Core() { REQUIRE(registry.load_file(std::string(WEIR_PLUGINS_DIR) + "/core.so")); }

  const weir_node_type* type(const std::string& name) {
    NodeTypeRef ref = registry.find(name);
    REQUIRE(ref);
    return ref->type;  // valid while `registry` holds the plugin
  }
};

}  // namespace

TEST_CASE("core.pass passes every message of a batch on unchanged") {
  Core core;
  PluginTestHost host;
  auto pass = host.create(core.type("core.pass"), "{}");
  REQUIRE(pass);
  auto answers = host.process(*pass, {Json{{"id", 1}}, Json::array({1, 2}), Json("text")});
  REQUIRE(answers.size() == 3);
  for (const auto& a : answers) {
    CHECK(a.outcome == WEIR_OUTCOME_SUCCESS);
    CHECK(a.outputs.empty());  // success without output: the input goes on as it was
  }
}

TEST_CASE("core.pass accepts only an empty config") {
  Core core;
  CHECK(PluginTestHost::validate(core.type("core.pass"), "{}").empty());
  CHECK(PluginTestHost::validate(core.type("core.pass"), R"({"levle": "x"})") ==
        std::vector<std::string>{"core.pass: unknown config key 'levle' (known: none)"});
}

TEST_CASE("core.log logs the payload as one-line JSON at its level, with the prefix") {
  Core core;
  PluginTestHost host;
  auto log = host.create(core.type("core.log"), R"({"level": "warn", "prefix": "order:"})");
  REQUIRE(log);
  Json order = {{"id", 7}, {"lines", Json::array({Json{{"sku", "A"}, {"qty", 2}}})}, {"note", "ü"}};
  auto answers = host.process(*log, {order});
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[0].outputs.empty());
  auto logs = host.logs();
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].level == WEIR_LOG_WARN);
  CHECK(logs[0].text == "order: " + order.dump());
  CHECK(logs[0].text.find('\n') == std::string::npos);
}

TEST_CASE("core.log logs at info without a prefix by default") {
  Core core;
  PluginTestHost host;
  auto log = host.create(core.type("core.log"), "{}");
  REQUIRE(log);
  (void)host.process(*log, {Json{{"a", 1}}});
  auto logs = host.logs();
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].level == WEIR_LOG_INFO);
  CHECK(logs[0].text == R"({"a":1})");
}

TEST_CASE("core.log rejects an unknown level, naming it and the allowed ones") {
  Core core;
  const std::string expected =
      "core.log: level \"verbose\" is not one of trace, debug, info, warn, error";
  CHECK(PluginTestHost::validate(core.type("core.log"), R"({"level": "verbose"})") ==
        std::vector<std::string>{expected});
  // create() refuses it too, with the same text, if validation was skipped.
  PluginTestHost host;
  std::string error;
  CHECK_FALSE(host.create(core.type("core.log"), R"({"level": "verbose"})", &error));
  CHECK(error == expected);
}

TEST_CASE("core.log reports a wrongly typed prefix and unknown keys") {
  Core core;
  auto problems =
      PluginTestHost::validate(core.type("core.log"), R"({"prefix": 3, "lvl": "info"})");
  CHECK(problems ==
        std::vector<std::string>{"core.log: unknown config key 'lvl' (known: level, prefix)",
                                 "core.log: prefix must be a string, got 3"});
}

TEST_CASE("core.comparator passes new and changed items on with their fingerprint, stops the same") {
  Core core;
  PluginTestHost host;
  auto cmp = host.create(core.type("core.comparator"), R"({"key": "sku", "ignore": ["seen.at"]})");
  REQUIRE(cmp);
  const Json a = Json::parse(R"({"sku": "A", "price": "1.00", "seen": {"at": 1, "by": "x"}})");
  const Json b = Json::parse(R"({"sku": 7, "price": "2.00"})");
  auto first = host.process(*cmp, {a, b}, "compare");
  REQUIRE(first.size() == 2);
  std::vector<std::string> fingerprints;
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(first[i].outcome == WEIR_OUTCOME_SUCCESS);
    REQUIRE(first[i].outputs.size() == 1);
    CHECK(first[i].outputs[0] == (i == 0 ? a : b));  // the item itself goes on
    const auto& h = first[i].output_headers[0];
    REQUIRE(h.count("weir-cmp/compare") == 1);
    const std::string value = h.at("weir-cmp/compare");
    const auto space = value.find(' ');
    REQUIRE(space == 32);
    CHECK(value.substr(space + 1) == (i == 0 ? "A" : "7"));
    fingerprints.push_back(value.substr(0, space));
  }
  CHECK(fingerprints[0] != fingerprints[1]);
  // The comparator wrote nothing itself: the host stores a fingerprint once
  // the item's write succeeded.
  CHECK(host.state.empty());

  // As the host would after the writes: A stored, B not (its write failed).
  host.state["cmp/compare/A"] = fingerprints[0];
  Json a_seen_later = a;
  a_seen_later["seen"]["at"] = 2;  // ignored
  Json a_dearer = a;
  a_dearer["price"] = "1.10";
  Json a_seen_by_other = a;
  a_seen_by_other["seen"]["by"] = "y";  // not ignored: only seen.at is
  auto second = host.process(*cmp, {a, a_seen_later, b, a_dearer, a_seen_by_other}, "compare");
  CHECK(second[0].outcome == WEIR_OUTCOME_STOP);
  CHECK(second[1].outcome == WEIR_OUTCOME_STOP);
  CHECK(second[2].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(second[3].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(second[4].outcome == WEIR_OUTCOME_SUCCESS);
  for (int i : {0, 1}) CHECK(second[static_cast<std::size_t>(i)].outputs.empty());
}

TEST_CASE("core.comparator fails an item without a usable key alone, naming the path") {
  Core core;
  PluginTestHost host;
  auto cmp = host.create(core.type("core.comparator"), R"({"key": "ids.sku"})");
  REQUIRE(cmp);
  auto answers = host.process(
      *cmp, {Json{{"ids", {{"sku", "A"}}}}, Json{{"name", "x"}}, Json{{"ids", {{"sku", 1.5}}}},
             Json{{"ids", {{"sku", ""}}}}});
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[1].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].error == "core.comparator: the item has no key at 'ids.sku'");
  CHECK(answers[2].error ==
        "core.comparator: the key at 'ids.sku' is 1.5, not a non-empty string or an integer");
  CHECK(answers[3].outcome == WEIR_OUTCOME_FAILED);
}

TEST_CASE("core.comparator's config mistakes are named when the topology is validated") {
  Core core;
  auto type = core.type("core.comparator");
  CHECK(PluginTestHost::validate(type, R"({})") ==
        std::vector<std::string>{
            "core.comparator: key must name the item's identity (a path such as sku), got "
            "nothing"});
  CHECK(PluginTestHost::validate(type, R"({"key": "lines[*].sku", "ignore": ["a..b"], "x": 1})") ==
        std::vector<std::string>{
            "core.comparator: unknown config key 'x' (known: key, ignore)",
            "core.comparator: key 'lines[*].sku' has [*]: an item has one identity",
            "core.comparator: ignore: \"a..b\" is not a key or dotted keys (e.g. meta.seen_at)"});
  CHECK(PluginTestHost::validate(type, R"({"key": "sku"})").empty());
}
