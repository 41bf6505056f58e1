// The hot reload's decisions (runtime/reload_plan.hpp), row by row of the
// table in docs/architecture.md ("Hot reload"), and in combination. Pure
// functions of values: what runs now and what a rescan found go in,
// decisions come out; Host::reload carries them out (tests/e2e/reload_test.cpp).
#include <catch2/catch.hpp>

#include <algorithm>

#include "runtime/reload_plan.hpp"

using namespace weir;
using namespace weir::runtime;
using Kind = TopologyDecision::Kind;
using Event = PluginEvent::Kind;

namespace {

// What is in effect after `d` (its install done or failed); a decision that
// keeps nothing fails the test here rather than dereference an empty optional.
topology::Topology kept(const TopologyDecision& d, bool install_ok) {
  auto t = in_effect_after(d, install_ok);
  REQUIRE(t.has_value());
  return *t;
}

const std::string kTopologies = "/srv/weir/topologies/";
const std::string kPlugins = "/srv/weir/plugins/";

// A topology read from `file` (under kTopologies), with one node per type.
topology::Topology topo(const std::string& name, const std::string& hash,
                        std::vector<std::string> types = {"core.pass"}, bool enabled = true,
                        const std::string& file = "") {
  topology::Topology t;
  t.name = name;
  t.file = kTopologies + (file.empty() ? name + ".yaml" : file);
  t.content_hash = hash;
  t.enabled = enabled;
  int i = 0;
  for (auto& type : types) t.nodes.push_back(topology::NodeSpec{"n" + std::to_string(i++), type});
  return t;
}

PluginBuild build(const std::string& name, const std::string& sha, const std::string& file = "") {
  return PluginBuild{kPlugins + (file.empty() ? name + ".so" : file), name, sha.substr(0, 1), sha};
}

PluginFile file_of(const PluginBuild& b) { return PluginFile{b.file, b.sha256}; }

topology::TopologyError error_in(const topology::Topology& t, int line, const std::string& what) {
  return topology::TopologyError{t.file, line, what};
}

// A host running `plugins` and `topologies` (all running unless disabled),
// rescanned: every plugin file as it was, every topology file as it was.
struct Rescan {
  Rescan(std::vector<PluginBuild> plugins, std::vector<topology::Topology> topologies) {
    before.plugins = plugins;
    for (const auto& p : plugins) scan.plugin_files.push_back(file_of(p));
    for (auto& t : topologies) {
      before.topologies.push_back({t, t.enabled});
      scan.existing_files.insert(t.file);
      scan.topologies.topologies.push_back(t);
    }
  }
  // The file of topology `name` now reads as `t` (valid).
  void edit(const topology::Topology& t) {
    remove_topology(t.name);
    scan.topologies.topologies.push_back(t);
  }
  // The file of `t` is there, with errors.
  void break_file(const topology::Topology& t, std::vector<topology::TopologyError> errors) {
    remove_topology(t.name);
    for (auto& e : errors) scan.topologies.errors.push_back(e);
  }
  void delete_file(const topology::Topology& t) {
    remove_topology(t.name);
    scan.existing_files.erase(t.file);
  }
  void remove_topology(const std::string& name) {
    std::erase_if(scan.topologies.topologies,
                  [&](const topology::Topology& t) { return t.name == name; });
  }
  // Plugin files: replaced (or new) with these bytes, and what loading them gives.
  void drop_plugin(const PluginBuild& b) {
    std::erase_if(scan.plugin_files, [&](const PluginFile& f) { return f.file == b.file; });
    scan.plugin_files.push_back(file_of(b));
  }
  void remove_plugin(const std::string& file) {
    std::erase_if(scan.plugin_files, [&](const PluginFile& f) { return f.file == file; });
  }
  // Step 1, then the loads it asks for give `outcomes` (by file).
  PluginFileSteps load(const std::vector<PluginLoad>& outcomes) {
    const PluginFileSteps steps = plan_plugin_files(before.plugins, scan.plugin_files);
    for (const auto& file : steps.load) {
      auto it = std::find_if(outcomes.begin(), outcomes.end(),
                             [&](const PluginLoad& l) { return l.file == file; });
      INFO("step 1 loads " << file << ", which the test did not expect");
      REQUIRE(it != outcomes.end());
      scan.loads.push_back(*it);
    }
    return steps;
  }
  ReloadPlan plan() const { return plan_reload(before, scan); }

  ReloadBefore before;
  ReloadScan scan;
};

TopologyDecision decision(const ReloadPlan& plan, const std::string& name) {
  for (const auto& d : plan.topologies) {
    if (d.topology.name == name) return d;
  }
  FAIL("no decision for " << name);
  throw 0;
}

std::vector<Event> events(const ReloadPlan& plan) {
  std::vector<Event> out;
  for (const auto& e : plan.plugin_events) out.push_back(e.kind);
  return out;
}

PluginLoad loaded(const PluginBuild& b) { return PluginLoad{b.file, b, ""}; }
PluginLoad refused(const std::string& file, const std::string& why) {
  return PluginLoad{file, std::nullopt, why};
}

}  // namespace

TEST_CASE("reload plan: nothing changed, nothing is done") {
  Rescan r({build("core", "c1"), build("testkit", "t1")},
           {topo("orders", "h1", {"core.pass", "testkit.act"})});
  const PluginFileSteps steps = r.load({});
  CHECK(steps.forget.empty());
  CHECK(steps.load.empty());  // the same bytes: not loaded again
  const ReloadPlan plan = r.plan();
  CHECK(plan.plugin_events.empty());
  CHECK(plan.changed_plugins.empty());
  REQUIRE(plan.topologies.size() == 1);
  const TopologyDecision& d = plan.topologies[0];
  CHECK(d.kind == Kind::unchanged);
  CHECK_FALSE(d.install);
  CHECK_FALSE(d.take_out);
  CHECK(kept(d, true).content_hash == "h1");
}

TEST_CASE("reload plan: a new valid topology file is installed") {
  Rescan r({build("core", "c1")}, {topo("orders", "h1")});
  r.scan.topologies.topologies.push_back(topo("stock", "s1"));
  const ReloadPlan plan = r.plan();
  REQUIRE(plan.topologies.size() == 2);
  const TopologyDecision d = decision(plan, "stock");
  CHECK(d.kind == Kind::added);
  CHECK(d.install);
  CHECK(d.why == "added");
  CHECK_FALSE(d.previous);
  CHECK(kept(d, true).name == "stock");
  CHECK_FALSE(in_effect_after(d, false));  // an install that failed leaves nothing in effect
  CHECK(decision(plan, "orders").kind == Kind::unchanged);
}

TEST_CASE("reload plan: a new file with enabled: false is listed and not installed") {
  Rescan r({build("core", "c1")}, {});
  r.scan.topologies.topologies.push_back(topo("stock", "s1", {"core.pass"}, false));
  const TopologyDecision d = decision(r.plan(), "stock");
  CHECK(d.kind == Kind::disabled);
  CHECK_FALSE(d.install);
  CHECK_FALSE(d.take_out);
  CHECK_FALSE(kept(d, true).enabled);
}

TEST_CASE("reload plan: a changed valid file's new version replaces the running one") {
  Rescan r({build("core", "c1")}, {topo("orders", "h1")});
  r.edit(topo("orders", "h2"));
  const TopologyDecision d = decision(r.plan(), "orders");
  CHECK(d.kind == Kind::changed);
  CHECK(d.install);
  CHECK(d.why == "changed: new version");
  CHECK(d.topology.content_hash == "h2");
  CHECK(kept(d, true).content_hash == "h2");
  CHECK(kept(d, false).content_hash == "h1");  // the install failed: the old one runs on
}

TEST_CASE("reload plan: an invalid file changes nothing and its errors go with the running version") {
  const auto orders = topo("orders", "h1");
  Rescan r({build("core", "c1")}, {orders, topo("stock", "s1")});
  r.break_file(orders, {error_in(orders, 3, "node n0 has unknown type core.passs")});
  r.scan.topologies.errors.push_back({kTopologies + "new.yaml", 1, "not a mapping"});
  const ReloadPlan plan = r.plan();
  const TopologyDecision d = decision(plan, "orders");
  CHECK(d.kind == Kind::invalid);
  CHECK(d.running);
  CHECK_FALSE(d.install);
  CHECK_FALSE(d.take_out);
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].line == 3);
  CHECK(kept(d, true).content_hash == "h1");
  CHECK(decision(plan, "stock").kind == Kind::unchanged);
  // The error of a file no topology in effect came from is reported on its own.
  REQUIRE(plan.new_file_errors.size() == 1);
  CHECK(plan.new_file_errors[0].file == kTopologies + "new.yaml");
}

TEST_CASE("reload plan: a removed file takes its topology out and nothing stays in effect") {
  const auto orders = topo("orders", "h1");
  Rescan r({build("core", "c1")}, {orders});
  r.delete_file(orders);
  const TopologyDecision d = decision(r.plan(), "orders");
  CHECK(d.kind == Kind::removed);
  CHECK(d.take_out);
  CHECK_FALSE(d.install);
  CHECK(d.why == orders.file + " was removed");
  CHECK_FALSE(in_effect_after(d, true));
}

TEST_CASE("reload plan: a file that now declares another name takes the old one out and adds the new") {
  const auto orders = topo("orders", "h1");
  Rescan r({build("core", "c1")}, {orders});
  r.remove_topology("orders");
  r.edit(topo("orders-v2", "h2", {"core.pass"}, true, "orders.yaml"));
  const ReloadPlan plan = r.plan();
  CHECK(decision(plan, "orders").kind == Kind::removed);
  CHECK(decision(plan, "orders").why == orders.file + " no longer declares it");
  CHECK(decision(plan, "orders-v2").kind == Kind::added);
}

TEST_CASE("reload plan: enabled: false takes a running topology out and keeps it listed") {
  Rescan r({build("core", "c1")}, {topo("orders", "h1")});
  r.edit(topo("orders", "h2", {"core.pass"}, false));
  const TopologyDecision d = decision(r.plan(), "orders");
  CHECK(d.kind == Kind::disabled);
  CHECK(d.take_out);
  CHECK(d.why == "disabled in " + kTopologies + "orders.yaml");
  CHECK_FALSE(d.install);
  CHECK_FALSE(kept(d, true).enabled);
}

TEST_CASE("reload plan: a disabled topology enabled again is installed, and one removed while disabled is just forgotten") {
  const auto idle = topo("idle", "i1", {"core.pass"}, false);
  Rescan r({build("core", "c1")}, {topo("orders", "h1", {"core.pass"}, false), idle});
  r.edit(topo("orders", "h1"));  // the same name, enabled now
  r.delete_file(idle);
  const ReloadPlan plan = r.plan();
  const TopologyDecision on = decision(plan, "orders");
  CHECK(on.kind == Kind::enabled);
  CHECK(on.install);
  CHECK(on.why == "enabled");
  CHECK_FALSE(kept(on, false).enabled);  // failed: still the disabled one
  const TopologyDecision gone = decision(plan, "idle");
  CHECK(gone.kind == Kind::removed);
  CHECK_FALSE(gone.take_out);  // it did not run
  CHECK_FALSE(in_effect_after(gone, true));
}

TEST_CASE("reload plan: a new .so is loaded") {
  Rescan r({build("core", "c1")}, {topo("orders", "h1")});
  const PluginBuild acme = build("acme", "a1");
  r.drop_plugin(acme);
  const PluginFileSteps steps = r.load({loaded(acme)});
  CHECK(steps.load == std::vector<std::string>{acme.file});
  const ReloadPlan plan = r.plan();
  CHECK(events(plan) == std::vector<Event>{Event::loaded});
  CHECK(plan.plugin_events[0].build.sha256 == "a1");
  CHECK(plan.changed_plugins == std::set<std::string>{"acme"});
  CHECK(decision(plan, "orders").kind == Kind::unchanged);  // it uses no acme node
}

TEST_CASE("reload plan: a changed .so is loaded and every topology with a node of that plugin is installed again") {
  Rescan r({build("core", "c1"), build("testkit", "t1")},
           {topo("orders", "h1", {"core.pass", "testkit.act"}), topo("stock", "s1")});
  const PluginBuild v2 = build("testkit", "t2");
  r.drop_plugin(v2);
  const PluginFileSteps steps = r.load({loaded(v2)});
  CHECK(steps.forget.empty());
  CHECK(steps.load == std::vector<std::string>{v2.file});
  const ReloadPlan plan = r.plan();
  CHECK(events(plan) == std::vector<Event>{Event::replaced});
  CHECK(plan.changed_plugins == std::set<std::string>{"testkit"});
  const TopologyDecision d = decision(plan, "orders");
  CHECK(d.kind == Kind::reinstalled);
  CHECK(d.install);
  CHECK(d.why == "plugin changed: reinstalled");
  CHECK(kept(d, false).content_hash == "h1");
  CHECK(decision(plan, "stock").kind == Kind::unchanged);
}

TEST_CASE("reload plan: a refused .so changes nothing, the build loaded before serves on, and the refusal is logged once") {
  const PluginBuild v1 = build("testkit", "t1");
  Rescan r({build("core", "c1"), v1}, {topo("orders", "h1", {"testkit.act"})});
  PluginBuild bad = build("testkit", "x9");
  r.drop_plugin(bad);
  const std::string why = v1.file + ": ABI major 99, this host speaks 1";
  r.load({refused(v1.file, why)});
  ReloadPlan plan = r.plan();
  REQUIRE(events(plan) == std::vector<Event>{Event::refused});
  CHECK(plan.plugin_events[0].serving);
  CHECK(plan.plugin_events[0].log);
  CHECK(plan.plugin_events[0].reason == why);
  CHECK(plan.changed_plugins.empty());
  REQUIRE(plan.refusals.size() == 1);
  CHECK(plan.refusals[0].path == v1.file);
  CHECK(plan.refusals_logged.at(v1.file) == why);
  CHECK(decision(plan, "orders").kind == Kind::unchanged);

  // The next rescan finds it refused again: listed, not logged again.
  Rescan again = r;
  again.before.refusals_logged = plan.refusals_logged;
  again.scan.loads.clear();
  again.load({refused(v1.file, why)});
  plan = again.plan();
  REQUIRE(events(plan) == std::vector<Event>{Event::refused});
  CHECK_FALSE(plan.plugin_events[0].log);
  CHECK(plan.refusals.size() == 1);
  // ... refused for another reason: logged.
  Rescan other = again;
  other.scan.loads.clear();
  other.load({refused(v1.file, v1.file + ": not a loadable shared library")});
  CHECK(other.plan().plugin_events[0].log);
  // Put back as it was: nothing to load, and the refusal is forgotten.
  Rescan fixed = again;
  fixed.scan.loads.clear();
  fixed.drop_plugin(v1);
  CHECK(fixed.load({}).load.empty());
  plan = fixed.plan();
  CHECK(plan.plugin_events.empty());
  CHECK(plan.refusals.empty());
  CHECK(plan.refusals_logged.count(v1.file) == 0);
}

TEST_CASE("reload plan: a removed .so is forgotten and the topologies using it are installed again to pause their nodes") {
  const auto tagged = topo("tagged", "g1", {"core.pass", "testkit.act"});
  Rescan r({build("core", "c1"), build("testkit", "t1")}, {tagged, topo("stock", "s1")});
  r.remove_plugin(kPlugins + "testkit.so");
  const PluginFileSteps steps = r.load({});
  REQUIRE(steps.forget.size() == 1);
  CHECK(steps.forget[0].name == "testkit");
  // Read against the plugins left, the file names a type nobody has.
  r.break_file(tagged, {error_in(tagged, 4, "node n1 has unknown type testkit.act")});
  const ReloadPlan plan = r.plan();
  CHECK(events(plan) == std::vector<Event>{Event::removed, Event::unprovided});
  CHECK(plan.plugin_events[1].build.name == "testkit");
  CHECK(plan.changed_plugins == std::set<std::string>{"testkit"});
  const TopologyDecision d = decision(plan, "tagged");
  CHECK(d.kind == Kind::invalid);  // its running version stays ...
  CHECK(d.install);                // ... and is installed again: the engine pauses its nodes
  CHECK(d.why == "plugin changed: reinstalled");
  CHECK(d.topology.content_hash == "g1");
  CHECK(kept(d, true).content_hash == "g1");
  CHECK(decision(plan, "stock").kind == Kind::unchanged);
}

TEST_CASE("reload plan: a plugin replaced and a topology using it edited in one scan install it once, as its new version") {
  Rescan r({build("core", "c1"), build("testkit", "t1")},
           {topo("orders", "h1", {"testkit.act"}), topo("stock", "s1", {"testkit.act"})});
  const PluginBuild v2 = build("testkit", "t2");
  r.drop_plugin(v2);
  r.load({loaded(v2)});
  r.edit(topo("orders", "h2", {"testkit.act", "core.pass"}));
  const ReloadPlan plan = r.plan();
  const auto installs = std::count_if(plan.topologies.begin(), plan.topologies.end(),
                                      [](const TopologyDecision& d) { return d.install; });
  CHECK(installs == 2);
  CHECK(decision(plan, "orders").kind == Kind::changed);
  CHECK(decision(plan, "orders").topology.content_hash == "h2");
  CHECK(decision(plan, "stock").kind == Kind::reinstalled);
}

TEST_CASE("reload plan: an invalid file whose plugins did not change is not installed again") {
  const auto orders = topo("orders", "h1", {"testkit.act"});
  Rescan r({build("core", "c1"), build("testkit", "t1")}, {orders});
  const PluginBuild acme = build("acme", "a1");
  r.drop_plugin(acme);
  r.load({loaded(acme)});
  r.break_file(orders, {error_in(orders, 2, "bad")});
  const TopologyDecision d = decision(r.plan(), "orders");
  CHECK(d.kind == Kind::invalid);
  CHECK_FALSE(d.install);
}

TEST_CASE("reload plan: a file that comes back after it was taken out is installed as new") {
  // Taken out at the last rescan: not in effect any more, its messages wait.
  Rescan r({build("core", "c1")}, {});
  r.scan.topologies.topologies.push_back(topo("slow", "w1"));
  const TopologyDecision d = decision(r.plan(), "slow");
  CHECK(d.kind == Kind::added);
  CHECK(d.install);
}

TEST_CASE("reload plan: a topology waiting for a plugin's node types is added once the .so is dropped in") {
  const auto late = topo("late", "l1", {"core.pass", "testkit.record"});
  Rescan r({build("core", "c1")}, {});
  r.scan.topologies.errors.push_back(error_in(late, 4, "unknown type testkit.record"));
  CHECK(r.plan().new_file_errors.size() == 1);  // before: its error is reported, nothing runs

  Rescan now({build("core", "c1")}, {});
  const PluginBuild testkit = build("testkit", "t1");
  now.drop_plugin(testkit);
  now.load({loaded(testkit)});
  now.scan.topologies.topologies.push_back(late);
  const ReloadPlan plan = now.plan();
  CHECK(events(plan) == std::vector<Event>{Event::loaded});
  CHECK(decision(plan, "late").kind == Kind::added);
  CHECK(plan.new_file_errors.empty());
}

TEST_CASE("reload plan: a plugin file renamed serves on from its new name, and nothing pauses") {
  const PluginBuild old = build("testkit", "t2");
  Rescan r({build("core", "c1"), old}, {topo("tagged", "g1", {"testkit.act"})});
  r.remove_plugin(old.file);
  const PluginBuild renamed = build("testkit", "t2", "testkit-2.so");
  r.drop_plugin(renamed);
  const PluginFileSteps steps = r.load({loaded(renamed)});
  REQUIRE(steps.forget.size() == 1);  // forgotten first, so the new name is not refused
  CHECK(steps.forget[0].file == old.file);
  CHECK(steps.load == std::vector<std::string>{renamed.file});
  const ReloadPlan plan = r.plan();
  CHECK(events(plan) == std::vector<Event>{Event::removed, Event::loaded});  // no "unprovided"
  CHECK(decision(plan, "tagged").kind == Kind::reinstalled);
}

TEST_CASE("reload plan: a plugin file that cannot be hashed is loaded, so the load says why") {
  Rescan r({build("core", "c1")}, {});
  r.scan.plugin_files.push_back(PluginFile{kPlugins + "locked.so", ""});
  const PluginFileSteps steps = r.load({refused(kPlugins + "locked.so", "cannot read")});
  CHECK(steps.load == std::vector<std::string>{kPlugins + "locked.so"});
  const ReloadPlan plan = r.plan();
  REQUIRE(events(plan) == std::vector<Event>{Event::refused});
  CHECK_FALSE(plan.plugin_events[0].serving);
}

TEST_CASE("reload plan: refusals of plugin files that are gone are forgotten, so a file back is logged afresh") {
  Rescan r({build("core", "c1")}, {});
  r.before.refusals_logged[kPlugins + "gone.so"] = "refused before";
  CHECK(r.plan().refusals_logged.empty());
}
