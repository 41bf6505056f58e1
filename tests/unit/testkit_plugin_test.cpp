// The testkit plugin (plugins/testkit): engine and end-to-end tests drive it
// through their payloads, so each directive is pinned down here, through the
// real registry and the C ABI.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>

#include "plugins/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "unit/plugin_test_host.hpp"

using weir::Json;
using weir::test::Answer;
using weir::test::PluginTestHost;
using weir::test::TestInstance;

namespace {

// testkit.so (version 1, or the version 2 build) in a registry of its own,
// and one instance of a node type.
struct Testkit {
  weir::test::TempDir tmp;
  weir::plugins::PluginRegistry registry{tmp.file("cache")};
  PluginTestHost host;

  explicit Testkit(const std::string& file = std::string(WEIR_TEST_PLUGINS_DIR) + "/testkit.so") {
    REQUIRE(registry.load_file(file));
  }

  std::unique_ptr<TestInstance> make(const std::string& type, const std::string& config = "{}") {
    auto ref = registry.find(type);
    REQUIRE(ref);
    std::string error;
    auto instance = host.create(ref->type, config, &error);
    INFO(error);
    REQUIRE(instance);
    return instance;
  }

  // One message through testkit.act at node `node_id`.
  Answer act(const Json& payload, const std::string& node_id = "a",
             const std::string& config = "{}") {
    auto instance = make("testkit.act", config);
    return host.process(*instance, {payload}, node_id).at(0);
  }
};

}  // namespace

TEST_CASE("testkit.act without directives passes the input on") {
  Testkit kit;
  Answer a = kit.act(Json{{"id", 1}});
  CHECK(a.outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(a.outputs.empty());
}

TEST_CASE("testkit.act fail and throw both fail the message with their text") {
  Testkit kit;
  Answer failed = kit.act(Json{{"fail", "no such sku"}});
  CHECK(failed.outcome == WEIR_OUTCOME_FAILED);
  CHECK(failed.error == "no such sku");
  Answer thrown = kit.act(Json{{"throw", "boom"}});
  CHECK(thrown.outcome == WEIR_OUTCOME_FAILED);
  CHECK(thrown.error == "boom");
}

TEST_CASE("testkit.act directives under at.<node id> apply to that node and win") {
  Testkit kit;
  Json payload = {{"fail", "everywhere"},
                  {"at", {{"b", {{"fail", "only at b"}}}, {"c", {{"stop", true}}}}}};
  CHECK(kit.act(payload, "a").error == "everywhere");
  CHECK(kit.act(payload, "b").error == "only at b");
  Json only_c = {{"at", {{"c", {{"stop", true}}}}}};
  CHECK(kit.act(only_c, "a").outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(kit.act(only_c, "c").outcome == WEIR_OUTCOME_STOP);
}

TEST_CASE("testkit.act fanout emits N copies with an index and without the fanout") {
  Testkit kit;
  Answer a = kit.act(
      Json{{"fanout", 3}, {"sku", "A"}, {"at", {{"a", {{"fanout", 3}}}, {"z", {{"fail", "x"}}}}}});
  CHECK(a.outcome == WEIR_OUTCOME_SUCCESS);
  REQUIRE(a.outputs.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(a.outputs[i] == Json{{"sku", "A"},
                               {"index", i},
                               {"at", {{"a", Json::object()}, {"z", {{"fail", "x"}}}}}});
  }
}

TEST_CASE("testkit.act forward, stop and tag") {
  Testkit kit;
  Answer fwd = kit.act(Json{{"forward", {"x", "y"}}});
  CHECK(fwd.outcome == WEIR_OUTCOME_FORWARD);
  CHECK(fwd.targets == std::vector<std::string>{"x", "y"});
  CHECK(kit.act(Json{{"stop", true}}).outcome == WEIR_OUTCOME_STOP);
  Answer tagged = kit.act(Json{{"tag", true}, {"id", 4}});
  REQUIRE(tagged.outputs.size() == 1);
  CHECK(tagged.outputs[0] == Json{{"tag", true}, {"id", 4}, {"tagged_by", "1"}});
}

TEST_CASE("testkit.act tag names the build that ran: the v2 build says 2") {
  Testkit kit(std::string(WEIR_TEST_PLUGINS_DIR) + "/v2/testkit.so");
  Answer tagged = kit.act(Json{{"tag", true}});
  REQUIRE(tagged.outputs.size() == 1);
  CHECK(tagged.outputs[0]["tagged_by"] == "2");
}

TEST_CASE("testkit.act garbage emits bytes the host refuses, and the message fails") {
  Testkit kit;
  Answer a = kit.act(Json{{"garbage", true}});
  CHECK(a.rejected_emits == 1);
  CHECK(a.outputs.empty());
  CHECK(a.outcome == WEIR_OUTCOME_FAILED);
  CHECK_THAT(a.error, Catch::Contains("emit rejected"));
}

TEST_CASE("testkit.act sleep_ms sleeps, then goes on") {
  Testkit kit;
  auto start = std::chrono::steady_clock::now();
  Answer a = kit.act(Json{{"sleep_ms", 50}, {"tag", true}});
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
  CHECK(a.outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(a.outputs.size() == 1);
}

TEST_CASE("testkit.act config defaults apply only when the payload has no directive") {
  Testkit kit;
  const std::string config = R"({"defaults": {"fail": "from defaults"}})";
  CHECK(kit.act(Json{{"id", 1}}, "a", config).error == "from defaults");
  CHECK(kit.act(Json{{"stop", true}}, "a", config).outcome == WEIR_OUTCOME_STOP);
}

TEST_CASE("testkit.act answers each message of a batch on its own") {
  Testkit kit;
  auto act = kit.make("testkit.act");
  auto answers =
      kit.host.process(*act, {Json{{"fail", "x"}}, Json{{"id", 2}}, Json{{"throw", "y"}}});
  CHECK(answers[0].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[2].outcome == WEIR_OUTCOME_FAILED);
}

TEST_CASE("testkit.act crash aborts the process") {
  Testkit kit;
  auto act = kit.make("testkit.act");
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL);  // Catch2's handler would report a failure
    (void)kit.host.process(*act, {Json{{"crash", true}}});
    ::_exit(0);  // not reached when the directive works
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("testkit.batch_probe adds the size of the call to every output") {
  Testkit kit;
  auto probe = kit.make("testkit.batch_probe");
  auto answers =
      kit.host.process(*probe, {Json{{"n", 0}}, Json{{"n", 1}}, Json{{"n", 2}}, Json{{"n", 3}}});
  REQUIRE(answers.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(answers[i].outcome == WEIR_OUTCOME_SUCCESS);
    CHECK(answers[i].outputs == std::vector<Json>{Json{{"n", i}, {"batch_size", 4}}});
  }
  CHECK(kit.registry.find("testkit.batch_probe")->max_batch == 1000);
}

TEST_CASE("testkit.counter counts in topology state under its key") {
  Testkit kit;
  auto counter = kit.make("testkit.counter");
  auto orders = kit.make("testkit.counter", R"({"key": "orders"})");
  for (int i = 1; i <= 3; ++i) {
    auto answers = kit.host.process(*counter, {Json::object()});
    CHECK(answers[0].outputs == std::vector<Json>{Json{{"count", i}}});
  }
  (void)kit.host.process(*orders, {Json::object()});
  CHECK(kit.host.state == std::map<std::string, std::string>{{"count", "3"}, {"orders", "1"}});
  CHECK(kit.registry.find("testkit.counter")->max_batch == 1);
}

TEST_CASE("testkit.record appends one JSON line per message, from several nodes to one file") {
  Testkit kit;
  std::string out = kit.tmp.file("out.jsonl");
  const std::string config = R"({"path": ")" + out + R"("})";
  auto left = kit.make("testkit.record", config);
  auto right = kit.make("testkit.record", config);
  auto answers = kit.host.process(*left, {Json{{"n", 1}}, Json{{"n", 2}}}, "left");
  (void)kit.host.process(*right, {Json{{"n", 3}}}, "right");
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[0].outputs.empty());  // passes the message on unchanged

  std::ifstream in(out);
  std::vector<Json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["node"] == "left");
  CHECK(lines[0]["payload"] == Json{{"n", 1}});
  CHECK(lines[0]["attempt"] == 1);
  CHECK(lines[0]["topology"] == "test");
  CHECK(lines[0]["headers"] == Json::object());
  CHECK(lines[1]["payload"] == Json{{"n", 2}});
  CHECK(lines[2]["node"] == "right");
  CHECK(lines[2]["payload"] == Json{{"n", 3}});
}

TEST_CASE("testkit.record needs a path it can open") {
  Testkit kit;
  auto ref = kit.registry.find("testkit.record");
  REQUIRE(ref);
  CHECK(PluginTestHost::validate(ref->type, "{}") ==
        std::vector<std::string>{
            "testkit.record: config needs \"path\", the file to append lines to"});
  std::string missing_dir = kit.tmp.file("no-such-dir") + "/out.jsonl";
  std::string error;
  CHECK_FALSE(kit.host.create(ref->type, R"({"path": ")" + missing_dir + R"("})", &error));
  CHECK(error == "testkit.record: cannot open " + missing_dir + ": No such file or directory");
}

TEST_CASE("testkit.unfinished finishes no message") {
  Testkit kit;
  auto unfinished = kit.make("testkit.unfinished");
  auto answers = kit.host.process(*unfinished, {Json::object(), Json::object()});
  CHECK_FALSE(answers[0].outcome);
  CHECK_FALSE(answers[1].outcome);
}
