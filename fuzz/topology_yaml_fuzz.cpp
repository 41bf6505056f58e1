// The topology reader (host/topology/topology_loader.hpp) on any text, as if
// it were a file dropped into the topologies directory.
//
// It never crashes or throws: every problem is an error value with a line,
// naming the file. A topology comes back exactly when there are no errors.
// The node types are a fixed catalog made here in the shape of the shipped
// plugins' (core.*, testkit.*) plus one whose schema uses every keyword the
// schema checker knows and one with a validate_config of its own, so a
// config reaches both checks.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "plugins/node_catalog.hpp"
#include "topology/topology_loader.hpp"

namespace {

using weir::plugins::NodeTypeInfo;
using weir::plugins::NodeTypeRef;

constexpr const char* kFile = "topologies/fuzz.yaml";

// A plugin's own check, as core.log's: the config is JSON text; a "level"
// that is not a known name is reported.
int validate_level(weir_str config, weir_error_sink errors, void* user) {
  const auto json = nlohmann::json::parse(config.data, config.data + config.size, nullptr, false);
  if (json.is_discarded()) {
    const std::string why = "config is not JSON";
    errors(user, weir_str{why.data(), why.size()});
    return -1;
  }
  if (!json.is_object() || !json.contains("level")) return 0;
  const auto& level = json["level"];
  if (level.is_string() && (level == "info" || level == "warn")) return 0;
  const std::string why =
      "level " + level.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      " is not info or warn";
  errors(user, weir_str{why.data(), why.size()});
  return -1;
}

const weir_node_type kCheckedType = [] {
  weir_node_type t{};
  t.struct_size = sizeof t;
  t.name = "checked";
  t.kind = WEIR_NODE_CUSTOM;
  t.validate_config = &validate_level;
  return t;
}();

class FixedCatalog final : public weir::plugins::NodeTypeCatalog {
 public:
  FixedCatalog() {
    add("core.pass", R"({"type":"object","additionalProperties":false,"properties":{}})", 1000);
    add("core.log", R"({"type":"object","additionalProperties":false,"properties":{
          "level":{"type":"string","enum":["trace","debug","info","warn","error"]},
          "prefix":{"type":"string"}}})", 1000);
    add("testkit.act", R"({"type":"object","additionalProperties":false,"properties":{
          "defaults":{"type":"object"},"down_file":{"type":"string"}}})", 1);
    add("testkit.counter", R"({"type":"object","additionalProperties":false,"properties":{
          "key":{"type":"string","default":"count"}}})", 1);
    add("testkit.batch_probe", "", 500);
    add("shop.upsert", R"({"type":"object","required":["sku_field","mode"],
          "additionalProperties":{"type":["string","integer","null"]},
          "properties":{
            "sku_field":{"type":"string","minLength":1,"maxLength":64,"pattern":"^[a-z_][a-z0-9_.]*$"},
            "mode":{"enum":["insert","update","upsert"]},
            "version":{"const":2},
            "batch":{"type":"integer","minimum":1,"maximum":500},
            "ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
            "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":8}}})",
        50);
    add("hello.checked", R"({"type":"object"})", 1, &kCheckedType);
  }

  NodeTypeRef find(std::string_view full_name) const override {
    const auto it = types_.find(std::string(full_name));
    return it == types_.end() ? nullptr : it->second;
  }

  std::vector<std::string> type_names() const override {
    std::vector<std::string> names;
    for (const auto& [name, type] : types_) names.push_back(name);
    return names;
  }

 private:
  void add(const std::string& full_name, const char* schema, std::uint32_t max_batch,
           const weir_node_type* type = nullptr) {
    auto info = std::make_shared<NodeTypeInfo>();
    info->full_name = full_name;
    info->plugin = full_name.substr(0, full_name.find('.'));
    info->name = full_name.substr(full_name.find('.') + 1);
    info->config_schema = schema;
    info->max_batch = max_batch;
    info->type = type;
    types_[full_name] = std::move(info);
  }

  std::map<std::string, NodeTypeRef> types_;  // sorted, as type_names() promises
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const FixedCatalog catalog;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = weir::topology::load_topology_text(text, kFile, catalog);
  WEIR_FUZZ_CHECK(loaded.topology.has_value() == loaded.errors.empty(),
                  "a topology with errors, or neither a topology nor an error");
  for (const auto& e : loaded.errors) {
    WEIR_FUZZ_CHECK(e.file == kFile, "an error that does not name the file");
    WEIR_FUZZ_CHECK(!e.message.empty(), "an error without words");
    WEIR_FUZZ_CHECK(e.line >= 0, "an error with a negative line");
  }
  return 0;
}
