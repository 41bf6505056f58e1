// End to end: raw control requests against a real host, including the
// malformed ones a hand-written client could send.
#include <catch2/catch.hpp>

#include <future>

#include <nlohmann/json.hpp>
#include <weir/payload.hpp>

#include "control/control_client.hpp"
#include "support/host_process.hpp"

using weir::test::HostProcess;
using weir::test::WeirHome;
using Json = nlohmann::json;

namespace {

const char* kChain = R"(name: chain
nodes:
  - id: a
    type: core.pass
  - id: b
    type: core.pass
edges:
  - a -> b
)";

weir::Result<Json> ask(const WeirHome& home, const Json& request) {
  return weir::control::ControlClient(home.path("data/weir.sock"))
      .call(request, std::chrono::milliseconds(10000));
}

bool alive(const WeirHome& home) { return ask(home, {{"cmd", "ping"}}).is_ok(); }

}  // namespace

TEST_CASE("malformed or odd control requests get an answer and the host keeps serving") {
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  HostProcess host(home);
  REQUIRE(host.start());

  auto bad_ids = ask(home, {{"cmd", "process.wait"}, {"ids", "x"}});
  REQUIRE_FALSE(bad_ids.is_ok());
  CHECK_THAT(bad_ids.error(), Catch::Contains("bad request"));
  CHECK(alive(home));

  auto unknown = ask(home, {{"cmd", "process.wait"}, {"ids", {424242}}});
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.error() == "no process 424242");

  auto none = ask(home, {{"cmd", "run"}, {"topology", "chain"}, {"payloads", Json::array()}});
  REQUIRE(none.is_ok());
  CHECK((*none)["processes"].empty());
  CHECK(alive(home));

  auto started = ask(home, {{"cmd", "run"}, {"topology", "chain"},
                            {"payloads", {Json::binary(weir::payload::from_json({{"n", 1}}))}}});
  REQUIRE(started.is_ok());
  auto id = (*started)["processes"][0].get<std::uint64_t>();
  auto twice = ask(home, {{"cmd", "process.wait"}, {"ids", {id, id}}});
  REQUIRE(twice.is_ok());
  REQUIRE((*twice)["processes"].size() == 1);
  CHECK((*twice)["processes"][0]["state"] == "completed");

  auto garbage = ask(home, {{"cmd", "run"}, {"topology", "chain"}, {"payloads", {Json::binary({0xc1})}}});
  REQUIRE_FALSE(garbage.is_ok());
  CHECK_THAT(garbage.error(), Catch::Contains("payload 1 is not msgpack"));
  auto wrong = ask(home, {{"cmd", 7}});
  REQUIRE_FALSE(wrong.is_ok());
  CHECK(alive(home));
}

TEST_CASE("run --wait is answered with an error when the host stops, not left hanging") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("slow.yaml", R"(name: slow
nodes:
  - id: wait
    type: testkit.act
    config: {defaults: {sleep_ms: 3000}}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  auto waiting = std::async(std::launch::async, [&] { return home.cli("run slow", {"--wait"}); });
  // Stop once the call is running.
  for (int i = 0; i < 200; ++i) {
    auto s = Json::parse(home.cli("status", {"--json"}).out);
    if (s["topologies"][0]["nodes"][0]["in_flight"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(host.kill(SIGTERM) == 0);
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto r = waiting.get();
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("the weir host is stopping; still running: process 1"));
}
