#include "node_type_check.hpp"

#include <algorithm>
#include <mutex>

#include "topology/config_schema.hpp"
#include "topology/suggestions.hpp"

namespace weir::topology {
namespace {

using plugins::NodeTypeInfo;

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> types_of_plugin(const std::vector<std::string>& all,
                                         const std::string& plugin) {
  std::vector<std::string> out;
  for (const std::string& t : all) {
    if (t.rfind(plugin + ".", 0) == 0) out.push_back(t);
  }
  return out;
}

// "(did you mean core.pass? known: core.log, core.pass)", listing the types of
// the named plugin when it is loaded, else every type.
std::string known_types(const std::string& type, const plugins::NodeTypeCatalog& catalog) {
  std::vector<std::string> all = catalog.type_names();
  if (all.empty()) return "(no node types are loaded)";
  std::string plugin = type.substr(0, type.find('.'));
  std::vector<std::string> same_plugin = types_of_plugin(all, plugin);
  std::string missing_plugin =
      same_plugin.empty() ? "no plugin " + in_quotes(plugin) + " is loaded; " : "";
  const std::vector<std::string>& listed = same_plugin.empty() ? all : same_plugin;
  return "(" + missing_plugin + did_you_mean(type, all) + "known: " + name_list(listed) + ")";
}

// The line of `pointer` inside the config, else of `config:`, else of the node.
int line_in_config(const NodeSpec& node, const NodeLines& lines, const std::string& pointer) {
  int line = lines.config_source ? lines.config_source->line_of(pointer) : 0;
  if (line > 0) return line;
  return lines.config > 0 ? lines.config : node.line;
}

void check_schema(const NodeSpec& node, const NodeTypeInfo& type, const NodeLines& lines,
                  std::vector<TopologyError>& errors) {
  std::string where = "node " + in_quotes(node.id) + " config ";
  Result<ConfigSchema> schema = ConfigSchema::parse(type.config_schema);
  if (!schema) {
    errors.push_back(
        {"", node.line,
         "node " + in_quotes(node.id) + ": type " + type.full_name + ": " + schema.error()});
    return;
  }
  for (const SchemaError& e : schema->validate(node.config)) {
    errors.push_back({"", line_in_config(node, lines, e.located), where + e.to_string()});
  }
}

void collect_text(void* user, weir_str text) {
  static_cast<std::vector<std::string>*>(user)->emplace_back(text.data, text.size);
}

// The plugin's own check. abi.h promises plugins these calls come one at a time.
std::vector<std::string> run_validate_config(const weir_node_type& type, const std::string& json) {
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  std::vector<std::string> problems;
  int rc = type.validate_config(weir_str{json.data(), json.size()}, &collect_text, &problems);
  if (rc == 0) return {};
  if (problems.empty()) problems.push_back("rejected by the node type (it gave no reason)");
  return problems;
}

// The file was checked to be UTF-8, so replacing never happens; it keeps a
// string that slipped through from aborting the check (dump() throws on one).
std::string dump_config(const nlohmann::json& config) {
  return config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void check_plugin_validation(const NodeSpec& node, const NodeTypeInfo& type, const NodeLines& lines,
                             std::vector<TopologyError>& errors) {
  const weir_node_type* t = type.type;
  if (!t || !WEIR_HAS_FIELD(t, weir_node_type, validate_config) || !t->validate_config) return;
  int line = lines.config > 0 ? lines.config : node.line;
  for (const std::string& problem : run_validate_config(*t, dump_config(node.config))) {
    errors.push_back({"", line, "node " + in_quotes(node.id) + " config: " + problem});
  }
}

void check_max_batch(const NodeSpec& node, const NodeTypeInfo& type, const NodeLines& lines,
                     std::vector<TopologyError>& errors) {
  int limit = static_cast<int>(std::clamp<std::uint32_t>(type.max_batch, 1, 1 << 30));
  if (node.max_batch <= limit) return;
  errors.push_back({"", lines.max_batch > 0 ? lines.max_batch : node.line,
                    "node " + in_quotes(node.id) + ": max_batch " + std::to_string(node.max_batch) +
                        " is more than type " + type.full_name + " takes (at most " +
                        std::to_string(limit) + ")"});
}

}  // namespace

std::vector<TopologyError> check_node_type(const NodeSpec& node, const NodeLines& lines,
                                           const plugins::NodeTypeCatalog& catalog) {
  std::vector<TopologyError> errors;
  plugins::NodeTypeRef type = catalog.find(node.type);
  if (!type) {
    errors.push_back({"", lines.type > 0 ? lines.type : node.line,
                      "node " + in_quotes(node.id) + " has unknown type " + in_quotes(node.type) +
                          " " + known_types(node.type, catalog)});
    return errors;
  }
  check_max_batch(node, *type, lines, errors);
  // A config that did not convert (reported by the reader) is not what the
  // user wrote; checking it would only add confusing errors.
  if (lines.config_source && !lines.config_source->errors.empty()) return errors;
  std::size_t schema_errors = errors.size();
  if (!type->config_schema.empty()) check_schema(node, *type, lines, errors);
  // A plugin may rely on its schema having passed before its own check runs.
  if (errors.size() == schema_errors) check_plugin_validation(node, *type, lines, errors);
  return errors;
}

}  // namespace weir::topology
