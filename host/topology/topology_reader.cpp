// The Reader walks one YAML document in the order it is written. Each
// mapping is read through entries(), which reports unknown and repeated keys
// once for every kind of mapping; the value readers (text, id, flag,
// whole_number) report a wrong kind of value and return nothing, so reading
// goes on and every problem in the file is found in one pass.
#include "topology_reader.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <optional>

#include "common/duration.hpp"
#include "graph_check.hpp"
#include "node_type_check.hpp"
#include "topology/suggestions.hpp"
#include "trigger_reader.hpp"
#include "topology/yaml_file.hpp"
#include "topology/yaml_json.hpp"

namespace weir::topology {
namespace {

const std::vector<std::string> kTopologyKeys = {"name",    "enabled", "description", "nodes",
                                                "edges",   "trace",   "trigger",     "triggers",
                                                "delta"};
const std::vector<std::string> kDeltaKeys = {"overlap"};
const std::vector<std::string> kNodeKeys = {"id",        "type",        "config", "concurrency",
                                            "max_batch", "description", "retry",  "app"};
const std::vector<std::string> kEdgeKeys = {"from", "to"};
constexpr int kMaxConcurrency = 1024;
const char kIdForm[] = "lower-case letters, digits, '_' and '-', starting with a letter or digit";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// [a-z0-9][a-z0-9_-]*
bool is_id(std::string_view s) {
  return !s.empty() && s[0] != '_' && s[0] != '-' && std::all_of(s.begin(), s.end(), is_name_char);
}

// [a-z0-9_-]+ "." [a-z0-9_-]+ (the names plugins may give themselves and their types)
bool is_type_name(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
  auto valid = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), is_name_char);
  };
  return valid(s.substr(0, dot)) && valid(s.substr(dot + 1));
}

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// One `key: value` of a mapping, with the line of the key.
struct Entry {
  std::string key;
  int line = 0;
  YAML::Node value;
};

// Walks one YAML document into a Topology, collecting every problem.
class Reader {
 public:
  Reader(const plugins::NodeTypeCatalog& catalog, std::string base_dir, const AppNames* apps)
      : catalog_(catalog), base_dir_(std::move(base_dir)), apps_(apps) {}

  Topology read(const YAML::Node& root);
  std::vector<TopologyError>& errors() { return errors_; }
  int name_line() const { return name_line_; }

 private:
  void error(int line, std::string message) { errors_.push_back({"", line, std::move(message)}); }
  void add_errors(std::vector<TopologyError> more);

  std::vector<Entry> entries(const YAML::Node& map, const std::vector<std::string>& allowed,
                             const std::string& owner);
  void require(const std::vector<Entry>& found, std::initializer_list<const char*> keys,
               const std::string& owner, int line);
  std::string unknown_key(const std::string& key, const std::vector<std::string>& allowed,
                          const std::string& owner) const;

  std::optional<std::string> text(const Entry& e, const std::string& owner);
  std::optional<std::string> id(const Entry& e, const std::string& owner, const char* noun);
  std::optional<bool> flag(const Entry& e, const std::string& owner);
  std::optional<int> whole_number(const Entry& e, int max, const std::string& owner);

  void read_top_entry(const Entry& e);
  void read_delta(const Entry& e);
  void read_nodes(const Entry& e);
  void read_node(const YAML::Node& item);
  void check_app_type(const NodeSpec& node, const NodeLines& lines, const std::string& owner);
  void read_node_entry(const Entry& e, NodeSpec& node, NodeLines& lines,
                       std::optional<YamlJson>& config, const std::string& owner);
  void read_node_id(const Entry& e, NodeSpec& node);
  void read_node_type(const Entry& e, NodeSpec& node, NodeLines& lines, const std::string& owner);
  void read_config(const Entry& e, std::optional<YamlJson>& config, const std::string& owner);
  void read_edges(const Entry& e);
  void read_edge(const YAML::Node& item);
  void read_edge_text(const YAML::Node& item);
  void read_edge_map(const YAML::Node& item);
  void add_edge(const std::string& from, const std::string& to, int line);

  const plugins::NodeTypeCatalog& catalog_;
  const std::string base_dir_;
  const AppNames* apps_;  // null: `app:` is not checked
  Topology topology_;
  std::vector<TopologyError> errors_;
  std::map<std::string, int> id_lines_;  // node id -> line of its first declaration
  int name_line_ = 0;
  std::size_t yaml_values_left_ = kMaxYamlValues;  // for the whole file (see yaml_json.hpp)
};

void Reader::add_errors(std::vector<TopologyError> more) {
  for (TopologyError& e : more) errors_.push_back(std::move(e));
}

Topology Reader::read(const YAML::Node& root) {
  if (!root.IsMap()) {
    error(yaml_line(root),
          "the top level must be a mapping with 'name', 'nodes' and 'edges', got " + yaml_shown(root));
    return topology_;
  }
  std::vector<Entry> found = entries(root, kTopologyKeys, "");
  require(found, {"name", "nodes"}, "", yaml_line(root));
  for (const Entry& e : found) read_top_entry(e);
  add_errors(check_graph(topology_.nodes, topology_.edges));
  for (const TriggerSpec& t : topology_.triggers) {
    if (t.start.empty() || topology_.node(t.start)) continue;
    std::vector<std::string> ids;
    for (const auto& n : topology_.nodes) ids.push_back(n.id);
    error(t.start_line, "trigger '" + t.id + "' starts at '" + t.start + "', which is no node of "
                        "this topology (" + did_you_mean(t.start, ids) + "nodes: " +
                        name_list(ids) + ")");
  }
  return topology_;
}

// ---- keys and values ----

std::vector<Entry> Reader::entries(const YAML::Node& map, const std::vector<std::string>& allowed,
                                   const std::string& owner) {
  std::vector<Entry> out;
  std::map<std::string, int> seen;
  for (const auto& kv : map) {
    Entry e{kv.first.IsScalar() ? kv.first.Scalar() : "", yaml_line(kv.first), kv.second};
    auto [first, fresh] = seen.emplace(e.key, e.line);
    if (!kv.first.IsScalar()) {
      error(e.line, "a key must be a plain name, got " + yaml_shown(kv.first));
    } else if (!fresh) {
      error(e.line, "key " + in_quotes(e.key) + " appears twice" +
                        (owner.empty() ? "" : " in " + owner) + " (first at line " +
                        std::to_string(first->second) + ")");
    } else if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      error(e.line, unknown_key(e.key, allowed, owner));
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::string Reader::unknown_key(const std::string& key, const std::vector<std::string>& allowed,
                                const std::string& owner) const {
  std::string what = owner.empty() ? "unknown top-level key " + in_quotes(key)
                                   : "unknown key " + in_quotes(key) + " in " + owner;
  return what + " (" + did_you_mean(key, allowed) + "allowed: " + name_list(allowed) + ")";
}

void Reader::require(const std::vector<Entry>& found, std::initializer_list<const char*> keys,
                     const std::string& owner, int line) {
  for (const char* key : keys) {
    bool present =
        std::any_of(found.begin(), found.end(), [&](const Entry& e) { return e.key == key; });
    if (!present) {
      error(line, std::string("missing required key ") + in_quotes(key) +
                      (owner.empty() ? " at the top level" : " in " + owner));
    }
  }
}

std::string owned(const std::string& owner, const std::string& key) {
  return owner.empty() ? key : owner + ": " + key;
}

std::optional<std::string> Reader::text(const Entry& e, const std::string& owner) {
  if (e.value.IsScalar()) return e.value.Scalar();
  error(e.line, owned(owner, e.key) + " must be a string, got " + yaml_shown(e.value));
  return std::nullopt;
}

// A name that must be an id: a topology name, a node id, an edge's end.
std::optional<std::string> Reader::id(const Entry& e, const std::string& owner, const char* noun) {
  std::optional<std::string> value = text(e, owner);
  if (!value || is_id(*value)) return value;
  error(e.line, owned(owner, noun) + " " + in_quotes(*value) + " is not valid (" + kIdForm + ")");
  return std::nullopt;
}

std::optional<bool> Reader::flag(const Entry& e, const std::string& owner) {
  nlohmann::json v = yaml_to_json(e.value, 0, &yaml_values_left_).value;
  if (v.is_boolean()) return v.get<bool>();
  error(e.line, owned(owner, e.key) + " must be true or false, got " + yaml_shown(e.value));
  return std::nullopt;
}

std::optional<int> Reader::whole_number(const Entry& e, int max, const std::string& owner) {
  nlohmann::json v = yaml_to_json(e.value, 0, &yaml_values_left_).value;
  if (v.is_number_integer() && v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= max) {
    return static_cast<int>(v.get<std::int64_t>());
  }
  std::string range = max == INT_MAX ? "a whole number of at least 1"
                                     : "a whole number from 1 to " + std::to_string(max);
  error(e.line, owned(owner, e.key) + " must be " + range + ", got " + yaml_shown(e.value));
  return std::nullopt;
}

// ---- top level ----

void Reader::read_top_entry(const Entry& e) {
  if (e.key == "name") {
    if (auto name = id(e, "", "topology name")) {
      topology_.name = *name;
      name_line_ = e.line;
    }
  } else if (e.key == "enabled") {
    topology_.enabled = flag(e, "").value_or(true);
  } else if (e.key == "trace") {
    const auto value = text(e, "").value_or("all");
    if (value == "all") topology_.trace = Trace::all;
    else if (value == "failures") topology_.trace = Trace::failures;
    else if (value == "off") topology_.trace = Trace::off;
    else error(e.line, "trace must be all, failures or off, got " + in_quotes(value));
  } else if (e.key == "description") {
    if (!e.value.IsNull()) topology_.description = text(e, "").value_or("");
  } else if (e.key == "delta") {
    read_delta(e);
  } else if (e.key == "trigger" || e.key == "triggers") {
    if (!topology_.triggers.empty()) {
      error(e.line, "use either 'trigger' (one) or 'triggers' (a list), not both");
      return;
    }
    topology_.triggers = read_triggers(e.value, e.key == "triggers", e.line,
                                       [&](int line, const std::string& m) { error(line, m); },
                                       base_dir_);
  } else if (e.key == "nodes") {
    read_nodes(e);
  } else if (e.key == "edges") {
    read_edges(e);
  }
}

// `delta: {overlap: 1s}` (or `delta: {}` for the default overlap).
void Reader::read_delta(const Entry& e) {
  std::int64_t overlap = kDefaultDeltaOverlapMs;
  if (!e.value.IsMap()) {
    error(e.line, "delta must be a mapping such as {overlap: 1s}, got " + yaml_shown(e.value));
    return;
  }
  for (const Entry& d : entries(e.value, kDeltaKeys, "delta")) {
    const auto text_value = text(d, "delta");
    if (!text_value) return;
    const auto parsed = parse_duration(*text_value);
    if (!parsed || parsed->count() > 24LL * 3600 * 1000) {
      error(d.line, "delta overlap must be a duration up to 1d (0s, 500ms, 1s, 5m), got " +
                        in_quotes(*text_value));
      return;
    }
    overlap = parsed->count();
  }
  topology_.delta_overlap_ms = overlap;
}

// ---- nodes ----

void Reader::read_nodes(const Entry& e) {
  if (!e.value.IsSequence() || e.value.size() == 0) {
    error(e.line, "nodes must be a non-empty list of nodes (each with 'id' and 'type'), got " +
                      (e.value.IsSequence() ? std::string("an empty list") : yaml_shown(e.value)));
    return;
  }
  for (const YAML::Node& item : e.value) read_node(item);
}

void Reader::read_node(const YAML::Node& item) {
  int line = yaml_line(item);
  if (!item.IsMap()) {
    error(line, "a node must be a mapping with 'id' and 'type', got " + yaml_shown(item));
    return;
  }
  const YAML::Node declared_id = item["id"];
  std::string owner = declared_id && declared_id.IsScalar()
                          ? "node " + in_quotes(declared_id.Scalar())
                          : "the node at line " + std::to_string(line);
  NodeSpec node;
  node.line = line;
  NodeLines lines;
  std::optional<YamlJson> config;
  std::vector<Entry> found = entries(item, kNodeKeys, owner);
  require(found, {"id", "type"}, owner, line);
  for (const Entry& e : found) read_node_entry(e, node, lines, config, owner);
  lines.config_source = config ? &*config : nullptr;
  if (node.id.empty()) return;  // reported; edges to it are then reported as unknown
  if (!node.type.empty()) add_errors(check_node_type(node, lines, catalog_));
  check_app_type(node, lines, owner);
  topology_.nodes.push_back(std::move(node));
}

// A node type that declares the application type it calls (ABI 1.4) takes
// only an app of that type: a WooCommerce node pointed at the ERP's app is
// an error here, not a 404 at run time.
void Reader::check_app_type(const NodeSpec& node, const NodeLines& lines, const std::string& owner) {
  if (!apps_ || node.type.empty()) return;
  const plugins::NodeTypeRef type = catalog_.find(node.type);
  if (node.app.empty()) {
    if (type && !type->app_type.empty()) {
      error(node.line, owner + ": type " + node.type + " calls an application of type " +
                           type->app_type + ": name one with app: NAME");
    }
    return;
  }
  const auto app = apps_->find(node.app);
  if (app == apps_->end() || !type || type->app_type.empty() || type->app_type == app->second) {
    return;
  }
  error(lines.app ? lines.app : node.line,
        owner + ": type " + node.type + " calls applications of type " + type->app_type +
            ", but app " + in_quotes(node.app) + " is of type " + app->second);
}

void Reader::read_node_entry(const Entry& e, NodeSpec& node, NodeLines& lines,
                             std::optional<YamlJson>& config, const std::string& owner) {
  if (e.key == "id") {
    read_node_id(e, node);
  } else if (e.key == "type") {
    read_node_type(e, node, lines, owner);
  } else if (e.key == "config") {
    read_config(e, config, owner);
    if (config) node.config = config->value;
    lines.config = e.line;
  } else if (e.key == "concurrency") {
    node.concurrency = whole_number(e, kMaxConcurrency, owner).value_or(1);
  } else if (e.key == "max_batch") {
    node.max_batch = whole_number(e, INT_MAX, owner).value_or(1);
    lines.max_batch = e.line;
  } else if (e.key == "description") {
    if (!e.value.IsNull()) node.description = text(e, owner).value_or("");
  } else if (e.key == "retry") {
    node.retry = read_retry(e.value, [&](int line, const std::string& message) {
      error(line, owner + ": " + message);
    });
  } else if (e.key == "app") {
    auto name = text(e, owner);
    if (!name) return;
    lines.app = e.line;
    if (apps_ && !apps_->count(*name)) {
      std::vector<std::string> known;
      for (const auto& [app, type] : *apps_) known.push_back(app);
      error(e.line, owner + ": unknown application '" + *name + "' (" + did_you_mean(*name, known) +
                        "known: " + (known.empty() ? std::string("none, apps_dir has no valid app")
                                                   : name_list(known)) +
                        ")");
    }
    node.app = *name;
  }
}

// A full type name ("core.pass") for a type written without its plugin
// ("pass") or misspelt, if one is likely meant.
std::optional<std::string> meant_type(const std::string& written,
                                      const std::vector<std::string>& known) {
  for (const std::string& name : known) {
    if (name.ends_with("." + written)) return name;
  }
  return closest_name(written, known);
}

void Reader::read_node_type(const Entry& e, NodeSpec& node, NodeLines& lines,
                            const std::string& owner) {
  std::optional<std::string> type = text(e, owner);
  if (!type) return;
  if (!is_type_name(*type)) {
    std::optional<std::string> meant = meant_type(*type, catalog_.type_names());
    error(e.line, owner + ": type " + in_quotes(*type) + " must look like '<plugin>.<node>' (" +
                      (meant ? "did you mean " + *meant + "?" : "e.g. core.pass") + ")");
    return;
  }
  node.type = *type;
  lines.type = e.line;
}

void Reader::read_node_id(const Entry& e, NodeSpec& node) {
  std::optional<std::string> value = id(e, "", "node id");
  if (!value) return;
  auto [first, fresh] = id_lines_.emplace(*value, e.line);
  if (fresh) {
    node.id = *value;
  } else {
    error(e.line, "node id " + in_quotes(*value) + " is already used at line " +
                      std::to_string(first->second));
  }
}

void Reader::read_config(const Entry& e, std::optional<YamlJson>& config,
                         const std::string& owner) {
  if (e.value.IsNull()) return;  // `config:` with nothing: an empty config
  if (!e.value.IsMap()) {
    error(e.line, owner + ": config must be a mapping, got " + yaml_shown(e.value));
    return;
  }
  config = yaml_to_json(e.value, e.line, &yaml_values_left_);
  for (const YamlJsonError& problem : config->errors) {
    error(problem.line, owner + " config " + (problem.path.empty() ? "/" : problem.path) + ": " +
                            problem.message);
  }
}

// ---- edges ----

void Reader::read_edges(const Entry& e) {
  if (e.value.IsNull()) return;
  if (!e.value.IsSequence()) {
    error(e.line, "edges must be a list (e.g. '- a -> b'), got " + yaml_shown(e.value));
    return;
  }
  for (const YAML::Node& item : e.value) read_edge(item);
}

void Reader::read_edge(const YAML::Node& item) {
  if (item.IsScalar()) return read_edge_text(item);
  if (item.IsMap()) return read_edge_map(item);
  error(yaml_line(item),
        "an edge must be 'a -> b', 'a -> b -> c' or {from: a, to: b}, got " + yaml_shown(item));
}

void Reader::read_edge_text(const YAML::Node& item) {
  const std::string& text = item.Scalar();
  std::vector<std::string> ids;
  for (std::size_t start = 0, arrow = 0; arrow != std::string::npos; start = arrow + 2) {
    arrow = text.find("->", start);
    ids.push_back(trimmed(text.substr(start, arrow == std::string::npos ? arrow : arrow - start)));
  }
  bool shaped =
      ids.size() >= 2 && std::none_of(ids.begin(), ids.end(), [](auto& s) { return s.empty(); });
  if (!shaped) {
    error(yaml_line(item), "edge " + in_quotes(text) + " must look like 'a -> b' or 'a -> b -> c'");
    return;
  }
  for (const std::string& id : ids) {
    if (!is_id(id)) {
      error(yaml_line(item), "edge " + in_quotes(text) + ": " + in_quotes(id) +
                                 " is not a valid node id (" + kIdForm + ")");
      return;
    }
  }
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) add_edge(ids[i], ids[i + 1], yaml_line(item));
}

void Reader::read_edge_map(const YAML::Node& item) {
  int line = yaml_line(item);
  std::vector<Entry> found = entries(item, kEdgeKeys, "an edge");
  require(found, {"from", "to"}, "an edge", line);
  std::optional<std::string> from;
  std::vector<Entry> targets;
  for (const Entry& e : found) {
    if (e.key == "from") from = id(e, "edge", "node id");
    if (e.key == "to" && !e.value.IsSequence()) targets.push_back(e);
    if (e.key == "to" && e.value.IsSequence()) {
      if (e.value.size() == 0)
        error(e.line, "edge: 'to' is an empty list (name at least one node)");
      for (const YAML::Node& to : e.value) targets.push_back({"to", yaml_line(to), to});
    }
  }
  for (const Entry& target : targets) {
    std::optional<std::string> to = id(target, "edge", "node id");
    if (from && to) add_edge(*from, *to, line);
  }
}

void Reader::add_edge(const std::string& from, const std::string& to, int line) {
  topology_.edges.push_back(Edge{from, to, line});
}

}  // namespace

TopologyRead read_topology(const YAML::Node& root, const plugins::NodeTypeCatalog& catalog,
                           const std::string& base_dir, const AppNames* apps) {
  Reader reader(catalog, base_dir, apps);
  TopologyRead out;
  out.topology = reader.read(root);
  out.errors = std::move(reader.errors());
  out.name_line = reader.name_line();
  return out;
}

}  // namespace weir::topology
