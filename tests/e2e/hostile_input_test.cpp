// End to end: documents nested far deeper than anything real, from every
// door into the host (a webhook, a plugin's output, the store, the control
// socket, the CLI). Each must get a clear error naming the limit, store
// nothing it refused, and leave the host serving. Before the limits, a
// webhook of 400,000 '[' killed the host with SIGSEGV.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <fstream>
#include <thread>

#include <zmq.hpp>

#include <nlohmann/json.hpp>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

const char* kTopology = R"(name: intake
triggers:
  - id: open
    webhook: {signature: none}
nodes:
  - {id: act, type: testkit.act}
)";

std::string base_url(const WeirHome& home) {
  return "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
}

std::size_t process_count(const WeirHome& home) {
  return json_of(home.cli("process ls", {"--limit", "100000", "--json"})).size();
}

bool alive(const WeirHome& home) { return home.cli("status", {"--json"}).code == 0; }

std::string brackets(std::size_t n) { return std::string(n, '[') + std::string(n, ']'); }

// [[[...nil...]]] in msgpack, n levels.
std::string nested_msgpack(std::size_t n) { return std::string(n, '\x91') + '\xc0'; }

void sql(const std::string& db_path, const std::string& statement, const std::string& blob = "") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, statement.c_str(), -1, &st, nullptr) == SQLITE_OK);
  if (!blob.empty()) sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), nullptr);
  CHECK(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("a webhook nested too deep gets 400 naming the limit, and nothing is stored") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("intake.yaml", kTopology);
  HostProcess host(home);
  REQUIRE(host.start());
  HttpClient http;
  const std::string url = base_url(home) + "/hooks/intake/open";
  // 800 KB of brackets (this once killed the host) and 100,000 levels (this
  // was once accepted with 202, and crashed the host at every restart).
  for (std::size_t levels : {400000u, 100000u, 257u}) {
    INFO(levels << " levels");
    auto r = http.post(url, brackets(levels), {{"Content-Type", "application/json"}});
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("JSON nested deeper than 256 levels at line 1, column 257"));
  }
  CHECK(alive(home));
  CHECK(process_count(home) == 0);
  // 256 levels is within the limit, and goes through.
  auto ok = http.post(url, brackets(256), {{"Content-Type", "application/json"}});
  CHECK(ok.status == 202);
  CHECK(wait_done(home, "act", 1));
}

TEST_CASE("a plugin output nested too deep fails that message with a clear error") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("intake.yaml", kTopology);
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run intake", {"--payload", R"({"nest": 100000})", "--wait"}).code == 2);
  REQUIRE(home.cli("run intake", {"--payload", R"({"nest": 256})", "--wait"}).code == 0);
  const Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == 1);
  CHECK_THAT(trash[0]["error"].get<std::string>(),
             Catch::Contains("node emitted a payload the host refuses") &&
                 Catch::Contains("nested deeper than 256 levels at byte 256"));
  CHECK(alive(home));
}

TEST_CASE("a deep payload already in the store is shown and replayed without crashing the host",
          "[sqlite]") {
  // An older weir accepted such payloads: put one in the trash directly.
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("intake.yaml", kTopology);
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run intake", {"--payload", R"({"fail": "first"})", "--wait"}).code == 2);
  sql(home.path("data/weir.db"), "UPDATE trash SET payload = ?1", nested_msgpack(100000));

  auto shown = home.cli("trash show 1", {"--json"});
  INFO(shown.out);
  REQUIRE(shown.code == 0);
  CHECK_THAT(json_of(shown)["payload"]["unreadable_payload"].get<std::string>(),
             Catch::Contains("nested deeper than 256 levels"));
  CHECK(home.cli("trash show 1").code == 0);
  CHECK(home.cli("trash ls", {"--grep", "x"}).code == 0);

  // Replayed, it reaches the plugin, whose SDK refuses to decode it.
  REQUIRE(home.cli("trash replay 1").code == 0);
  Json trash;
  for (int i = 0; i < 200; ++i) {
    trash = json_of(home.cli("trash ls", {"--json"}));
    if (trash.size() == 1 && trash[0]["error"] != "first") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(trash.size() == 1);
  CHECK(trash[0]["error"] == "payload is nested deeper than 256 levels");
  CHECK(alive(home));
}

TEST_CASE("a control request nested too deep is refused and the host keeps serving") {
  WeirHome home({"core.so"});
  HostProcess host(home);
  REQUIRE(host.start());
  zmq::context_t ctx;
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 10000);
  req.connect("ipc://" + home.path("data/weir.sock"));
  // {"cmd": "ping", "x": [[[... 200,000 levels ...]]]}
  const std::string request = std::string("\x82\xa3" "cmd" "\xa4" "ping" "\xa1" "x") +
                              nested_msgpack(200000);
  req.send(zmq::buffer(request), zmq::send_flags::none);
  zmq::message_t reply;
  REQUIRE(req.recv(reply));
  const Json answer = Json::from_msgpack(reply.to_string());
  CHECK(answer["ok"] == false);
  CHECK_THAT(answer["error"].get<std::string>(),
             Catch::Contains("control message is not msgpack: nested deeper than 256 levels"));
  CHECK(alive(home));
}

TEST_CASE("weir run refuses a payload nested too deep before sending anything") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("intake.yaml", kTopology);
  HostProcess host(home);
  REQUIRE(host.start());
  std::ofstream(home.path("deep.json")) << brackets(400000);
  auto r = home.cli("run intake", {"--payload", "@" + home.path("deep.json")});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("JSON nested deeper than 256 levels"));
  std::ofstream(home.path("deep.jsonl")) << "{}\n" << brackets(300) << "\n";
  r = home.cli("run intake", {"--payloads", home.path("deep.jsonl")});
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("deep.jsonl:2: not JSON: JSON nested deeper than 256 levels"));
  CHECK(process_count(home) == 0);
}

TEST_CASE("an error text that is not UTF-8 is stored as UTF-8, and trash ls --grep still works") {
  WeirHome home({"core.so", "testkit.so"});
  home.add_topology("intake.yaml", kTopology);
  HostProcess host(home);
  REQUIRE(host.start());
  // "bad \xff byte" from the plugin, as raw bytes.
  REQUIRE(home.cli("run intake", {"--payload", R"({"fail_hex": "62616420ff2062797465"})", "--wait"})
              .code == 2);
  auto listed = home.cli("trash ls", {"--grep", "byte", "--json"});
  INFO(listed.out);
  REQUIRE(listed.code == 0);
  const Json entries = json_of(listed);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["error"] == "bad \xEF\xBF\xBD byte");  // U+FFFD for the byte
  CHECK(home.cli("trash ls", {"--grep", "bad"}).code == 0);
  CHECK(home.cli("trash show 1").code == 0);
  CHECK(alive(home));
}
