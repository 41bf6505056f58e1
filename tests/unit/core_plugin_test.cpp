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
