// End to end: what the real `weir serve` leaves on disk is private to the
// user running it, under the umask an operator's shell usually has (022):
// the data directory, the database and its WAL and shared memory, the plugin
// cache and its copies, the control socket.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/cli_json.hpp"
#include "support/file_modes.hpp"
#include "support/host_process.hpp"

using namespace weir::test;
namespace fs = std::filesystem;

namespace {

const char* kChain = R"(name: chain
nodes:
  - {id: a, type: core.pass}
  - {id: b, type: core.pass}
edges:
  - a -> b
)";

// Everything weir keeps in `data` is its user's alone.
void check_private(const WeirHome& home) {
  const std::string data = home.path("data");
  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(data + "/weir.db") == 0600);
  CHECK(mode_of(data + "/weir.db-wal") == 0600);  // SQLite gives them the database's mode
  CHECK(mode_of(data + "/weir.db-shm") == 0600);
  CHECK(mode_of(data + "/weir.sock") == 0600);
  CHECK(mode_of(data + "/plugin-cache") == 0700);
  int copies = 0;
  for (const auto& entry : fs::directory_iterator(data + "/plugin-cache")) {
    INFO(entry.path());
    CHECK(mode_of(entry.path().string()) == 0600);
    ++copies;
  }
  CHECK(copies == 1);  // core.so
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    INFO(entry.path());
    CHECK((mode_of(entry.path().string()) & 077) == 0);
  }
}

}  // namespace

TEST_CASE(
    "under umask 022 a fresh data directory, its database, plugin cache and socket are private",
    "[sqlite]") {
  ScopedUmask usual(022);
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run chain", {"--payload", "{}", "--wait"}).code == 0);
  check_private(home);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE(
    "a data directory an older weir left readable by others is made private, and the log says so",
    "[sqlite]") {
  ScopedUmask usual(022);
  WeirHome home({"core.so"});
  home.add_topology("chain.yaml", kChain);
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run chain", {"--payload", "{}", "--wait"}).code == 0);
  REQUIRE(host.kill(SIGKILL) != 0);  // keeps -wal and -shm, as a crash would
  // What a weir that left the modes to the umask made of it (weir.lock was
  // always 0600).
  const std::string data = home.path("data");
  for (const char* file : {"/weir.db", "/weir.db-wal", "/weir.db-shm"}) {
    REQUIRE(::chmod((data + file).c_str(), 0644) == 0);
  }
  for (const auto& entry : fs::directory_iterator(data + "/plugin-cache")) {
    REQUIRE(::chmod(entry.path().c_str(), 0644) == 0);
  }
  REQUIRE(::chmod((data + "/plugin-cache").c_str(), 0755) == 0);
  REQUIRE(::chmod(data.c_str(), 0755) == 0);
  REQUIRE(mode_of(data + "/weir.db-wal") == 0644);

  REQUIRE(host.start());
  check_private(home);
  const std::string log = host.log();
  CHECK_THAT(log, Catch::Contains("/data was readable by group or others (mode 0755); made it "
                                  "private (0700)"));
  CHECK_THAT(log, Catch::Contains("/data/weir.db was readable by group or others (mode 0644); "
                                  "made it private (0600)"));
  CHECK_THAT(log, Catch::Contains("/data/plugin-cache was readable by group or others"));
  // The data is still there.
  CHECK(json_of(home.cli("process ls", {"--json"})).size() == 1);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("a data directory others can write is refused, naming it, and left as it is") {
  WeirHome home({"core.so"});
  const std::string data = home.path("data");
  fs::create_directory(data);
  REQUIRE(::chmod(data.c_str(), 01777) == 0);
  HostProcess host(home);
  CHECK_FALSE(host.start(std::chrono::seconds(10)));  // it exits instead of serving
  CHECK_THAT(host.log(), Catch::Contains("/data is writable by group or others (mode 1777)") &&
                             Catch::Contains("give weir a directory of its own (mode 0700)"));
  CHECK(mode_of(data) == 01777);
  CHECK(fs::is_empty(data));  // nothing of ours was put there
}
