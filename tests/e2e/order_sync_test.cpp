// End to end: the shipped order-sync topology with the real connectors,
// against both simulators (the shop behind HTTPS termination, so Basic auth
// works, as it does for most shops). One shop order is one ERP order,
// however it arrives: by webhook, by the reconciliation poll, delivered
// twice, or redelivered after the host was SIGKILLed between the ERP's
// create and weir's commit. A webhook lost while weir was away is caught by
// the poll. An order the ERP refuses (a bad postcode) lands in the trash with
// the ERP's reason; corrected in the shop, the next poll takes it through.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/sim_json.hpp"
#include "support/sim_process.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

const std::pair<std::string, std::string> kShopAuth{"Authorization", "Basic Y2tfdGVzdDpjc190ZXN0"};
const char* kHookSecret = "hook-secret-1";

Json call(const std::string& method, const std::string& url, const Json& body = nullptr,
          int expected = 200) {
  HttpClient http;
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"},
                                                           kShopAuth};
  if (method != "GET" && method != "POST") headers.emplace_back("X-HTTP-Method-Override", method);
  auto r = method == "GET" ? http.send("GET", url, "", headers)
                           : http.post(url, body.is_null() ? "{}" : body.dump(), headers);
  INFO(method << " " << url << ": " << r.status << " " << r.body << r.error);
  REQUIRE(r.status == expected);
  return Json::parse(r.body);
}

// base64(HMAC-SHA256(body, secret)): WooCommerce's X-WC-Webhook-Signature.
std::string woo_signature(const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), kHookSecret, static_cast<int>(std::strlen(kHookSecret)),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &n);
  std::string out(4 * ((n + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(n));
  return out;
}

Json an_order(const std::string& sku, const std::string& postcode,
              const std::string& email = "anna.novak@example.com") {
  const Json address = {{"first_name", "Anna"}, {"last_name", "Novak"},
                        {"address_1", "Unter den Linden 1"}, {"city", "Berlin"},
                        {"postcode", postcode}, {"country", "DE"}};
  Json billing = address;
  billing["email"] = email;
  return {{"status", "processing"}, {"currency", "EUR"}, {"billing", billing},
          {"shipping", address},
          {"line_items", Json::array({{{"sku", sku}, {"quantity", 2}}})}};
}

struct Stack {
  SimProcess erp{"weir-sim-erp", {"--style", "classic", "--products", "40", "--seed", "9"}};
  SimProcess shop{"weir-sim-woocommerce", {"--products", "0", "--seed", "9", "--https-terminated",
                                           "--webhook-secret", kHookSecret}};
  WeirHome home{{"core.so", "woocommerce.so", "erp.so"}};

  // erp_concurrency > 1: the shipped order-sync with more calls at once on
  // its erp node (so two deliveries of one order can race).
  explicit Stack(int erp_concurrency = 1) {
    REQUIRE(erp.start());
    REQUIRE(shop.start());
    ::setenv("WC_KEY", "ck_test", 1);
    ::setenv("WC_SECRET", "cs_test", 1);
    ::setenv("WC_WEBHOOK_SECRET", kHookSecret, 1);
    std::filesystem::create_directories(home.path("apps"));
    home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() + "/api/v1\n");
    home.write("apps/shop.yaml", "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                                     "/wp-json/wc/v3\nauth: {kind: basic, username: \"env:WC_KEY\", "
                                     "password: \"env:WC_SECRET\"}\nrate: 50/s\n");
    for (const char* t : {"product-sync.yaml", "create-category.yaml", "order-sync.yaml",
                          "order-status-sync.yaml"}) {
      std::string text = without_cron(shipped_topology(t));  // polls started by the test
      if (erp_concurrency > 1 && std::string(t) == "order-sync.yaml") {
        const std::string node = "  - id: erp\n    type: erp.create_order\n";
        const auto at = text.find(node);
        REQUIRE(at != std::string::npos);
        text.insert(at + node.size(),
                    "    concurrency: " + std::to_string(erp_concurrency) + "\n");
      }
      home.add_topology(t, text);
    }
  }
  std::string api(const std::string& path) const { return shop.base() + "/wp-json/wc/v3/" + path; }
  Json erp_orders() const { return call("GET", erp.base() + "/_sim/stats")["orders"]; }
  Json erp_stats() const { return call("GET", erp.base() + "/_sim/stats"); }
  std::string weir_http() const {
    return "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
  }
};

}  // namespace

TEST_CASE("order-sync: one ERP order per shop order, by webhook, poll, duplicate and crash") {
  Stack s;
  auto host = std::make_unique<HostProcess>(s.home);
  REQUIRE(host->start());
  auto products = s.home.cli("run", {"product-sync", "--wait", "--timeout", "120"});
  INFO(products.out);
  REQUIRE(products.code == 0);  // the shop sells the ERP's products
  call("POST", s.api("webhooks"), {{"name", "weir"}, {"topic", "order.created"},
                                   {"delivery_url", s.weir_http() + "/hooks/order-sync/created"},
                                   {"secret", kHookSecret}}, 201);

  // Three orders by webhook.
  std::vector<long long> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(call("POST", s.api("orders"), an_order("SKU-00000" + std::to_string(i + 1), "10115"),
                       201)["id"].get<long long>());
  }
  REQUIRE(wait_until([&] { return s.erp_orders()["confirmed"] == 3; }, std::chrono::seconds(30)));

  // The poll sees them again, and one delivery comes twice: nothing new.
  auto poll = s.home.cli("run", {"order-sync", "--start", "shop-orders", "--wait", "--timeout", "60"});
  INFO(poll.out);
  REQUIRE(poll.code == 0);
  const Json order = call("GET", s.api("orders/" + std::to_string(ids[0])));
  HttpClient http;
  const std::string body = order.dump();
  auto again = http.post(s.weir_http() + "/hooks/order-sync/created", body,
                         {{"Content-Type", "application/json"},
                          {"X-WC-Webhook-Signature", woo_signature(body)},
                          {"X-WC-Webhook-Topic", "order.created"}});
  REQUIRE(again.status == 202);
  REQUIRE(wait_done(s.home, "erp", 3 + 3 + 1));  // webhook 3, poll 3, the duplicate
  CHECK(s.erp_orders()["created"] == 3);
  CHECK(s.erp_orders()["duplicates_prevented"] == 0);  // never even tried twice
  // The customer was created once, then found by e-mail.
  CHECK(call("GET", s.erp.base() + "/_sim/stats")["customers"]["created"] == 1);

  // A crash between the ERP's create and weir's commit: every ERP call now
  // takes 1 s; once the ERP has created the order (weir is then confirming
  // it), the host is SIGKILLed.
  call("POST", s.erp.base() + "/_sim/fragile", {{"latency_ms", 1000}});
  call("POST", s.api("orders"), an_order("SKU-000004", "10117"), 201);
  REQUIRE(wait_until([&] { return s.erp_orders()["created"] == 4; }, std::chrono::seconds(30)));
  host->kill(SIGKILL);
  host.reset();
  call("POST", s.erp.base() + "/_sim/fragile", Json::object());
  host = std::make_unique<HostProcess>(s.home);
  REQUIRE(host->start());
  // Redelivered: the lookup by external reference finds the unconfirmed
  // order, which is confirmed, not created again.
  REQUIRE(wait_until([&] { return s.erp_orders()["confirmed"] == 4; }, std::chrono::seconds(30)));
  CHECK(s.erp_orders()["created"] == 4);
  CHECK(s.erp_orders()["duplicates_prevented"] == 0);

  // The restarted host listens on another port: the shop's webhook fails
  // (WooCommerce never retries it). The poll catches the order all the
  // same; its postcode is bad: the ERP's reason lands in the trash.
  const long long bad = call("POST", s.api("orders"), an_order("SKU-000005", "1234"), 201)["id"];
  auto caught = s.home.cli("run", {"order-sync", "--start", "shop-orders", "--wait", "--timeout", "60"});
  INFO(caught.out);
  CHECK(caught.code == 2);  // completed, with that order in the trash
  const Json trash = json_of(s.home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == 1);
  CHECK(trash[0]["node"] == "erp");
  CHECK_THAT(trash[0]["error"].get<std::string>(),
             Catch::Contains("HTTP 422: shipping_address.postcode: invalid_postcode: a German "
                             "postcode has 5 digits, not \"1234\""));
  CHECK(s.erp_orders()["created"] == 4);
  // Corrected in the shop; the next poll (orders changed since the last
  // one began) takes it through.
  Json fix = an_order("SKU-000005", "12345");
  call("PUT", s.api("orders/" + std::to_string(bad)), {{"shipping", fix["shipping"]}});
  auto later = s.home.cli("run", {"order-sync", "--start", "shop-orders", "--wait", "--timeout", "60"});
  INFO(later.out);
  CHECK(later.code == 0);
  CHECK(s.erp_orders()["confirmed"] == 5);
  CHECK(s.erp_orders()["created"] == 5);

  // order-status-sync: the ERP ships one order and cancels another; the
  // shop gets exactly those two statuses (the first run also sends the
  // others' "processing", which the shop has: a second run sends nothing).
  auto statuses = [&] {
    auto r = s.home.cli("run", {"order-status-sync", "--wait", "--timeout", "60"});
    INFO(r.out);
    INFO(s.home.cli("trash ls").out);
    REQUIRE(r.code == 0);
  };
  statuses();
  call("POST", s.erp.base() + "/_sim/order-status",
       {{"external_ref", std::to_string(ids[0])}, {"status", "shipped"}, {"tracking", "1Z999AA1"}});
  call("POST", s.erp.base() + "/_sim/order-status",
       {{"external_ref", std::to_string(ids[1])}, {"status", "cancelled"}});
  statuses();
  CHECK(call("GET", s.api("orders/" + std::to_string(ids[0])))["status"] == "completed");
  CHECK(call("GET", s.api("orders/" + std::to_string(ids[1])))["status"] == "cancelled");
  CHECK(call("GET", s.api("orders/" + std::to_string(ids[2])))["status"] == "processing");
  const Json notes = call("GET", s.api("orders/" + std::to_string(ids[0]) + "/notes"));
  CHECK(notes.dump().find("1Z999AA1") != std::string::npos);
  // Nothing changed since: whatever the window's overlap reads again, the
  // comparator holds back; the shop is sent nothing.
  const int sent = node_status(s.home, "shop", "order-status-sync")["done"];
  statuses();
  CHECK(node_status(s.home, "shop", "order-status-sync")["done"] == sent);
}

// "Redelivered after a SIGKILL at any point between the ERP call and the
// commit": an order's write is several ERP calls (customer lookup and
// create, order lookup, create and confirm). With every ERP call slowed
// down, the host is killed once the ERP has answered N of them, for every
// N: the call in flight then still takes effect at the ERP, and weir has
// committed nothing. The redelivered message must find what the ERP has
// (the lookups by e-mail and external reference) and make neither a second
// customer nor a second order. The last N leaves the ERP with the order
// created and confirmed and weir with nothing: the point just before the
// commit.
TEST_CASE("order-sync: a SIGKILL after any ERP call of an order's write makes one ERP order") {
  Stack s;
  auto host = std::make_unique<HostProcess>(s.home);
  REQUIRE(host->start());
  auto products = s.home.cli("run", {"product-sync", "--wait", "--timeout", "120"});
  INFO(products.out);
  REQUIRE(products.code == 0);

  // The shop's order, delivered to weir as the shop's webhook would.
  auto deliver = [&](int n) {
    const Json made = call("POST", s.api("orders"),
                           an_order("SKU-00000" + std::to_string(n % 9 + 1), "10115",
                                    "buyer" + std::to_string(n) + "@example.com"),
                           201);
    const std::string body = made.dump();
    HttpClient http;
    auto r = http.post(s.weir_http() + "/hooks/order-sync/created", body,
                       {{"Content-Type", "application/json"},
                        {"X-WC-Webhook-Signature", woo_signature(body)},
                        {"X-WC-Webhook-Topic", "order.created"}});
    REQUIRE(r.status == 202);
  };
  auto requests = [&] { return s.erp_stats()["requests_total"].get<int>(); };
  auto settled = [&](int orders) {
    REQUIRE(wait_until([&] { return s.erp_orders()["confirmed"] == orders; },
                       std::chrono::seconds(30)));
    REQUIRE(wait_done(s.home, "erp", orders));
    const Json stats = s.erp_stats();
    INFO(stats.dump() << "\n" << s.home.cli("trash ls").out);
    CHECK(stats["orders"]["created"] == orders);
    CHECK(stats["customers"]["created"] == orders);
    CHECK(stats["orders"]["duplicates_prevented"] == 0);
    CHECK(stats["customers"]["duplicates_prevented"] == 0);
  };

  // Unharmed, an order of a new customer takes this many ERP calls.
  int base = requests();
  deliver(0);
  settled(1);
  const int calls = requests() - base;
  REQUIRE(calls >= 4);  // lookup and create of the customer and the order, at least

  for (int answered = 1; answered < calls; ++answered) {
    INFO("killed after " << answered << " of " << calls << " ERP calls");
    call("POST", s.erp.base() + "/_sim/fragile", {{"latency_ms", 400}});
    base = requests();
    deliver(answered);
    // Killed with the next call in flight: after the ERP answered this many
    // and has the next one (the host may be committing between two calls).
    REQUIRE(wait_until(
        [&] {
          const Json st = s.erp_stats();
          return st["requests_total"].get<int>() >= base + answered &&
                 st["requests_in_flight"].get<int>() > 0;
        },
        std::chrono::seconds(30)));
    host->kill(SIGKILL);
    host.reset();
    // The call in flight takes effect at the ERP all the same.
    REQUIRE(wait_until([&] { return requests() >= base + answered + 1; },
                       std::chrono::seconds(10)));
    call("POST", s.erp.base() + "/_sim/fragile", Json::object());
    host = std::make_unique<HostProcess>(s.home);
    REQUIRE(host->start());
    settled(answered + 1);
  }
  CHECK(json_of(s.home.cli("trash ls", {"--json"})).empty());
}

// The webhook and the poll (or two hosts) deliver one new order at the same
// moment: both calls look the customer and the order up, neither finds
// them, both create. The ERP refuses the second create (409, it has that
// e-mail and that external reference); that call is retried and its
// lookup finds what the first made. One customer, one order, no trash.
TEST_CASE("order-sync: two deliveries of one order at the same moment make one ERP order") {
  Stack s(2);
  auto host = std::make_unique<HostProcess>(s.home);
  REQUIRE(host->start());
  auto products = s.home.cli("run", {"product-sync", "--wait", "--timeout", "120"});
  INFO(products.out);
  REQUIRE(products.code == 0);
  call("POST", s.erp.base() + "/_sim/fragile", {{"latency_ms", 300}});
  const Json made = call("POST", s.api("orders"), an_order("SKU-000002", "10115"), 201);
  const std::string body = made.dump();
  for (int twice = 0; twice < 2; ++twice) {
    HttpClient http;
    auto r = http.post(s.weir_http() + "/hooks/order-sync/created", body,
                       {{"Content-Type", "application/json"},
                        {"X-WC-Webhook-Signature", woo_signature(body)},
                        {"X-WC-Webhook-Topic", "order.created"}});
    REQUIRE(r.status == 202);
  }
  REQUIRE(wait_done(s.home, "erp", 2, std::chrono::seconds(60)));
  const Json stats = s.erp_stats();
  INFO(stats.dump() << "\n" << s.home.cli("trash ls").out);
  CHECK(stats["orders"]["created"] == 1);
  CHECK(stats["orders"]["confirmed"] == 1);
  CHECK(stats["customers"]["created"] == 1);
  // They did race: the ERP refused a second create of each.
  CHECK(stats["customers"]["duplicates_prevented"] == 1);
  CHECK(stats["orders"]["duplicates_prevented"].get<int>() <= 1);
  CHECK(json_of(s.home.cli("trash ls", {"--json"})).empty());
}
