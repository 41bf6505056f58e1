// End to end: application files in the real host's apps_dir (beside
// weir.yaml by default): `weir apps ls` shows them with their secrets by
// reference only, hot reload keeps the running version of an invalid edit
// and takes the fixed one, `tls.insecure` is logged, and no secret value is
// anywhere the host wrote.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "http/http_server.hpp"
#include "support/cli_json.hpp"
#include "support/file_modes.hpp"
#include "support/host_process.hpp"
#include "support/jsonl.hpp"
#include "support/http_client.hpp"
#include "support/remote.hpp"

using Json = nlohmann::json;
using weir::test::HostProcess;
using weir::test::json_of;
using weir::test::Remote;
using weir::test::WeirHome;

namespace {

constexpr const char* kKey = "ck_live_3f9a0d7c2b6e41f5";
constexpr const char* kSecret = "cs_live_8e2d4c6a0b1f93e7";

bool wait_until(const std::function<bool()>& ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}


const std::string kShop = R"(name: shop
type: http
base_url: https://shop.example.com/wp-json/wc/v3/
auth:
  kind: query
  params: {consumer_key: "env:WEIR_TEST_APP_KEY", consumer_secret: "file:secrets/wc"}
rate: 5/s
concurrency: 2
)";

}  // namespace

TEST_CASE(
    "apps: listed with secrets by reference, reloaded, an invalid edit keeps the running version") {
  ::setenv("WEIR_TEST_APP_KEY", kKey, 1);
  WeirHome home({"core.so"});
  std::filesystem::create_directories(home.path("apps/secrets"));
  weir::test::write_private(home.path("apps/secrets/wc"), std::string(kSecret) + "\n");
  home.write("apps/shop.yaml", kShop);
  home.add_topology("sync.yaml", "name: sync\nnodes:\n  - {id: a, type: core.pass, app: shop}\n");
  home.add_topology("typo.yaml", "name: typo\nnodes:\n  - {id: a, type: core.pass, app: shpo}\n");
  HostProcess host(home);
  REQUIRE(host.start());
  // Nodes name the apps in effect: the one that names no app is an error at its line.
  const Json topologies = json_of(home.cli("topology ls", {"--json"}));
  REQUIRE(topologies["topologies"].size() == 1);
  CHECK(topologies["topologies"][0]["name"] == "sync");
  REQUIRE(topologies["errors"].size() == 1);
  CHECK(topologies["errors"][0]["file"] == home.path("topologies/typo.yaml"));
  CHECK(topologies["errors"][0]["line"] == 3);
  CHECK_THAT(topologies["errors"][0]["message"].get<std::string>(),
             Catch::Contains("unknown application 'shpo' (did you mean shop?"));

  Json ls = json_of(home.cli("apps ls", {"--json"}));
  REQUIRE(ls["apps"].size() == 1);
  const Json& shop = ls["apps"][0];
  CHECK(shop["name"] == "shop");
  CHECK(shop["type"] == "http");
  CHECK(shop["base_url"] == "https://shop.example.com/wp-json/wc/v3");
  CHECK(shop["rate"] == "5/s");
  CHECK(shop["concurrency"] == 2);
  CHECK(shop["auth"]["kind"] == "query");
  CHECK(shop["auth"]["secrets"]["consumer_key"] == "env:WEIR_TEST_APP_KEY");
  CHECK(shop["auth"]["secrets"]["consumer_secret"] == "file:" + home.path("apps/secrets/wc"));
  CHECK(ls["errors"].empty());
  const auto text = home.cli("apps ls");
  CHECK(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("shop") && Catch::Contains("5/s") &&
                           Catch::Contains("consumer_key=env:WEIR_TEST_APP_KEY"));

  // An invalid edit: shown at its file:line, and the running version stays.
  home.write("apps/shop.yaml", kShop + "rate_limit: 10/s\n");
  REQUIRE(wait_until([&] { return !json_of(home.cli("apps ls", {"--json"}))["errors"].empty(); }));
  ls = json_of(home.cli("apps ls", {"--json"}));
  CHECK(ls["errors"][0]["file"] == home.path("apps/shop.yaml"));
  CHECK(ls["errors"][0]["line"] == 9);
  CHECK_THAT(ls["errors"][0]["message"].get<std::string>(),
             Catch::Contains("unknown top-level key 'rate_limit'"));
  REQUIRE(ls["apps"].size() == 1);
  CHECK(ls["apps"][0]["invalid_edit"] == true);
  CHECK(ls["apps"][0]["rate"] == "5/s");
  CHECK_THAT(home.cli("apps ls").out, Catch::Contains("kept: shop runs as it was until"));

  // Fixed, with a new URL and an insecure twin: both in effect at once.
  std::string fixed = kShop;
  fixed.replace(fixed.find("shop.example.com"), 16, "shop2.example.com");
  home.write("apps/shop.yaml", fixed);
  home.write("apps/lab.yaml",
             "name: lab\ntype: http\nbase_url: https://lab.local\ntls: {insecure: true}\n");
  REQUIRE(wait_until([&] { return json_of(home.cli("apps ls", {"--json"}))["apps"].size() == 2; }));
  ls = json_of(home.cli("apps ls", {"--json"}));
  CHECK(ls["errors"].empty());
  CHECK(ls["apps"][1]["base_url"] == "https://shop2.example.com/wp-json/wc/v3");
  CHECK(ls["apps"][1]["invalid_edit"] == false);
  CHECK(ls["apps"][0]["tls"]["insecure"] == true);
  CHECK_THAT(host.log(), Catch::Contains("app lab: tls.insecure is true: TLS certificates are NOT "
                                         "verified"));
  CHECK_THAT(home.cli("apps ls").out, Catch::Contains("insecure: lab does not verify"));

  // Removed: taken out.
  std::filesystem::remove(home.path("apps/lab.yaml"));
  REQUIRE(wait_until([&] { return json_of(home.cli("apps ls", {"--json"}))["apps"].size() == 1; }));

  // The file of an app that a running topology names goes: the app stays
  // in effect (its nodes' calls keep working), saying which topology keeps it.
  std::filesystem::remove(home.path("apps/shop.yaml"));
  REQUIRE(wait_until([&] {
    return host.log().find("app shop: its file " + home.path("apps/shop.yaml") +
                           " is gone, but topology sync still names it") != std::string::npos;
  }));
  ls = json_of(home.cli("apps ls", {"--json"}));
  REQUIRE(ls["apps"].size() == 1);
  CHECK(ls["apps"][0]["file_gone_kept_for"] == Json::array({"sync"}));
  CHECK_THAT(home.cli("apps ls").out, Catch::Contains("kept: shop: its file"));
  CHECK(json_of(home.cli("topology ls", {"--json"}))["errors"].size() == 1);  // only typo.yaml
  // The last topology that names it lets go: the same reload takes the app away.
  home.add_topology("sync.yaml", "name: sync\nnodes:\n  - {id: a, type: core.pass}\n");
  REQUIRE(wait_until([&] { return json_of(home.cli("apps ls", {"--json"}))["apps"].empty(); }));
  CHECK_THAT(host.log(), Catch::Contains("app shop: removed"));

  // No secret value anywhere the host wrote: its log, what the CLI showed,
  // the database and its WAL.
  std::string written = host.log() + home.cli("apps ls").out + home.cli("apps ls", {"--json"}).out;
  for (const char* f : {"data/weir.db", "data/weir.db-wal"}) written += bytes_of(home.path(f));
  CHECK(written.find(kKey) == std::string::npos);
  CHECK(written.find(kSecret) == std::string::npos);
  REQUIRE(host.kill(SIGTERM) == 0);
  ::unsetenv("WEIR_TEST_APP_KEY");
}

TEST_CASE(
    "apps: weir apps check makes the authenticated check request and shows the remote's words, "
    "and weir limiter") {
  // The outside systems: a loopback server standing in for a shop, a shop
  // that refuses the key, and a shared host over its limits.
  Remote remote([](const weir::http::Request& r) {
    weir::http::Response out;
    if (r.path.rfind("/down", 0) == 0) {
      out.status = 401;
      out.content_type = "application/json";
      out.body = R"({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list )"
                 R"(resources.", "data": {"status": 401}})";
    } else if (r.path.rfind("/fragile", 0) == 0) {
      out.status = 508;
      out.content_type = "text/html";
      out.body =
          "<html><head><title>508 Resource Limit Is Reached</title></head><body>...</body></html>";
    } else {
      out.content_type = "application/json";
      out.body = "[]";
    }
    return out;
  });
  const std::string base = remote.base();

  ::setenv("WEIR_TEST_APP_TOKEN", kKey, 1);
  WeirHome home({"core.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/shop.yaml",
             "name: shop\ntype: http\nbase_url: " + base +
                 "/api\nauth: {kind: bearer, token: \"env:WEIR_TEST_APP_TOKEN\"}\n"
                 "rate: 5/s\nsettings: {check_path: system_status}\n");
  home.write("apps/down.yaml", "name: down\ntype: http\nbase_url: " + base + "/down\n");
  home.write("apps/fragile.yaml", "name: fragile\ntype: http\nbase_url: " + base + "/fragile\n");
  HostProcess host(home);
  REQUIRE(host.start());

  auto ok = home.cli("apps check", {"shop"});
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("ok: shop answered 200 in ") &&
                         Catch::Contains("(" + base + "/api/system_status)"));
  const auto seen = remote.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/api/system_status");
  CHECK(seen[0].header("Authorization") == std::string("Bearer ") + kKey);
  auto refused = home.cli("apps check", {"down"});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.out, Catch::StartsWith("failed: down answered 401 in ") &&
                              Catch::Contains(": woocommerce_rest_cannot_view: Sorry, you cannot "
                                              "list resources."));
  auto fragile = home.cli("apps check", {"fragile"});
  CHECK(fragile.code == 1);
  CHECK_THAT(fragile.out,
             Catch::Contains("answered 508") && Catch::Contains(": 508 Resource Limit Is Reached"));
  auto unknown = home.cli("apps check", {"nope"});
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.out, Catch::Contains("no application 'nope' is in effect"));

  const Json limiters = json_of(home.cli("limiter", {"--json"}))["limiters"];
  // Every app has one (sorted by name: down, fragile, shop); without a rate
  // it still counts, caps and pauses.
  REQUIRE(limiters.size() == 3);
  CHECK(limiters[0]["app"] == "down");
  CHECK(limiters[0]["rate"] == "none");
  CHECK(limiters[0]["started_last_minute"] == 1);
  CHECK(limiters[1]["app"] == "fragile");
  CHECK(limiters[1]["throttled_last_minute"] == 1);  // its 508
  CHECK(limiters[2]["app"] == "shop");
  CHECK(limiters[2]["rate"] == "5/s");
  CHECK(limiters[2]["started_last_minute"] == 1);
  CHECK_THAT(home.cli("limiter").out, Catch::Contains("shop") && Catch::Contains("5/s"));

  CHECK_THAT(host.log(), Catch::Contains("http shop: GET " + base + "/api/system_status -> 200"));
  CHECK(host.log().find(kKey) == std::string::npos);

  // Each check runs on a thread of its own; a finished one is joined when
  // its answer goes out, so checks do not pile up threads (8 MB of stack
  // each while unjoined).
  const auto vm_kb = [&] {
    std::ifstream status("/proc/" + std::to_string(host.pid()) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmSize:", 0) == 0) return std::stol(line.substr(7));
    }
    return 0L;
  };
  const long before = vm_kb();
  for (int i = 0; i < 30; ++i) REQUIRE(home.cli("apps check", {"down"}).code == 1);
  const long grown_mb = (vm_kb() - before) / 1024;
  INFO("VmSize grew " << grown_mb << " MB over 30 checks");
  CHECK(grown_mb < 100);
  REQUIRE(host.kill(SIGTERM) == 0);
  ::unsetenv("WEIR_TEST_APP_TOKEN");
}

TEST_CASE("apps: weir apps check waits for a slow application as long as its timeout allows") {
  // 17 s: longer than the CLI's usual 15 s wait for the host, within the app's 25 s timeout.
  Remote remote([](const weir::http::Request&) {
    std::this_thread::sleep_for(std::chrono::seconds(17));
    weir::http::Response out;
    out.content_type = "application/json";
    out.body = "{}";
    return out;
  });
  WeirHome home({"core.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/slow.yaml",
             "name: slow\ntype: http\nbase_url: " + remote.base() + "/api\ntimeout: 25s\n");
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("apps check", {"slow"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("ok: slow answered 200 in 1"));
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE(
    "apps: a node's calls reach its application through the host (ABI 1.4 http), never seeing the "
    "secret") {
  Remote remote([](const weir::http::Request& r) {
    weir::http::Response out;
    out.content_type = "application/json";
    out.body = R"([{"id": 7, "sku": "A-1"}])";
    if (r.path != "/api/products") {
      out.status = 404;
      out.body = R"({"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}})";
    }
    return out;
  });
  ::setenv("WEIR_TEST_APP_TOKEN", kKey, 1);
  WeirHome home({"core.so", "testkit.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/shop.yaml",
             "name: shop\ntype: http\nbase_url: " + remote.base() +
                 "/api\nauth: {kind: bearer, token: \"env:WEIR_TEST_APP_TOKEN\"}\n"
                 "rate: 20/s\n");
  const std::string recorded = home.path("recorded.jsonl");
  home.add_topology("pull.yaml",
                    "name: pull\nnodes:\n"
                    "  - {id: fetch, type: testkit.fetch, app: shop, config: {target: products}}\n"
                    "  - {id: keep, type: testkit.record, config: {path: \"" +
                        recorded +
                        "\"}}\n"
                        "edges:\n  - fetch -> keep\n");
  HostProcess host(home);
  REQUIRE(host.start());
  auto ok = home.cli("run pull", {"--payload", "{}", "--wait"});
  CHECK(ok.code == 0);
  std::ifstream in(recorded);
  std::string line;
  REQUIRE(std::getline(in, line));
  const Json rec = Json::parse(line);
  CHECK(rec["payload"]["status"] == 200);
  CHECK(rec["payload"]["body"][0]["sku"] == "A-1");
  const auto seen = remote.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header("Authorization") == std::string("Bearer ") + kKey);
  // A 404 fails that message with the status and the shop's own words (the
  // SDK's HttpResponse::problem); the node never saw the token.
  auto missing = home.cli("run pull", {"--payload", R"({"target": "nothing"})", "--wait"});
  CHECK(missing.code == 2);
  CHECK_THAT(home.cli("trash ls", {"--json"}).out,
             Catch::Contains("GET nothing: HTTP 404: rest_no_route: No route was found"));
  const Json limiters = json_of(home.cli("limiter", {"--json"}))["limiters"];
  REQUIRE(limiters.size() == 1);
  CHECK(limiters[0]["started_last_minute"] == 2);
  CHECK(host.log().find(kKey) == std::string::npos);
  REQUIRE(host.kill(SIGTERM) == 0);
  ::unsetenv("WEIR_TEST_APP_TOKEN");
}

TEST_CASE("apps: no secret value in anything the host wrote: log, CLI, /metrics, database") {
  // WooCommerce's query auth over a plain-HTTP loopback: the keys travel in
  // the URL, the shop repeats them in its Link header, and one request fails.
  Remote remote([](const weir::http::Request& r) {
    weir::http::Response out;
    out.content_type = "application/json";
    const auto q = r.target.find('?');
    out.headers.emplace_back("Link", "<http://shop/products?" +
                                         (q == std::string::npos ? "" : r.target.substr(q + 1)) +
                                         "&page=2>; rel=\"next\"");
    if (r.path == "/api/missing") {
      out.status = 404;
      out.body = R"({"code":"rest_no_route","message":"No route","data":{"status":404}})";
    } else {
      out.body = "[]";
    }
    return out;
  });
  ::setenv("WEIR_TEST_APP_KEY", kKey, 1);
  WeirHome home({"testkit.so"});
  std::filesystem::create_directories(home.path("apps/secrets"));
  weir::test::write_private(home.path("apps/secrets/wc"), std::string(kSecret) + "\n");
  home.write("apps/shop.yaml",
             "name: shop\ntype: http\nbase_url: " + remote.base() +
                 "/api\nauth:\n  kind: query\n  params: {consumer_key: \"env:WEIR_TEST_APP_KEY\", "
                 "consumer_secret: \"file:secrets/wc\"}\nrate: 20/s\n");
  home.add_topology("pull.yaml",
                    "name: pull\nnodes:\n"
                    "  - {id: fetch, type: testkit.fetch, app: shop, config: {target: products}}\n");
  HostProcess host(home);
  REQUIRE(host.start());
  CHECK(home.cli("run pull", {"--payload", "{}", "--wait"}).code == 0);
  CHECK(home.cli("run pull", {"--payload", R"({"target": "missing"})", "--wait"}).code == 2);
  REQUIRE(remote.seen().size() == 2);
  CHECK(remote.seen()[0].target.find(std::string("consumer_secret=") + kSecret) != std::string::npos);

  weir::test::HttpClient http;
  std::string written =
      home.cli("apps ls").out + home.cli("apps ls", {"--json"}).out +
      home.cli("apps check", {"shop"}).out + home.cli("limiter", {"--json"}).out +
      home.cli("trash ls", {"--json"}).out + home.cli("status", {"--json"}).out +
      home.cli("process ls", {"--json"}).out +
      http.get("http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>() +
               "/metrics")
          .body;
  const Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == 1);
  written += home.cli("trash show", {std::to_string(trash[0]["id"].get<long>())}).out;
  REQUIRE(host.kill(SIGTERM) == 0);
  written += host.log();
  for (const char* f : {"data/weir.db", "data/weir.db-wal"}) written += bytes_of(home.path(f));
  CHECK_THAT(written, Catch::Contains("consumer_key=REDACTED"));  // the log shows the request
  CHECK(written.find(kKey) == std::string::npos);
  CHECK(written.find(kSecret) == std::string::npos);
  ::unsetenv("WEIR_TEST_APP_KEY");
}

TEST_CASE("apps: a plugin's application type: settings checked by its schema, nodes by their app's type") {
  Remote remote([](const weir::http::Request& r) {
    weir::http::Response out;
    out.content_type = "application/json";
    out.body = r.path == "/api/system_status" ? R"({"environment": {}})" : "[]";
    return out;
  });
  WeirHome home({"testkit.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/shop.yaml", "name: shop\ntype: testkit.shop\nbase_url: " + remote.base() +
                                   "/api\nsettings:\n  store_code: default\n");
  home.write("apps/erp.yaml", "name: erp\ntype: http\nbase_url: " + remote.base() + "/erp\n");
  // Its settings break the type's schema: an error at the line of the value.
  home.write("apps/bad.yaml", "name: bad\ntype: testkit.shop\nbase_url: " + remote.base() +
                                  "\nsettings:\n  store_code: \"\"\n  colour: red\n");
  const std::string record = home.path("got.jsonl");
  home.add_topology("good.yaml", "name: good\nnodes:\n"
                                 "  - {id: pull, type: testkit.shop_fetch, app: shop, config: "
                                 "{target: products}}\n"
                                 "  - {id: got, type: testkit.record, config: {path: \"" +
                                     record + "\"}}\nedges:\n  - pull -> got\n");
  home.add_topology("wrong.yaml", "name: wrong\nnodes:\n"
                                  "  - id: pull\n    type: testkit.shop_fetch\n    app: erp\n");
  home.add_topology("none.yaml", "name: none\nnodes:\n  - {id: pull, type: testkit.shop_fetch}\n");
  HostProcess host(home);
  REQUIRE(host.start());

  const Json apps = json_of(home.cli("apps ls", {"--json"}));
  REQUIRE(apps["apps"].size() == 2);  // erp, shop
  CHECK(apps["apps"][1]["type"] == "testkit.shop");
  std::vector<std::string> app_errors;
  for (const auto& e : apps["errors"]) {
    app_errors.push_back(e["file"].get<std::string>() + ":" + std::to_string(e["line"].get<int>()) +
                         ": " + e["message"].get<std::string>());
  }
  const std::string bad = home.path("apps/bad.yaml");
  CHECK(app_errors == std::vector<std::string>{
                          bad + ":5: settings (type testkit.shop): /store_code: \"\" is shorter "
                                "than 1 character",
                          bad + ":6: settings (type testkit.shop): /: unknown key \"colour\" "
                                "(allowed: check_path, store_code)"});

  const Json topologies = json_of(home.cli("topology ls", {"--json"}));
  REQUIRE(topologies["topologies"].size() == 1);
  CHECK(topologies["topologies"][0]["name"] == "good");
  std::map<std::string, std::string> errors;
  for (const auto& e : topologies["errors"]) {
    errors[e["file"].get<std::string>()] =
        std::to_string(e["line"].get<int>()) + ": " + e["message"].get<std::string>();
  }
  CHECK(errors[home.path("topologies/wrong.yaml")] ==
        "5: node 'pull': type testkit.shop_fetch calls applications of type testkit.shop, but app "
        "'erp' is of type http");
  CHECK(errors[home.path("topologies/none.yaml")] ==
        "3: node 'pull': type testkit.shop_fetch calls an application of type testkit.shop: name "
        "one with app: NAME");

  // The type's check request, from the plugin.
  auto check = home.cli("apps check", {"shop"});
  CHECK(check.code == 0);
  CHECK_THAT(check.out, Catch::Contains("(" + remote.base() + "/api/system_status)"));

  // The node reads its app's settings at each call (ABI 1.6): an edit of
  // the app file counts from the next call on.
  auto settings_seen = [&] {
    auto r = home.cli("run", {"good", "--wait"});
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto lines = weir::test::read_jsonl(record);
    REQUIRE(!lines.empty());
    return lines.back()["payload"]["settings"];
  };
  CHECK(settings_seen() == Json{{"store_code", "default"}});
  home.write("apps/shop.yaml", "name: shop\ntype: testkit.shop\nbase_url: " + remote.base() +
                                   "/api\nsettings:\n  store_code: de\n");
  REQUIRE(home.cli("reload").code == 0);
  CHECK(settings_seen() == Json{{"store_code", "de"}});
  REQUIRE(host.kill(SIGTERM) == 0);
}
