// End to end: a topology file changes while the host is down. The new file
// gets a new version; messages queued at nodes that remain continue in
// their processes; messages at a node that is gone go to the trash, saying
// why and which version they failed under.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/host_process.hpp"

using namespace weir;
using weir::test::HostProcess;
using namespace weir::test;
using weir::test::WeirHome;
using Json = nlohmann::json;

TEST_CASE("a changed topology gets a new version: messages at a removed node go to the trash") {
  WeirHome home({"core.so", "testkit.so"});
  // v1: enrich is slow, so messages pile up in front of it.
  home.add_topology("orders.yaml", R"(name: orders
nodes:
  - {id: intake, type: core.pass}
  - {id: enrich, type: testkit.act, config: {defaults: {sleep_ms: 300}}}
  - {id: send, type: core.pass}
edges:
  - intake -> enrich -> send
)");
  HostProcess host(home);
  REQUIRE(host.start());
  Json v1 = json_of(home.cli("topology ls", {"--json"}));
  CHECK(v1["topologies"][0]["version"] == 1);
  for (int i = 0; i < 10; ++i) REQUIRE(home.cli("run orders", {"--payload", "{\"n\": " + std::to_string(i) + "}"}).code == 0);
  for (int i = 0; i < 100 && node_status(home, "enrich")["done"] < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(host.kill(SIGTERM) == 0);  // the one in flight finishes; the rest wait at enrich

  // v2: enrich is gone; intake feeds send directly.
  home.add_topology("orders.yaml", R"(name: orders
nodes:
  - {id: intake, type: core.pass}
  - {id: send, type: core.pass}
edges:
  - intake -> send
)");
  REQUIRE(host.start());
  CHECK_THAT(host.log(), Catch::Contains("which version 2 no longer has"));
  Json v2 = json_of(home.cli("topology ls", {"--json"}));
  CHECK(v2["topologies"][0]["version"] == 2);
  Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(!trash.empty());
  const std::size_t stranded = trash.size();
  for (const auto& t : trash) {
    CHECK(t["node"] == "enrich");
    CHECK(t["topology_version"] == 1);
    CHECK_THAT(t["error"].get<std::string>(),
               Catch::Contains("node 'enrich' is not in topology orders any more (version 2"));
  }
  // New work flows through v2; nothing stranded is lost: every process ended.
  Json run = json_of(home.cli("run orders", {"--payload", "{\"n\": 99}", "--wait", "--json"}));
  CHECK(run["processes"][0]["state"] == "completed");
  CHECK(run["processes"][0]["done"] == 2);
  Json failed = json_of(home.cli("process ls", {"--json", "--state", "failed"}));
  CHECK(failed.size() == stranded);
  Json running = json_of(home.cli("process ls", {"--json", "--state", "running"}));
  CHECK(running.empty());
  // A replay goes back to the node that failed, which no longer runs: it is
  // refused, with the reason, and the entry stays in the trash.
  auto replay = home.cli("trash replay " + trash[0]["id"].dump(), {"--json"});
  CHECK(replay.code == 1);
  Json refused = Json::parse(replay.out)["refused"];
  REQUIRE(refused.size() == 1);
  CHECK_THAT(refused[0]["reason"].get<std::string>(), Catch::Contains("orders/enrich is not running"));
  CHECK(json_of(home.cli("trash ls", {"--json"})).size() == stranded);
  REQUIRE(host.kill(SIGTERM) == 0);
}
