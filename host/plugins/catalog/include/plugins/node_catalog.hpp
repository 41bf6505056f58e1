// NodeTypeCatalog: the node types a host can run, by full name ("core.pass").
// Topology validation looks types up here; PluginRegistry is the real one.
//
// A NodeTypeRef keeps the plugin library that defines the type loaded for as
// long as the reference lives, so an instance made from it never outlives
// its code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <weir/abi.h>

namespace weir::plugins {

struct LoadedPlugin;  // plugin_registry.hpp

struct NodeTypeInfo {
  std::string full_name;      // "<plugin>.<node>", e.g. "core.pass"
  std::string plugin;         // plugin name
  std::string name;           // node type's local name
  weir_node_kind kind = WEIR_NODE_CUSTOM;
  std::string description;
  std::string config_schema;  // JSON Schema text; empty = any config accepted
  std::uint32_t max_batch = 1;
  std::string app_type;  // (ABI 1.4) the type its `app:` must be; "" any
  const weir_node_type* type = nullptr;  // plugin-owned; valid while `library` lives
  std::shared_ptr<const LoadedPlugin> library;
};

using NodeTypeRef = std::shared_ptr<const NodeTypeInfo>;

// An application type a plugin declares (ABI 1.4 weir_app_type), copied.
struct AppTypeInfo {
  std::string full_name;  // "<plugin>.<name>", what an app file's `type:` says
  std::string plugin;
  std::string description;
  std::string settings_schema;  // JSON Schema text; empty = any settings
  std::string check_target;     // `weir apps check`'s GET, from base_url; "" base_url itself
};

// Thread-safe for concurrent lookups.
class NodeTypeCatalog {
 public:
  virtual ~NodeTypeCatalog() = default;
  // nullptr when no loaded plugin declares `full_name`.
  virtual NodeTypeRef find(std::string_view full_name) const = 0;
  // Every registered full name, sorted.
  virtual std::vector<std::string> type_names() const = 0;
};

}  // namespace weir::plugins
