// MapperNode: a core.mapper instance made by the real core.so (loaded by the
// real PluginRegistry) and called through the C ABI by PluginTestHost, as
// the engine calls it. One per test, used on the test's thread.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "plugins/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "unit/plugin_test_host.hpp"

namespace weir::test {

class MapperNode {
 public:
  // `config_json`: the node's config as JSON text; the node must accept it.
  explicit MapperNode(const std::string& config_json) {
    REQUIRE(registry_.load_file(std::string(WEIR_PLUGINS_DIR) + "/core.so"));
    std::string error;
    node_ = host_.create(type(), config_json, &error);
    INFO(error);
    REQUIRE(node_);
  }

  const weir_node_type* type() {
    plugins::NodeTypeRef ref = registry_.find("core.mapper");
    REQUIRE(ref);
    return ref->type;  // valid while registry_ holds core.so
  }

  // One process() call with all of `inputs` as a batch.
  std::vector<Answer> run(const std::vector<Json>& inputs) { return host_.process(*node_, inputs); }

  // The mapped document of `input`; the message must succeed.
  Json map(const Json& input) {
    Answer a = run({input}).at(0);
    INFO(a.error);
    REQUIRE(a.outcome == WEIR_OUTCOME_SUCCESS);
    REQUIRE(a.outputs.size() == 1);
    return a.outputs[0];
  }

  // The error of `input`; the message must fail.
  std::string failure(const Json& input) {
    Answer a = run({input}).at(0);
    REQUIRE(a.outcome == WEIR_OUTCOME_FAILED);
    CHECK(a.outputs.empty());
    return a.error;
  }

 private:
  TempDir tmp_;
  plugins::PluginRegistry registry_{tmp_.file("cache")};
  PluginTestHost host_;
  std::unique_ptr<TestInstance> node_;
};

// Every problem core.mapper's validate_config reports for `config_json`.
inline std::vector<std::string> mapper_problems(const std::string& config_json) {
  TempDir tmp;
  plugins::PluginRegistry registry{tmp.file("cache")};
  REQUIRE(registry.load_file(std::string(WEIR_PLUGINS_DIR) + "/core.so"));
  plugins::NodeTypeRef ref = registry.find("core.mapper");
  REQUIRE(ref);
  return PluginTestHost::validate(ref->type, config_json);
}

}  // namespace weir::test
