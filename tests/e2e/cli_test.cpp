// End to end: the `weir` command line against a real host.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/host_process.hpp"

using weir::test::HostProcess;
using weir::test::run_weir;
using weir::test::WeirHome;
using Json = nlohmann::json;

namespace {

const char* kChain = R"(name: chain
nodes:
  - id: a
    type: core.pass
  - id: b
    type: core.pass
  - id: c
    type: core.pass
edges:
  - a -> b -> c
)";

}  // namespace

TEST_CASE("an operator command without a running host says which socket it tried") {
  WeirHome home({"core.so"});
  auto r = home.cli("status");
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::StartsWith("weir: no weir host is running at ipc://") &&
                        Catch::Contains("/data/weir.sock"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("run --wait starts a process and prints its outcome") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("chain.yaml", kChain);
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("run chain", {"--payload", R"({"sku":"A-1"})", "--wait"});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Matches("process \\d+ completed in \\d+ ms \\(3 node visit\\(s\\) done, 0 failed\\)\n"));

  home.write("order.json", R"({"order": 1, "at": {"b": {"fail": "no such customer"}}})");
  auto j = home.cli("run chain", {"--payload", "@" + home.path("order.json"), "--wait", "--json"});
  INFO(j.out);
  CHECK(j.code == 0);  // core.pass ignores the directive: it completes
  auto p = Json::parse(j.out)["processes"][0];
  CHECK(p["state"] == "completed");
  CHECK(p["done"] == 3);
}

TEST_CASE("a process that completes with failures makes run --wait exit 2") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("orders.yaml", R"(name: orders
nodes:
  - id: check
    type: testkit.act
  - id: send
    type: core.pass
edges:
  - check -> send
)");
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("run orders", {"--payload", R"({"fail": "zip code missing"})", "--wait"});
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("completed_with_failures") && Catch::Contains("1 failed"));
}

TEST_CASE("status, plugins ls and topology ls answer in tables and in JSON") {
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  home.add_topology("broken.yaml", "name: broken\nnodes:\n  - id: x\n    type: core.nope\n");
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run chain", {"--wait"}).code == 0);

  auto status = home.cli("status");
  CHECK_THAT(status.out, Catch::Contains("TOPOLOGY") && Catch::Contains("IN FLIGHT"));
  auto sj = Json::parse(home.cli("status", {"--json"}).out);
  REQUIRE(sj["topologies"].size() == 1);
  CHECK(sj["topologies"][0]["nodes"][2]["done"] == 1);
  CHECK(sj["topologies"][0]["nodes"][2]["queued"] == 0);

  auto pj = Json::parse(home.cli("plugins ls", {"--json"}).out);
  REQUIRE(pj["plugins"].size() == 1);
  CHECK(pj["plugins"][0]["name"] == "core");
  CHECK(pj["plugins"][0]["sha256"].get<std::string>().size() == 64);
  CHECK_THAT(home.cli("plugins ls").out, Catch::Contains("core.pass"));

  auto tj = Json::parse(home.cli("topology ls", {"--json"}).out);
  REQUIRE(tj["topologies"].size() == 1);
  CHECK(tj["topologies"][0]["entry_nodes"] == Json::array({"a"}));
  REQUIRE(tj["errors"].size() >= 1);
  CHECK_THAT(tj["errors"][0]["file"].get<std::string>(), Catch::EndsWith("broken.yaml"));
  CHECK(tj["errors"][0]["line"] == 4);
  CHECK_THAT(home.cli("topology ls").out, Catch::Contains("invalid:") && Catch::Contains("core.nope"));
}

TEST_CASE("the control socket is private to the user running the host") {
  WeirHome home({"core.so"});
  HostProcess host(home);
  REQUIRE(host.start());
  struct stat st {};
  REQUIRE(::stat(home.path("data/weir.sock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a second host on the same data directory is refused") {
  WeirHome home({"core.so"});
  HostProcess first(home);
  REQUIRE(first.start());
  auto second = run_weir({"serve", "--config", home.config()});
  CHECK(second.code == 1);
  CHECK_THAT(second.out, Catch::Contains("is in use by another weir host"));
  CHECK(home.cli("status").code == 0);  // the first one is unharmed
}

TEST_CASE("run --payloads with a bad line starts nothing and names the line") {
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  home.write("bulk.jsonl", "{\"n\": 1}\n{\"n\": 2}\n{\"n\": \n");
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("run chain", {"--payloads", home.path("bulk.jsonl")});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("bulk.jsonl:3: not JSON") && Catch::Contains("nothing was started"));
  auto sj = Json::parse(home.cli("status", {"--json"}).out);
  CHECK(sj["topologies"][0]["nodes"][0]["done"] == 0);
  auto unknown = home.cli("run chian");
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.out, Catch::Contains("unknown topology 'chian' (running: chain)"));
}

TEST_CASE("topology validate prints each error with file:line and exits non-zero") {
  WeirHome home({"core.so"});
  home.write("good.yaml", kChain);
  home.write("bad.yaml", "name: bad\nnodes:\n  - id: a\n    type: core.pass\nedges:\n  - a -> zz\n");
  auto good = home.cli("topology validate " + home.path("good.yaml"));
  CHECK(good.code == 0);
  CHECK_THAT(good.out, Catch::Contains("ok: topology chain"));
  auto bad = home.cli("topology validate " + home.path("bad.yaml"));
  CHECK(bad.code == 1);
  CHECK_THAT(bad.out, Catch::Contains("bad.yaml:6:") && Catch::Contains("'zz'"));
}

TEST_CASE("every topology shipped in topologies/ validates against the shipped plugins") {
  WeirHome home({"core.so", "woocommerce.so", "erp.so", "magento.so"});
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WEIR_SOURCE_DIR "/topologies")) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = home.cli("topology validate " + entry.path().string());
    INFO(r.out);
    CHECK(r.code == 0);
    ++checked;
  }
  CHECK(checked >= 11);  // chain, shop-orders, product-sync, create-category, price-stock-sync,
                         // order-sync, order-status-sync, and the four -magento ones
}

TEST_CASE("a broken weir.yaml stops serve with file:line") {
  WeirHome home({"core.so"});
  home.write("weir.yaml", "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\nworkrs: 3\n");
  auto r = run_weir({"serve", "--config", home.config()});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("weir.yaml:4: unknown key 'workrs'"));
}

TEST_CASE("serve --log-format json writes one JSON object per line") {
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  HostProcess host(home, {"--log-format", "json"});
  REQUIRE(host.start());
  REQUIRE(home.cli("run chain", {"--wait"}).code == 0);
  REQUIRE(host.kill(SIGTERM) == 0);
  std::istringstream log(host.log());
  int lines = 0;
  for (std::string line; std::getline(log, line); ++lines) {
    INFO(line);
    auto j = Json::parse(line);
    CHECK(j.contains("ts"));
    CHECK(j.contains("level"));
    CHECK(j.contains("msg"));
  }
  CHECK(lines >= 5);
}
