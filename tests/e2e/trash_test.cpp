// End to end: a poison message goes to the trash while 10,000 good messages
// behind it complete; an operator inspects it, "fixes" the cause, replays it
// and its process completes; every trash command and the audit, with the
// --json output parsed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/home_store.hpp"
#include "support/host_process.hpp"

using namespace weir;
using weir::test::HostProcess;
using namespace weir::test;
using weir::test::WeirHome;
using Json = nlohmann::json;

TEST_CASE("a poison message is trashed, inspected, fixed, replayed: trash commands and audit") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string fault = home.path("bad-address");
  home.add_topology("orders.yaml", R"(name: orders
nodes:
  - id: check
    type: testkit.act
    max_batch: 50
    retry: {max_attempts: 3, delay: 50ms}
  - id: send
    type: core.pass
    max_batch: 50
edges:
  - check -> send
)");
  std::ofstream(fault) << "the customer's address is wrong\n";
  {
    std::ofstream lines(home.path("orders.jsonl"));
    lines << Json{{"order", "poison"}, {"at", {{"check", {{"retry_while_exists", fault}}}}}}.dump()
          << '\n';
    for (int i = 0; i < 10000; ++i) lines << Json{{"order", i}}.dump() << '\n';
  }
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run orders", {"--payloads", home.path("orders.jsonl")}).code == 0);
  REQUIRE(wait_done(home, "send", 10000));  // the good ones did not wait for the poison one

  // ls: the poison message, after its three attempts.
  Json entries;
  for (int i = 0; i < 100 && entries.empty(); ++i) {
    entries = json_of(home.cli("trash ls", {"--json"}));
    if (entries.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(entries.size() == 1);
  const std::int64_t id = entries[0]["id"].get<std::int64_t>();
  CHECK(entries[0]["node"] == "check");
  CHECK(entries[0]["attempts"] == 3);
  CHECK_THAT(entries[0]["error"].get<std::string>(), Catch::StartsWith("gave up after 3 attempts"));
  CHECK(json_of(home.cli("trash ls", {"--json", "--grep", "bad address"})).size() == 1);
  CHECK(json_of(home.cli("trash ls", {"--json", "--grep", "poison"})).size() == 1);  // payload
  CHECK(json_of(home.cli("trash ls", {"--json", "--topology", "other"})).empty());
  CHECK(json_of(home.cli("trash ls", {"--json", "--since", "1h"})).size() == 1);
  CHECK_THAT(home.cli("trash ls").out, Catch::Contains("ERROR") && Catch::Contains("gave up"));

  // show: the payload as it was, and every attempt's error.
  Json shown = json_of(home.cli("trash show " + std::to_string(id), {"--json"}));
  CHECK(shown["payload"]["order"] == "poison");
  REQUIRE(shown["history"].size() == 3);
  for (const auto& h : shown["history"]) {
    CHECK(h["kind"] == "retry");
    CHECK_THAT(h["error"].get<std::string>(), Catch::StartsWith("bad address"));
  }
  CHECK(shown["first_failed_ms"].get<std::int64_t>() <= shown["failed_ms"].get<std::int64_t>());
  auto text = home.cli("trash show " + std::to_string(id));
  CHECK_THAT(text.out, Catch::Contains("payload:") && Catch::Contains("\"poison\"") &&
                           Catch::Contains("ATTEMPT"));

  // export: JSON lines with everything needed to act elsewhere.
  auto exported = home.cli("trash export");
  REQUIRE(exported.code == 0);
  std::istringstream lines(exported.out);
  std::string line;
  REQUIRE(std::getline(lines, line));
  CHECK(Json::parse(line)["payload"]["order"] == "poison");
  CHECK_FALSE(std::getline(lines, line));

  // The fix, then the replay: the process completes, without failures.
  std::filesystem::remove(fault);
  Json replayed = json_of(home.cli("trash replay " + std::to_string(id), {"--json"}));
  CHECK(replayed["replayed"] == Json::array({id}));
  REQUIRE(wait_done(home, "send", 10001));
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());
  auto again = home.cli("trash replay " + std::to_string(id));
  CHECK(again.code == 1);
  CHECK_THAT(again.out, Catch::Contains("not in the trash"));

  // discard by filter, with a reason; a discard that names nothing is refused.
  REQUIRE(home.cli("run orders", {"--payload", R"({"at": {"check": {"fail": "duplicate order"}}})"}).code == 0);
  REQUIRE(home.cli("run orders", {"--payload", R"({"at": {"check": {"fail": "duplicate order"}}})"}).code == 0);
  for (int i = 0; i < 100 && json_of(home.cli("trash ls", {"--json"})).size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto nothing = home.cli("trash discard");
  CHECK(nothing.code == 1);
  CHECK_THAT(nothing.out, Catch::Contains("name the entries"));
  Json discarded =
      json_of(home.cli("trash discard", {"--grep", "duplicate", "--reason", "dupes", "--json"}));
  CHECK(discarded["discarded"].size() == 2);
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());

  // audit: newest first, who did what from where, and what came of it.
  Json audit = json_of(home.cli("audit ls", {"--json"}));
  REQUIRE(audit.size() == 3);
  CHECK(audit[0]["action"] == "trash.discard");
  CHECK(audit[0]["detail"]["reason"] == "dupes");
  CHECK(audit[0]["detail"]["filter"]["grep"] == "duplicate");
  CHECK(audit[0]["detail"]["discarded"].size() == 2);
  CHECK(audit[1]["action"] == "trash.replay");  // the second try: nothing left to replay
  CHECK(audit[1]["detail"]["replayed"].empty());
  CHECK(audit[1]["detail"]["not_in_trash"] == Json::array({id}));
  CHECK(audit[2]["action"] == "trash.replay");
  CHECK(audit[2]["detail"]["ids"] == Json::array({id}));
  CHECK(audit[2]["detail"]["replayed"] == Json::array({id}));
  CHECK_THAT(audit[0]["actor"].get<std::string>(), Catch::Contains("uid "));
  CHECK_THAT(audit[0]["socket"].get<std::string>(), Catch::EndsWith("/data/weir.sock"));
  REQUIRE(host.kill(SIGTERM) == 0);

  auto store = weir::test::open_home_store(home);
  auto poison = store->process(shown["process_id"].get<std::uint64_t>()).value();
  REQUIRE(poison.has_value());
  CHECK(poison->state == store::ProcessState::completed);
  CHECK(poison->failed == 0);
  CHECK(poison->done == 2);
}
