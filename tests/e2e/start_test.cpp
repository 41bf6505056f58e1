// End to end: a trigger's `start:` node. One topology takes orders two ways
// (a webhook at the mapper, a poll at a source); each trigger's processes
// start at its own node only, and `weir run --start` does the same by hand.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/jsonl.hpp"

using namespace weir::test;
using Json = nlohmann::json;

TEST_CASE("a trigger's start: node is where its processes start, and only there") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string polled = home.path("polled.jsonl"), hooked = home.path("hooked.jsonl");
  home.add_topology("orders.yaml", R"(name: orders
triggers:
  - id: created
    webhook: {signature: none}
    start: intake
nodes:
  - id: poll
    type: testkit.record
    config: {path: ")" + polled + R"("}
  - id: intake
    type: testkit.record
    config: {path: ")" + hooked + R"("}
edges: []
)");
  HostProcess host(home);
  REQUIRE(host.start());

  HttpClient http;
  const std::string base = "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
  REQUIRE(http.post(base + "/hooks/orders/created", R"({"id": 1})",
                    {{"Content-Type", "application/json"}}).status == 202);
  REQUIRE(wait_done(home, "intake", 1));
  auto by_hand = home.cli("run", {"orders", "--start", "poll", "--payload", R"({"id": 2})", "--wait"});
  INFO(by_hand.out);
  REQUIRE(by_hand.code == 0);
  auto both = home.cli("run", {"orders", "--payload", R"({"id": 3})", "--wait"});
  REQUIRE(both.code == 0);

  std::vector<int> at_poll, at_intake;
  for (const auto& l : read_jsonl(polled)) at_poll.push_back(l["payload"]["id"]);
  for (const auto& l : read_jsonl(hooked)) at_intake.push_back(l["payload"]["id"]);
  CHECK(at_intake == std::vector<int>{1, 3});
  CHECK(at_poll == std::vector<int>{2, 3});

  auto wrong = home.cli("run", {"orders", "--start", "nowhere", "--payload", "{}"});
  CHECK(wrong.code == 1);
  CHECK_THAT(wrong.out, Catch::Contains("topology orders has no node 'nowhere' to start at"));
}

TEST_CASE("http.max_queued counts a webhook's start: node, where its deliveries wait") {
  WeirHome home({"core.so", "testkit.so"});
  home.write("weir.yaml", "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\n"
                          "http: {listen: \"127.0.0.1:0\", max_queued: 3}\n");
  home.add_topology("orders.yaml", R"(name: orders
triggers:
  - {id: created, webhook: {signature: none}, start: intake}  # not an entry node
nodes:
  - {id: poll, type: core.pass}
  - id: intake
    type: testkit.act
    config: {defaults: {sleep_ms: 3000}}
edges:
  - poll -> intake
)");
  HostProcess host(home);
  REQUIRE(host.start());
  HttpClient http;
  const std::string url =
      "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>() +
      "/hooks/orders/created";
  // Posted until the cap answers (its count is refreshed every 250 ms).
  int accepted = 0, status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    status = http.post(url, R"({"id": 1})", {{"Content-Type", "application/json"}}).status;
    if (status != 202) break;
    ++accepted;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(accepted >= 3);
  CHECK(status == 503);
  host.kill(SIGKILL);
}
