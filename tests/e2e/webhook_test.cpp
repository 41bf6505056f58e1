// End to end: webhooks, /metrics and health of the real host, with a real HTTP
// client (libcurl) on loopback. Signatures are computed here with OpenSSL
// directly, not with the host's code.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "support/cli_json.hpp"
#include "support/file_modes.hpp"
#include "support/jsonl.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

using weir::test::read_jsonl;

std::string hmac_sha256(const std::string& key, const std::string& body, bool hex) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  if (hex) {
    char buf[3];
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      std::snprintf(buf, sizeof buf, "%02x", mac[i]);
      out += buf;
    }
    return out;
  }
  std::string out(4 * ((len + 2) / 3), '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len))));
  return out;
}

// The host's HTTP base URL, from `weir status --json`.
std::string base_url(const WeirHome& home) {
  const Json status = json_of(home.cli("status", {"--json"}));
  return "http://" + status["http"].get<std::string>();
}

std::size_t process_count(const WeirHome& home) {
  return json_of(home.cli("process ls", {"--limit", "100000", "--json"})).size();
}

// A WooCommerce order.created delivery, about 2 KB like a real order.
std::string order_json(int id) {
  Json lines = Json::array();
  for (int i = 0; i < 8; ++i) {
    lines.push_back({{"id", 100 + i}, {"name", "Product " + std::to_string(i)}, {"sku", "SKU-" + std::to_string(i)},
                     {"quantity", 1 + i % 3}, {"total", "19.90"}});
  }
  return Json{{"id", id}, {"status", "processing"}, {"currency", "EUR"}, {"total", "159.20"},
              {"billing", {{"first_name", "Jana"}, {"last_name", "Nováková"}, {"city", "Brno"},
                           {"email", "jana@example.com"}}},
              {"line_items", lines}}
      .dump();
}

const char* kSecret = "wc-s3cret";

std::vector<std::pair<std::string, std::string>> woo_headers(const std::string& body, int delivery) {
  return {{"Content-Type", "application/json"},
          {"X-WC-Webhook-Topic", "order.created"},
          {"X-WC-Webhook-Delivery-ID", std::to_string(delivery)},
          {"X-WC-Webhook-Signature", hmac_sha256(kSecret, body, false)}};
}

void add_orders(const WeirHome& home, const std::string& record_path, int sleep_ms = 0) {
  weir::test::write_private(home.path("gh-secret"), "gh-secret\n");
  home.add_topology("orders.yaml", R"(name: orders
triggers:
  - id: created
    webhook: {signature: woocommerce, secret: "env:WEIR_TEST_WC_SECRET", max_body: 64KB}
  - id: github
    webhook: {signature: hmac, header: X-Hub-Signature-256, encoding: hex, prefix: "sha256=",
              secret: "file:../gh-secret"}
  - id: open
    webhook: {signature: none}
nodes:
  - {id: erp, type: testkit.act, config: {defaults: {sleep_ms: )" + std::to_string(sleep_ms) + R"(}}}
  - {id: record, type: testkit.record, config: {path: ")" + record_path + R"("}}
edges:
  - erp -> record
)");
}

}  // namespace

TEST_CASE("webhooks: signed deliveries start processes and bad ones are refused with nothing stored") {
  ::setenv("WEIR_TEST_WC_SECRET", kSecret, 1);  // the host inherits it
  WeirHome home({"core.so", "testkit.so"});
  const std::string recorded = home.path("orders.jsonl");
  add_orders(home, recorded);
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;

  SECTION("a good WooCommerce signature: 202 with the process, which gets body and headers") {
    const std::string body = order_json(7001);
    auto r = http.post(url + "/hooks/orders/created", body, woo_headers(body, 555));
    INFO(r.body << r.error);
    REQUIRE(r.status == 202);
    const auto id = Json::parse(r.body)["process"].get<std::uint64_t>();
    REQUIRE(wait_done(home, "record", 1));
    const Json shown = json_of(home.cli("process show " + std::to_string(id), {"--json"}));
    CHECK(shown["process"]["state"] == "completed");
    CHECK(shown["process"]["correlation_id"] == "555");  // the delivery id
    auto got = read_jsonl(recorded);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["payload"] == Json::parse(body));
    CHECK(got[0]["headers"]["x-wc-webhook-topic"] == "order.created");
    CHECK(got[0]["headers"]["webhook"] == "orders/created");
    CHECK_FALSE(got[0]["headers"].contains("x-wc-webhook-signature"));

    // Another scheme: hex HMAC with a prefix, secret from a file. Its
    // signature header is not stored either, nor is a WooCommerce one that
    // came along; the sender's other x- headers are.
    const std::string gh = R"({"action": "opened"})";
    auto g = http.post(url + "/hooks/orders/github", gh,
                       {{"X-Hub-Signature-256", "sha256=" + hmac_sha256("gh-secret", gh, true)},
                        {"X-GitHub-Event", "pull_request"},
                        {"X-WC-Webhook-Signature", hmac_sha256(kSecret, gh, false)}});
    CHECK(g.status == 202);
    CHECK(http.post(url + "/hooks/orders/open", "[1, 2]").status == 202);
    REQUIRE(wait_done(home, "record", 3));
    bool seen = false;
    for (const auto& line : read_jsonl(recorded)) {
      if (line["headers"]["webhook"] != "orders/github") continue;
      seen = true;
      CHECK(line["headers"]["x-github-event"] == "pull_request");
      CHECK_FALSE(line["headers"].contains("x-hub-signature-256"));
      CHECK_FALSE(line["headers"].contains("x-wc-webhook-signature"));
      for (const auto& [name, value] : line["headers"].items()) {
        CHECK_THAT(value.get<std::string>(), !Catch::Contains(hmac_sha256("gh-secret", gh, true)));
      }
    }
    CHECK(seen);
  }

  SECTION("refusals say why, and store nothing") {
    const std::string body = order_json(7002);
    auto bad = woo_headers(body, 1);
    bad.back().second = hmac_sha256("wrong secret", body, false);
    auto r = http.post(url + "/hooks/orders/created", body, bad);
    CHECK(r.status == 401);
    CHECK_THAT(r.body, Catch::Contains("does not match"));
    auto missing = woo_headers(body, 2);
    missing.pop_back();
    r = http.post(url + "/hooks/orders/created", body, missing);
    CHECK(r.status == 401);
    CHECK_THAT(r.body, Catch::Contains("missing signature header X-WC-Webhook-Signature"));
    // A body changed after signing.
    auto tampered = woo_headers(body, 3);
    r = http.post(url + "/hooks/orders/created", body + " ", tampered);
    CHECK(r.status == 401);

    const std::string big(70 * 1024, ' ');  // over this hook's 64 KB
    r = http.post(url + "/hooks/orders/created", big, woo_headers(big, 4));
    CHECK(r.status == 413);
    const std::string huge(2 * 1024 * 1024, ' ');  // over the host's 1 MB: refused unread
    r = http.post(url + "/hooks/orders/open", huge);
    CHECK(r.status == 413);

    const std::string broken = R"({"id": 7003, "status": })";
    r = http.post(url + "/hooks/orders/created", broken, woo_headers(broken, 5));
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("not JSON") && Catch::Contains("column 24"));

    r = http.post(url + "/hooks/orders/created", "webhook_id=12",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(r.status == 200);  // WooCommerce's ping when the webhook is created

    // A 404 tells an unauthenticated caller nothing of what this host runs;
    // the log does.
    r = http.post(url + "/hooks/ordrs/created", body, woo_headers(body, 6));
    CHECK(r.status == 404);
    CHECK(r.body == "no such webhook\n");
    r = http.post(url + "/hooks/orders/updated", body, woo_headers(body, 7));
    CHECK(r.status == 404);
    CHECK(r.body == "no such webhook\n");
    CHECK_THAT(host.log(), Catch::Contains("this host runs: orders") &&
                               Catch::Contains("it has: created, github, open"));
    CHECK(http.get(url + "/hooks/orders/created").status == 405);

    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(process_count(home) == 0);
    CHECK(read_jsonl(recorded).empty());

    // /metrics counts each answer.
    auto m = http.get(url + "/metrics");
    REQUIRE(m.status == 200);
    CHECK_THAT(m.body, Catch::Contains("weir_webhook_requests_total{code=\"401\"} 3") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"413\"} 2") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"400\"} 1") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"200\"} 1") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"404\"} 2") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"405\"} 1") &&
                           Catch::Contains("weir_webhook_requests_total{code=\"202\"} 0"));
  }
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("health, readiness and metrics report what the host did") {
  ::setenv("WEIR_TEST_WC_SECRET", kSecret, 1);
  WeirHome home({"core.so", "testkit.so"});
  add_orders(home, home.path("orders.jsonl"));
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;
  CHECK(http.get(url + "/healthz").status == 200);
  CHECK(http.get(url + "/readyz").status == 200);
  CHECK(http.get(url + "/nothing").status == 404);
  for (int i = 0; i < 20; ++i) {
    const std::string body = order_json(i);
    REQUIRE(http.post(url + "/hooks/orders/created", body, woo_headers(body, i)).status == 202);
  }
  // One poison order fails at erp and goes to the trash.
  const std::string poison = R"({"id": 99, "fail": "address has no street"})";
  REQUIRE(http.post(url + "/hooks/orders/created", poison, woo_headers(poison, 99)).status == 202);
  REQUIRE(wait_done(home, "record", 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto m = http.get(url + "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = m.body;
  CHECK_THAT(t, Catch::Contains("weir_node_processed_total{topology=\"orders\",node=\"erp\"} 20"));
  CHECK_THAT(t, Catch::Contains("weir_node_failed_total{topology=\"orders\",node=\"erp\"} 1"));
  CHECK_THAT(t, Catch::Contains("weir_node_processed_total{topology=\"orders\",node=\"record\"} 20"));
  CHECK_THAT(t, Catch::Contains("weir_queue_depth{topology=\"orders\",node=\"erp\"} 0"));
  CHECK_THAT(t, Catch::Contains("weir_trash_entries 1"));
  CHECK_THAT(t, Catch::Contains("weir_processes{topology=\"orders\",state=\"completed\"} 20"));
  CHECK_THAT(t, Catch::Contains("weir_processes{topology=\"orders\",state=\"completed_with_failures\"} 1"));
  CHECK_THAT(t, Catch::Contains("weir_webhook_requests_total{code=\"202\"} 21"));
  CHECK_THAT(t, Catch::Contains("# TYPE weir_node_call_seconds histogram"));
  CHECK_THAT(t, Catch::Contains("weir_node_call_seconds_bucket{topology=\"orders\",node=\"erp\","
                                "le=\"+Inf\"}"));
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("a SIGKILL right after the 202s loses no accepted webhook") {
  ::setenv("WEIR_TEST_WC_SECRET", kSecret, 1);
  WeirHome home({"core.so", "testkit.so"});
  const std::string recorded = home.path("orders.jsonl");
  add_orders(home, recorded, 20);  // a slow ERP: most orders are still queued at the kill
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;
  std::set<std::uint64_t> accepted;
  for (int i = 0; i < 200; ++i) {
    const std::string body = order_json(i);
    auto r = http.post(url + "/hooks/orders/created", body, woo_headers(body, i));
    REQUIRE(r.status == 202);
    accepted.insert(Json::parse(r.body)["process"].get<std::uint64_t>());
  }
  host.kill(SIGKILL);
  CHECK(read_jsonl(recorded).size() < 200);  // the kill came while work was still queued

  REQUIRE(host.start());
  REQUIRE(wait_done(home, "record", 200, std::chrono::seconds(60)));
  const Json done = json_of(home.cli("process ls", {"--state", "completed", "--limit", "1000", "--json"}));
  std::set<std::uint64_t> completed;
  for (const auto& p : done) completed.insert(p["id"].get<std::uint64_t>());
  CHECK(completed == accepted);
  std::set<int> orders;
  for (const auto& l : read_jsonl(recorded)) orders.insert(l["payload"]["id"].get<int>());
  CHECK(orders.size() == 200);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("a topology over its queue cap answers 503 with Retry-After and stores nothing of it") {
  ::setenv("WEIR_TEST_WC_SECRET", kSecret, 1);
  WeirHome home({"core.so", "testkit.so"});
  home.write("weir.yaml", "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\n"
                          "http: {listen: \"127.0.0.1:0\", max_queued: 5}\n");
  add_orders(home, home.path("orders.jsonl"), 3000);  // the ERP takes 3 s per order
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;
  // Posted until the cap answers: the count behind it is refreshed at most
  // every 250 ms, so a burst may overshoot by what comes in that time.
  std::size_t accepted = 0;
  HttpResult r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    const std::string body = order_json(i);
    r = http.post(url + "/hooks/orders/created", body, woo_headers(body, i));
    if (r.status != 202) break;
    ++accepted;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(accepted >= 5);
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "5");
  CHECK_THAT(r.body, Catch::Contains("over the cap of 5 (weir.yaml http.max_queued)"));
  CHECK(process_count(home) == accepted);  // nothing of the refused one is stored
  host.kill(SIGKILL);
}

TEST_CASE("a full store answers 503 with Retry-After and keeps every webhook it accepted",
          "[sqlite]") {
  WeirHome home({"core.so", "testkit.so"});
  // A 3 MB database and an ERP that takes 10 ms per order: the queue fills it.
  home.write("weir.yaml", weir::test::kBaseConfig + "store: {max_size: 3MB}\n");
  home.add_topology("orders.yaml", R"(name: orders
trace: off
triggers:
  - {id: open, webhook: {signature: none}}
nodes:
  - {id: erp, type: testkit.act, config: {defaults: {sleep_ms: 10}}}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;
  std::set<std::uint64_t> accepted;
  int full = 0;
  const std::string pad(4000, 'x');
  for (int i = 0; i < 3000 && full == 0; ++i) {
    auto r = http.post(url + "/hooks/orders/open", Json{{"id", i}, {"pad", pad}}.dump());
    if (r.status == 202) {
      accepted.insert(Json::parse(r.body)["process"].get<std::uint64_t>());
    } else {
      REQUIRE(r.status == 503);
      CHECK(r.header("retry-after") == "5");
      CHECK_THAT(r.body, Catch::Contains("cannot accept now") && Catch::Contains("full"));
      ++full;
    }
  }
  REQUIRE(full == 1);  // the store filled up before 3000 orders
  INFO(accepted.size() << " accepted before the store was full");
  CHECK(accepted.size() > 100);
  // As the ERP works through the queue, space comes back and every accepted
  // order completes; the refused one was never stored.
  REQUIRE(wait_done(home, "erp", static_cast<std::int64_t>(accepted.size()),
                    std::chrono::seconds(120)));
  const Json done = json_of(home.cli("process ls", {"--state", "completed", "--limit", "10000", "--json"}));
  std::set<std::uint64_t> completed;
  for (const auto& p : done) completed.insert(p["id"].get<std::uint64_t>());
  CHECK(completed == accepted);
  CHECK(process_count(home) == accepted.size());
  auto again = http.post(url + "/hooks/orders/open", R"({"id": "after"})");
  CHECK(again.status == 202);  // and it accepts again
  REQUIRE(host.kill(SIGTERM) == 0);
}

// The secret is read at each request: a file that appears or changes after
// the start is used at once (`weir reload` and the watcher need not see it;
// it is often outside their directories). Until it is there, the hook
// answers 500 and names nothing; the log says what is missing.
TEST_CASE("webhooks: a secret file created or rotated after the start is used, and until then the hook answers 500 naming nothing") {
  ::unsetenv("WEIR_TEST_NEVER_SET");
  WeirHome home({"core.so", "testkit.so"});
  const std::string secret_file = home.path("late-secret");
  home.add_topology("hooks.yaml", R"(name: hooks
triggers:
  - id: late
    webhook: {signature: hmac, header: X-Signature, encoding: hex, secret_file: ")" +
                                      secret_file + R"("}
  - id: env
    webhook: {signature: woocommerce, secret_env: WEIR_TEST_NEVER_SET}
nodes:
  - {id: a, type: core.pass}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string url = base_url(home);
  HttpClient http;
  const std::string body = R"({"id": 1})";
  auto post = [&](const std::string& key) {
    return http.post(url + "/hooks/hooks/late", body,
                     {{"X-Signature", hmac_sha256(key, body, true)}});
  };

  auto r = post("one");
  CHECK(r.status == 500);
  CHECK(r.body == "webhook not configured on this host\n");
  r = http.post(url + "/hooks/hooks/env", body, woo_headers(body, 1));
  CHECK(r.status == 500);
  CHECK(r.body == "webhook not configured on this host\n");
  CHECK_THAT(host.log(),
             Catch::Contains("secret file " + secret_file + " cannot be read") &&
                 Catch::Contains("environment variable WEIR_TEST_NEVER_SET is not set"));

  // Written as an editor would (0644 under the usual umask): refused until
  // it is private, and the log says why.
  std::ofstream(secret_file) << "one\n";
  std::filesystem::permissions(secret_file, std::filesystem::perms(0644));
  r = post("one");
  CHECK(r.status == 500);
  CHECK(r.body == "webhook not configured on this host\n");
  CHECK_THAT(host.log(), Catch::Contains("secret file " + secret_file +
                                         " is open to group or others (mode 0644)"));
  std::filesystem::permissions(secret_file, std::filesystem::perms(0600));
  CHECK(post("one").status == 202);  // no reload needed
  REQUIRE(home.cli("reload").code == 0);
  CHECK(post("one").status == 202);  // and a reload keeps it

  // Rotated in place, then replaced by a rename (as secret managers do).
  std::ofstream(secret_file, std::ios::trunc) << "two\n";
  CHECK(post("one").status == 401);
  CHECK(post("two").status == 202);
  weir::test::write_private(secret_file + ".new", "three\n");
  std::filesystem::rename(secret_file + ".new", secret_file);
  CHECK(post("two").status == 401);
  CHECK(post("three").status == 202);

  std::filesystem::remove(secret_file);
  r = post("three");
  CHECK(r.status == 500);
  CHECK_THAT(r.body, !Catch::Contains("late-secret"));
  REQUIRE(host.kill(SIGTERM) == 0);
}
