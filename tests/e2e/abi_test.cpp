// ABI compatibility end to end: a plugin built against ABI 1.3's header
// (tests/fixtures/abi-1.3, a frozen copy; plain C, no SDK) loads into the
// current host and runs its node; the host's table has grown since (1.4:
// http) and the old plugin never reads past what it knows.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"

using weir::test::HostProcess;
using weir::test::json_of;
using weir::test::WeirHome;

TEST_CASE("a plugin built against ABI 1.3 loads and runs on this host") {
  WeirHome home({"core.so"});
  std::filesystem::copy_file(std::string(WEIR_BUILD_DIR) + "/fixture-plugins/good_abi13.so",
                             home.path("plugins/good_abi13.so"));
  home.add_topology("echo.yaml", "name: echo\nnodes:\n  - {id: e, type: good.echo}\n"
                                 "  - {id: p, type: core.pass}\nedges:\n  - e -> p\n");
  HostProcess host(home);
  REQUIRE(host.start());
  const auto plugins = json_of(home.cli("plugins ls", {"--json"}));
  bool found = false;
  for (const auto& p : plugins["plugins"]) {
    if (p["name"] == "good") {
      found = true;
      CHECK(p["abi"] == "1.3");
    }
  }
  CHECK(found);
  const auto run = home.cli("run echo", {"--payload", R"({"n": 1})", "--wait"});
  CHECK(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("completed"));
  REQUIRE(host.kill(SIGTERM) == 0);
}
