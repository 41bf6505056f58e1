// The topology loader, checked against the real node types: core.so and
// testkit.so loaded by the real PluginRegistry. Each broken fixture
// (tests/fixtures/topologies/broken/<kind>.yaml) breaks one rule; its test
// asserts the file:line of every error and the words a user needs to fix it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugins/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "topology/topology_loader.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::Equals;
using Catch::StartsWith;
using nlohmann::json;
using weir::topology::LoadResult;
using weir::topology::Topology;
using weir::topology::TopologyError;

// The host's real catalog: every plugin the build made, loaded once per run.
struct RealCatalog {
  weir::test::TempDir cache;
  weir::plugins::PluginRegistry registry{cache.file("plugin-cache")};
  std::vector<weir::plugins::LoadRefusal> refused;

  RealCatalog() {
    for (const char* dir : {WEIR_PLUGINS_DIR, WEIR_TEST_PLUGINS_DIR}) {
      for (auto& r : registry.load_directory(dir)) refused.push_back(r);
    }
  }
};

const weir::plugins::PluginRegistry& catalog() {
  static RealCatalog real;
  for (const auto& r : real.refused)
    UNSCOPED_INFO("plugin refused: " << r.path << ": " << r.reason);
  REQUIRE(real.refused.empty());
  REQUIRE(real.registry.find("core.pass") != nullptr);
  REQUIRE(real.registry.find("testkit.counter") != nullptr);
  return real.registry;
}

std::string fixture(const std::string& name) {
  return std::string(WEIR_FIXTURES_DIR) + "/topologies/" + name;
}

LoadResult load(const std::string& name) {
  return weir::topology::load_topology_file(fixture(name), catalog());
}

Topology load_good(const std::string& name) {
  LoadResult r = load(name);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.errors.empty());
  REQUIRE(r.topology);
  return *r.topology;
}

// The errors of broken/<kind>.yaml, after checking each names that file.
std::vector<TopologyError> errors_of(const std::string& kind) {
  std::string path = fixture("broken/" + kind + ".yaml");
  LoadResult r = weir::topology::load_topology_file(path, catalog());
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  CHECK_FALSE(r.topology);
  for (const auto& e : r.errors) CHECK(e.file == path);
  return r.errors;
}

// "file.yaml:7" for an error.
std::string where(const TopologyError& e) {
  return fs::path(e.file).filename().string() + ":" + std::to_string(e.line);
}

using Ids = std::vector<std::string>;

}  // namespace

// ---- good topologies ----

TEST_CASE("the minimal chain loads exactly as written") {
  Topology t = load_good("chain.yaml");
  CHECK(t.name == "chain");
  CHECK(t.enabled);
  REQUIRE(t.nodes.size() == 3);
  CHECK(t.nodes[0].id == "a");
  CHECK(t.nodes[0].type == "core.pass");
  CHECK(t.nodes[0].config == json::object());
  CHECK(t.nodes[0].concurrency == 1);
  CHECK(t.nodes[0].max_batch == 1);
  CHECK(t.nodes[0].line == 3);
  CHECK(t.nodes[2].line == 7);
  REQUIRE(t.edges.size() == 2);
  CHECK((t.edges[0].from == "a" && t.edges[0].to == "b" && t.edges[0].line == 10));
  CHECK((t.edges[1].from == "b" && t.edges[1].to == "c" && t.edges[1].line == 10));
  CHECK(t.entry_nodes() == Ids{"a"});
  CHECK(t.followers("b") == Ids{"c"});
  CHECK(t.file == fixture("chain.yaml"));
}

TEST_CASE("a diamond has one entry node and two followers at the fork") {
  Topology t = load_good("diamond.yaml");
  CHECK(t.entry_nodes() == Ids{"a"});
  CHECK(t.followers("a") == Ids{"b", "c"});
  CHECK(t.followers("b") == Ids{"d"});
  CHECK(t.followers("c") == Ids{"d"});  // "  c  ->  d  ": whitespace does not matter
  CHECK(t.followers("d").empty());
  REQUIRE(t.node("b"));
  CHECK(t.node("b")->type == "core.log");
  CHECK(t.node("zz") == nullptr);
}

TEST_CASE("a fan-out keeps node settings and configs with YAML scalar types") {
  Topology t = load_good("fan-out.yaml");
  CHECK(t.name == "fan-out");
  CHECK_FALSE(t.enabled);
  CHECK(t.followers("source") == Ids{"log", "count", "probe"});
  CHECK(t.entry_nodes() == Ids{"source"});
  CHECK(t.node("source")->concurrency == 4);
  CHECK(t.node("source")->config == json::parse(R"({"defaults":{"fanout":3,"tag":true}})"));
  CHECK(t.node("log")->config == json::parse(R"({"level":"warn","prefix":"007"})"));
  CHECK(t.node("count")->config == json::parse(R"({"key":"items"})"));
  CHECK(t.node("probe")->max_batch == 250);
  CHECK(
      t.node("probe")->config ==
      json::parse(R"({"ratio":0.5,"retries":3,"mask":31,"flags":[true,"true",null,"no","yes"]})"));
}

TEST_CASE("content_hash is the sha256 of the file's bytes") {
  // printf 'name: one\nnodes:\n  - {id: a, type: core.pass}\n' | sha256sum
  const std::string text = "name: one\nnodes:\n  - {id: a, type: core.pass}\n";
  LoadResult r = weir::topology::load_topology_text(text, "one.yaml", catalog());
  REQUIRE(r.topology);
  CHECK(r.topology->content_hash ==
        "05c7bda9fd71ad1631011c3dfd09f69f3a421da60c60330f58bbe9a96a26d47d");
  LoadResult changed = weir::topology::load_topology_text(text + "# note\n", "one.yaml", catalog());
  REQUIRE(changed.topology);
  CHECK(changed.topology->content_hash != r.topology->content_hash);
}

TEST_CASE("delta: an overlap, the default one, and a bad one named at its line") {
  auto load = [](const std::string& delta) {
    return weir::topology::load_topology_text(
        "name: x\n" + delta + "\nnodes: [{id: a, type: core.pass}]\n", "d.yaml", catalog());
  };
  LoadResult none = weir::topology::load_topology_text(
      "name: x\nnodes: [{id: a, type: core.pass}]\n", "d.yaml", catalog());
  REQUIRE(none.topology);
  CHECK_FALSE(none.topology->delta_overlap_ms);
  LoadResult given = load("delta: {overlap: 5m}");
  REQUIRE(given.topology);
  CHECK(given.topology->delta_overlap_ms == 300000);
  LoadResult by_default = load("delta: {}");
  REQUIRE(by_default.topology);
  CHECK(by_default.topology->delta_overlap_ms == weir::topology::kDefaultDeltaOverlapMs);
  LoadResult bad = load("delta:\n  overlap: soon");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "d.yaml:3: delta overlap must be a duration up to 1d (0s, 500ms, 1s, 5m), got 'soon'");
  LoadResult typo = load("delta: {overlay: 1s}");
  REQUIRE(typo.errors.size() == 1);
  CHECK_THAT(typo.errors[0].to_string(),
             Catch::StartsWith("d.yaml:2: unknown key 'overlay' in delta"));
  LoadResult flag = load("delta: true");
  REQUIRE(flag.errors.size() == 1);
  CHECK(flag.errors[0].to_string() ==
        "d.yaml:2: delta must be a mapping such as {overlap: 1s}, got 'true'");
}

TEST_CASE("a trigger's start: must name a node, said at its line") {
  LoadResult good = weir::topology::load_topology_text(
      "name: x\ntrigger: {cron: \"@every 1m\", start: b}\nnodes: [{id: a, type: core.pass}, "
      "{id: b, type: core.pass}]\n", "s.yaml", catalog());
  REQUIRE(good.topology);
  CHECK(good.topology->triggers.at(0).start == "b");
  LoadResult bad = weir::topology::load_topology_text(
      "name: x\ntriggers:\n  - id: poll\n    cron: \"@every 1m\"\n    start: c\n"
      "nodes: [{id: a, type: core.pass}, {id: b, type: core.pass}]\n", "s.yaml", catalog());
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "s.yaml:5: trigger 'poll' starts at 'c', which is no node of this topology (nodes: a, b)");
}

TEST_CASE("text loads use the label as the file") {
  LoadResult r = weir::topology::load_topology_text("name: x\nnodes: [{id: a, type: core.pas}]\n",
                                                    "inline.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].to_string(),
             Equals("inline.yaml:2: node 'a' has unknown type 'core.pas' (did you mean core.pass? "
                    "known: core.comparator, core.log, core.mapper, core.pass)"));
}

// ---- broken topologies: one rule each ----

TEST_CASE("an unknown top-level key names the allowed keys and the likely one") {
  auto errors = errors_of("unknown_top_key");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "unknown_top_key.yaml:6");
  CHECK(errors[0].message ==
        "unknown top-level key 'edgs' (did you mean edges? allowed: name, "
        "enabled, description, nodes, edges, trace, trigger, triggers, delta)");
}

TEST_CASE("an unknown node key is named with the node, and the missing type too") {
  auto errors = errors_of("unknown_node_key");
  REQUIRE(errors.size() == 2);
  CHECK(where(errors[0]) == "unknown_node_key.yaml:4");
  CHECK(errors[0].message == "missing required key 'type' in node 'a'");
  CHECK(where(errors[1]) == "unknown_node_key.yaml:5");
  CHECK_THAT(errors[1].message, Contains("unknown key 'tpye' in node 'a' (did you mean type? "
                                         "allowed: id, type, config, concurrency, max_batch"));
}

TEST_CASE("values of the wrong kind say what was expected and what was found") {
  auto errors = errors_of("wrong_value_type");
  REQUIRE(errors.size() == 6);
  CHECK(where(errors[0]) == "wrong_value_type.yaml:3");
  CHECK(errors[0].message == "enabled must be true or false, got 'yes'");
  CHECK(where(errors[1]) == "wrong_value_type.yaml:7");
  CHECK(errors[1].message ==
        "node 'a': concurrency must be a whole number from 1 to 1024, got 'many'");
  CHECK(where(errors[2]) == "wrong_value_type.yaml:10");
  CHECK(errors[2].message ==
        "node 'b': concurrency must be a whole number from 1 to 1024, got the string \"4\"");
  CHECK(where(errors[3]) == "wrong_value_type.yaml:12");
  CHECK(errors[3].message == "node 'c': type must be a string, got a list");
  CHECK(where(errors[4]) == "wrong_value_type.yaml:13");
  CHECK(errors[4].message == "node 'c': max_batch must be a whole number of at least 1, got '2.5'");
  // config: verbose (line 16) is reported too: see the next test.
}

TEST_CASE("a config that is not a mapping is refused at its line") {
  auto errors = errors_of("wrong_value_type");
  REQUIRE_FALSE(errors.empty());
  CHECK(where(errors.back()) == "wrong_value_type.yaml:16");
  CHECK(errors.back().message == "node 'd': config must be a mapping, got 'verbose'");
}

TEST_CASE("missing required keys are named where their mapping starts") {
  auto errors = errors_of("missing_keys");
  REQUIRE(errors.size() == 2);
  CHECK(where(errors[0]) == "missing_keys.yaml:2");
  CHECK(errors[0].message == "missing required key 'name' at the top level");
  CHECK(where(errors[1]) == "missing_keys.yaml:3");
  CHECK(errors[1].message == "missing required key 'type' in node 'a'");
}

TEST_CASE("names that are not ids, and types without a plugin, are refused") {
  auto errors = errors_of("bad_names");
  REQUIRE(errors.size() == 3);
  CHECK(where(errors[0]) == "bad_names.yaml:2");
  CHECK_THAT(errors[0].message, Contains("topology name 'Product Sync' is not valid (lower-case"));
  CHECK(where(errors[1]) == "bad_names.yaml:4");
  CHECK_THAT(errors[1].message, Contains("node id 'Map' is not valid"));
  CHECK(where(errors[2]) == "bad_names.yaml:7");
  CHECK(errors[2].message ==
        "node 'b': type 'pass' must look like '<plugin>.<node>' (did you mean core.pass?)");
}

TEST_CASE("a duplicate node id names the line of the first") {
  auto errors = errors_of("duplicate_node_id");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "duplicate_node_id.yaml:8");
  CHECK(errors[0].message == "node id 'b' is already used at line 6");
}

TEST_CASE("an unknown type offers the closest known type and the plugin's types") {
  auto errors = errors_of("unknown_type");
  REQUIRE(errors.size() == 2);
  CHECK(where(errors[0]) == "unknown_type.yaml:7");
  CHECK(errors[0].message ==
        "node 'map' has unknown type 'core.pas' (did you mean core.pass? "
        "known: core.comparator, core.log, core.mapper, core.pass)");
  CHECK(where(errors[1]) == "unknown_type.yaml:9");
  CHECK_THAT(errors[1].message, Contains("node 'shop' has unknown type 'shop.upsert' "
                                         "(no plugin 'shop' is loaded; did you mean erp.upsert? "
                                         "known: "));
  CHECK_THAT(errors[1].message, Contains("core.pass") && Contains("testkit.counter"));
}

TEST_CASE("an edge to an undeclared node lists the nodes") {
  auto errors = errors_of("dangling_edge");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "dangling_edge.yaml:12");
  CHECK(errors[0].message == "edge a -> x: unknown node 'x' (nodes: a, b, c)");
}

TEST_CASE("an edge declared twice names the first declaration, in either form") {
  auto errors = errors_of("duplicate_edge");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "duplicate_edge.yaml:10");
  CHECK(errors[0].message == "edge a -> b is declared twice (first at line 9)");
}

TEST_CASE("a node cannot feed itself") {
  auto errors = errors_of("self_edge");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "self_edge.yaml:7");
  CHECK(errors[0].message == "edge a -> a: a node cannot feed itself");
}

TEST_CASE("a cycle is named in full at the edge that closes it") {
  auto errors = errors_of("cycle");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "cycle.yaml:14");
  CHECK(errors[0].message == "cycle: a -> b -> c -> a");
}

TEST_CASE("edges that are neither 'a -> b' nor {from, to} say which forms work") {
  auto errors = errors_of("bad_edge_syntax");
  REQUIRE(errors.size() == 7);
  CHECK(where(errors[0]) == "bad_edge_syntax.yaml:9");
  CHECK(errors[0].message == "edge 'a => b' must look like 'a -> b' or 'a -> b -> c'");
  CHECK(where(errors[1]) == "bad_edge_syntax.yaml:10");
  CHECK(errors[1].message == "edge 'a ->' must look like 'a -> b' or 'a -> b -> c'");
  CHECK(where(errors[2]) == "bad_edge_syntax.yaml:11");
  CHECK_THAT(errors[2].message, Contains("edge 'a -> B': 'B' is not a valid node id"));
  CHECK(where(errors[3]) == "bad_edge_syntax.yaml:12");
  CHECK_THAT(errors[3].message,
             Contains("an edge must be 'a -> b', 'a -> b -> c' or {from: a, to: b}, "
                      "got a list"));
  CHECK(where(errors[4]) == "bad_edge_syntax.yaml:13");
  CHECK(errors[4].message == "unknown key 'too' in an edge (did you mean to? allowed: from, to)");
  CHECK(where(errors[5]) == "bad_edge_syntax.yaml:13");
  CHECK(errors[5].message == "missing required key 'to' in an edge");
  CHECK(where(errors[6]) == "bad_edge_syntax.yaml:14");
  CHECK(errors[6].message == "edge: 'to' is an empty list (name at least one node)");
}

TEST_CASE("config errors from the type's schema name the line of the offending key") {
  auto errors = errors_of("bad_config");
  REQUIRE(errors.size() == 3);
  CHECK(where(errors[0]) == "bad_config.yaml:7");
  CHECK(errors[0].message ==
        "node 'quiet' config /level: \"verbose\" is not one of "
        "[\"trace\",\"debug\",\"info\",\"warn\",\"error\"]");
  CHECK(where(errors[1]) == "bad_config.yaml:8");
  CHECK(errors[1].message == "node 'quiet' config /prefix: expected string, got integer 7");
  CHECK(where(errors[2]) == "bad_config.yaml:13");
  CHECK(errors[2].message == "node 'typo' config /: unknown key \"lvl\" (allowed: level, prefix)");
}

TEST_CASE("the node type's own validate_config is asked once the schema passes") {
  auto errors = errors_of("plugin_rejects_config");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "plugin_rejects_config.yaml:6");
  CHECK(errors[0].message ==
        "node 'count' config: testkit.counter: key must be a non-empty string, got \"\"");
}

TEST_CASE("a config value with no JSON form is the only error for that config") {
  auto errors = errors_of("config_not_json");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "config_not_json.yaml:8");
  CHECK_THAT(errors[0].message, StartsWith("node 'a' config /level: .inf has no JSON form"));
}

TEST_CASE("max_batch above the node type's limit names the limit") {
  auto errors = errors_of("max_batch");
  REQUIRE(errors.size() == 1);  // batch_probe takes 1000: allowed
  CHECK(where(errors[0]) == "max_batch.yaml:6");
  CHECK(errors[0].message ==
        "node 'count': max_batch 5 is more than type testkit.counter takes "
        "(at most 1)");
}

TEST_CASE("a YAML syntax error names its line") {
  auto errors = errors_of("yaml_syntax");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "yaml_syntax.yaml:6");  // yaml-cpp says 7, after the end
  CHECK_THAT(errors[0].message, Contains("YAML syntax error: end of sequence flow not found"));
}

TEST_CASE("an empty file, or one with only comments, is an error") {
  for (const char* kind : {"empty", "comments_only"}) {
    auto errors = errors_of(kind);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 1);
    CHECK_THAT(errors[0].message, Contains("the file is empty"));
  }
}

TEST_CASE("a top level that is not a mapping is refused") {
  auto errors = errors_of("not_a_mapping");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "not_a_mapping.yaml:1");
  CHECK(errors[0].message ==
        "the top level must be a mapping with 'name', 'nodes' and 'edges', "
        "got a list");
}

TEST_CASE("a topology needs at least one node") {
  auto errors = errors_of("no_nodes");
  REQUIRE(errors.size() == 1);
  CHECK(where(errors[0]) == "no_nodes.yaml:2");
  CHECK_THAT(errors[0].message, Contains("nodes must be a non-empty list"));
}

TEST_CASE("a key written twice in one mapping names the first") {
  auto errors = errors_of("duplicate_key");
  REQUIRE(errors.size() == 2);
  CHECK(where(errors[0]) == "duplicate_key.yaml:3");
  CHECK(errors[0].message == "key 'name' appears twice (first at line 2)");
  CHECK(where(errors[1]) == "duplicate_key.yaml:9");
  CHECK(errors[1].message == "node 'a' config /level: key 'level' appears twice (first at line 8)");
}

TEST_CASE("every error is reported, in line order") {
  auto errors = errors_of("many_errors");
  std::vector<std::string> found;
  for (const auto& e : errors) found.push_back(where(e) + " " + e.message.substr(0, 19));
  CHECK(found == std::vector<std::string>{
                     "many_errors.yaml:5 node 'a' has unknow",
                     "many_errors.yaml:9 node 'b' config /le",
                     "many_errors.yaml:11 edge a -> c: unknow",
                     "many_errors.yaml:12 cycle: a -> b -> a",
                 });
}

TEST_CASE("a file with two YAML documents is refused at the second") {
  LoadResult r = weir::topology::load_topology_text(
      "name: a\nnodes: [{id: a, type: core.pass}]\n---\nname: b\n", "two.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "two.yaml:3: a topology file holds one YAML document; a second one starts here");
}

TEST_CASE("concurrency is at most 1024, and an empty config is an empty object") {
  const std::string text =
      "name: c\nnodes:\n  - id: a\n    type: core.pass\n    config:\n    concurrency: ";
  LoadResult ok = weir::topology::load_topology_text(text + "1024\n", "c.yaml", catalog());
  REQUIRE(ok.topology);
  CHECK(ok.topology->nodes[0].concurrency == 1024);
  CHECK(ok.topology->nodes[0].config == json::object());
  LoadResult over = weir::topology::load_topology_text(text + "1025\n", "c.yaml", catalog());
  REQUIRE(over.errors.size() == 1);
  CHECK(over.errors[0].to_string() ==
        "c.yaml:6: node 'a': concurrency must be a whole number from 1 to 1024, got '1025'");
}

TEST_CASE("to_string is file:line: message, without the line when there is none") {
  CHECK(TopologyError{"t.yaml", 4, "bad"}.to_string() == "t.yaml:4: bad");
  CHECK(TopologyError{"t.yaml", 0, "bad"}.to_string() == "t.yaml: bad");
}

// ---- files and directories ----

TEST_CASE("a missing file is an error naming it") {
  LoadResult r = weir::topology::load_topology_file(fixture("no-such.yaml"), catalog());
  CHECK_FALSE(r.topology);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == fixture("no-such.yaml") + ": topology file not found");
}

TEST_CASE("a directory given as a file is an error naming it") {
  LoadResult r = weir::topology::load_topology_file(fixture("directory"), catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == fixture("directory") + ": not a regular file");
}

TEST_CASE("a directory loads its .yaml and .yml files, refusing a repeated name") {
  auto dir = weir::topology::load_topology_directory(fixture("directory"), catalog());
  std::vector<std::string> names;
  for (const auto& t : dir.topologies) names.push_back(t.name);
  CHECK(names == Ids{"orders", "products"});  // sorted by name
  CHECK(dir.topologies[1].file == fixture("directory/10-products.yaml"));
  REQUIRE(dir.errors.size() == 2);
  CHECK(where(dir.errors[0]) == "30-products-again.yaml:2");
  CHECK(dir.errors[0].message ==
        "topology name 'products' is already used by " + fixture("directory/10-products.yaml:1"));
  CHECK(where(dir.errors[1]) == "40-broken.yaml:4");
  CHECK_THAT(dir.errors[1].message, Contains("unknown type 'core.nope'"));
}

TEST_CASE("the good fixtures load as one directory") {
  auto dir = weir::topology::load_topology_directory(fixture(""), catalog());
  for (const auto& e : dir.errors) UNSCOPED_INFO(e.to_string());
  CHECK(dir.errors.empty());
  std::vector<std::string> names;
  for (const auto& t : dir.topologies) names.push_back(t.name);
  CHECK(names == Ids{"chain", "diamond", "fan-out"});
}

TEST_CASE("a missing directory is one error") {
  auto dir = weir::topology::load_topology_directory(fixture("nowhere"), catalog());
  CHECK(dir.topologies.empty());
  REQUIRE(dir.errors.size() == 1);
  CHECK(dir.errors[0].message == "topology directory not found");
}

TEST_CASE("a file that changes on disk loads its new content and hash") {
  weir::test::TempDir tmp;
  std::string path = tmp.file("t.yaml");
  std::ofstream(path) << "name: t\nnodes: [{id: a, type: core.pass}]\n";
  LoadResult first = weir::topology::load_topology_file(path, catalog());
  std::ofstream(path) << "name: t\nnodes: [{id: a, type: core.log}]\n";
  LoadResult second = weir::topology::load_topology_file(path, catalog());
  REQUIRE((first.topology && second.topology));
  CHECK(second.topology->nodes[0].type == "core.log");
  CHECK(first.topology->content_hash != second.topology->content_hash);
}

TEST_CASE("a node's retry block overrides the host's policy field by field") {
  auto r = weir::topology::load_topology_text(R"(name: orders
nodes:
  - id: erp
    type: testkit.act
    retry:
      max_attempts: 20
      max_delay: 10m
)", "orders.yaml", catalog());
  REQUIRE(r.errors.empty());
  weir::RetryPolicy p = r.topology->nodes[0].retry.over(weir::RetryPolicy{});
  CHECK(p.max_attempts == 20);
  CHECK(p.max_delay == std::chrono::minutes(10));
  CHECK(p.delay == weir::RetryPolicy{}.delay);
}

TEST_CASE("a bad retry block is refused at the line of the bad value") {
  auto r = weir::topology::load_topology_text(R"(name: orders
nodes:
  - id: erp
    type: testkit.act
    retry:
      delay: whenever
      tries: 3
)", "orders.yaml", catalog());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].to_string() ==
        "orders.yaml:6: node 'erp': retry.delay must be a duration such as 500ms, 30s, 5m or 1h, "
        "got 'whenever'");
  CHECK_THAT(r.errors[1].to_string(),
             Catch::StartsWith("orders.yaml:7: node 'erp': unknown key 'retry.tries'"));
}

// ---- triggers ---------------------------------------------------------------

TEST_CASE("a topology declares one trigger or a list of named ones") {
  auto one = weir::topology::load_topology_text(R"(name: stock
trigger: {cron: "*/5 * * * *"}
nodes:
  - {id: read, type: core.pass}
)", "stock.yaml", catalog());
  REQUIRE(one.errors.empty());
  REQUIRE(one.topology->triggers.size() == 1);
  CHECK(one.topology->triggers[0].id == "cron");
  CHECK(one.topology->triggers[0].cron == "*/5 * * * *");
  CHECK(one.topology->triggers[0].timezone.empty());  // the host's
  CHECK_FALSE(one.topology->triggers[0].overlap);
  CHECK(one.topology->triggers[0].payload == json::object());

  auto many = weir::topology::load_topology_text(R"(name: catalog
triggers:
  - id: nightly
    cron: "0 2 * * *"
    timezone: Europe/Prague
    payload: {full: true}
  - {id: delta, cron: "@every 10m", overlap: true}
nodes:
  - {id: read, type: core.pass}
)", "catalog.yaml", catalog());
  REQUIRE(many.errors.empty());
  REQUIRE(many.topology->triggers.size() == 2);
  CHECK(many.topology->triggers[0].timezone == "Europe/Prague");
  CHECK(many.topology->triggers[0].payload == json{{"full", true}});
  CHECK(many.topology->triggers[1].id == "delta");
  CHECK(many.topology->triggers[1].overlap);
}

TEST_CASE("bad triggers are refused at their lines with what to write instead") {
  auto r = weir::topology::load_topology_text(R"(name: catalog
triggers:
  - id: nightly
    cron: "0 25 * * *"
  - id: nightly
    cron: "@every 5m"
    timezone: Europe/Atlantis
  - cron: "@daily"
    ovrlap: true
nodes:
  - {id: read, type: core.pass}
)", "catalog.yaml", catalog());
  std::vector<std::string> errors;
  for (const auto& e : r.errors) errors.push_back(e.to_string());
  INFO(Catch::Detail::stringify(errors));
  REQUIRE(errors.size() == 5);
  // (sorted by line)
  CHECK_THAT(errors[0], StartsWith("catalog.yaml:4: a trigger: cron '0 25 * * *': hour '25'") &&
                            Contains("out of range (0..23)"));
  CHECK_THAT(errors[1], StartsWith("catalog.yaml:5: trigger id 'nightly' appears twice"));
  CHECK_THAT(errors[2], StartsWith("catalog.yaml:7: a trigger: time zone 'Europe/Atlantis'") &&
                            Contains("not found"));
  CHECK_THAT(errors[3], StartsWith("catalog.yaml:8: a trigger needs an 'id'"));
  CHECK_THAT(errors[4], StartsWith("catalog.yaml:9: unknown key 'ovrlap' in a trigger") &&
                            Contains("did you mean overlap?"));

  auto both = weir::topology::load_topology_text(R"(name: x
trigger: {cron: "@hourly"}
triggers: [{id: a, cron: "@daily"}]
nodes:
  - {id: read, type: core.pass}
)", "x.yaml", catalog());
  REQUIRE(both.errors.size() == 1);
  CHECK_THAT(both.errors[0].to_string(),
             StartsWith("x.yaml:3: use either 'trigger' (one) or 'triggers' (a list), not both"));
}

// ---- hostile files: bounded work, clear errors --------------------------------

namespace {

// A topology whose node's config holds `value` (YAML text) under defaults.
std::string with_defaults(const std::string& value) {
  return "name: hostile\nnodes:\n  - id: a\n    type: testkit.act\n    config:\n      defaults: " +
         value + "\nedges: []\n";
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a billion-laughs file is refused where the aliases expand, not expanded") {
  // Ten anchors, each nine uses of the one before: 9^10 (3.4 billion) values.
  std::string laughs = "{l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    laughs += ",\n        l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 9; ++k) laughs += ", " + prev;
    laughs += "]";
  }
  laughs += "}";
  LoadResult r = weir::topology::load_topology_text(with_defaults(laughs), "laughs.yaml", catalog());
  REQUIRE_FALSE(r.topology);
  CHECK_THAT(all_errors(r), Contains("expands to more than 100000 values") &&
                                Contains("refused rather than expanded") &&
                                StartsWith("laughs.yaml:"));
}

TEST_CASE("a config nested deeper than 256 levels is an error at its line") {
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  LoadResult r = weir::topology::load_topology_text(with_defaults(deep), "deep.yaml", catalog());
  REQUIRE_FALSE(r.topology);
  std::string path = "/defaults";  // shortened: its first 35 of 300 levels, then "..."
  for (int i = 0; i < 35; ++i) path += "/0";
  CHECK_THAT(all_errors(r), Equals("deep.yaml:6: node 'a' config " + path +
                                   "/...: nests deeper than 256 levels\n"));
}

TEST_CASE("YAML deeper than the parser takes, and files over 4 MiB, are refused with their name") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  LoadResult r = weir::topology::load_topology_text(with_defaults(deep), "deeper.yaml", catalog());
  REQUIRE_FALSE(r.topology);
  CHECK_THAT(all_errors(r), StartsWith("deeper.yaml:6: YAML nested too deeply"));

  weir::test::TempDir dir;
  const std::string big = dir.file("big.yaml");
  std::ofstream(big) << with_defaults("x") << "# " << std::string(5u << 20, 'x') << "\n";
  r = weir::topology::load_topology_file(big, catalog());
  REQUIRE_FALSE(r.topology);
  CHECK_THAT(all_errors(r), Contains("big.yaml") && Contains("a topology file may have at most"));
}

TEST_CASE("a file that is not UTF-8 is refused at the byte, before anything reads it") {
  // Found by the fuzzer: a config key or value with such a byte reached
  // nlohmann's dump(), which throws, and aborted `weir topology validate`.
  LoadResult r = weir::topology::load_topology_text(
      with_defaults("{l\xa4: 1}"), "latin1.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "latin1.yaml:6: the file is not UTF-8 text: byte 0xa4 at column 19");
  r = weir::topology::load_topology_text(with_defaults("{level: caf\xe9}"), "latin1.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].to_string(), StartsWith("latin1.yaml:6: the file is not UTF-8 text: byte 0xe9"));
  // UTF-8 itself is fine, of course.
  CHECK(weir::topology::load_topology_text(with_defaults("{note: café}"), "ok.yaml", catalog())
            .errors.empty());
}

TEST_CASE("a file with a NUL byte is refused at the byte, as yaml-cpp would read it as UTF-32") {
  // Found by the fuzzer: NULs near the start make yaml-cpp decode the file as
  // UTF-16/32, and a code point above U+10FFFF came out as a config string
  // that is not UTF-8, which aborted the JSON dump of the config.
  std::string utf32;
  const std::string text = with_defaults("{level: \"X\"}");
  for (char c : text) {
    const std::uint32_t cp = c == 'X' ? 0x110000 : static_cast<unsigned char>(c);
    for (int shift = 24; shift >= 0; shift -= 8) utf32.push_back(static_cast<char>(cp >> shift));
  }
  LoadResult r = weir::topology::load_topology_text(utf32, "utf32.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "utf32.yaml:1: the file holds a NUL byte at column 1, which YAML text cannot (weir reads "
        "UTF-8; is the file UTF-16 or UTF-32?)");
  r = weir::topology::load_topology_text(with_defaults(std::string("{note: a\0b}", 12)),
                                         "nul.yaml", catalog());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].to_string(), StartsWith("nul.yaml:6: the file holds a NUL byte at column 25"));
}

TEST_CASE("the one-byte file ',' is refused, not read forever") {
  // Found by the fuzzer: yaml-cpp 0.7's LoadAll adds empty documents for
  // ever on it, until memory runs out.
  LoadResult r = weir::topology::load_topology_text(",", "comma.yaml", catalog());
  REQUIRE_FALSE(r.topology);
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].to_string(), StartsWith("comma.yaml:1: "));
}

// ---- applications ----

TEST_CASE("a node names its application with app:, checked against the apps in effect") {
  const std::string text = "name: sync\nnodes:\n  - {id: a, type: core.pass, app: shop}\n"
                           "  - {id: b, type: core.pass, app: shpo}\n";
  const weir::topology::AppNames apps = {{"erp", "http"}, {"shop", "http"}};
  LoadResult r = weir::topology::load_topology_text(text, "/t/sync.yaml", catalog(), &apps);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "/t/sync.yaml:4: node 'b': unknown application 'shpo' (did you mean shop? known: erp, shop)");
  // Without apps to check against (`weir topology validate`), it is read as written.
  LoadResult unchecked = weir::topology::load_topology_text(text, "/t/sync.yaml", catalog());
  REQUIRE(unchecked.topology);
  CHECK(unchecked.topology->nodes[0].app == "shop");
  CHECK(unchecked.topology->nodes[1].app == "shpo");
  const weir::topology::AppNames none;
  r = weir::topology::load_topology_text(text, "/t/sync.yaml", catalog(), &none);
  REQUIRE(r.errors.size() == 2);
  CHECK_THAT(r.errors[0].message, Catch::Contains("known: none, apps_dir has no valid app"));
}
