// weir-sim-woocommerce's webhooks (delivered to a receiver in this test)
// and its fragile-host mode (508 above the concurrency, 429 above the
// rate, 503 during an outage).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "sim_http.hpp"
#include "support/http_client.hpp"
#include "support/sim_process.hpp"

using weir::test::HttpClient;
using weir::test::HttpResult;
using weir::test::SimProcess;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kKeys = "consumer_key=ck_test&consumer_secret=cs_test";

// An HTTP endpoint that records what it is sent and answers `status`.
class Receiver {
 public:
  Receiver()
      : server_("127.0.0.1", 0,
                [this](const weir::sims::Request& r) {
                  std::lock_guard lock(mu_);
                  got_.push_back(r);
                  weir::sims::Response res;
                  res.status = status.load();
                  return res;
                }),
        thread_([this] { server_.run(); }) {}
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  // Waits up to 5 s until `n` requests came; returns what came.
  std::vector<weir::sims::Request> wait_for(std::size_t n) {
    for (int i = 0; i < 250; ++i) {
      {
        std::lock_guard lock(mu_);
        if (got_.size() >= n) return got_;
      }
      std::this_thread::sleep_for(20ms);
    }
    std::lock_guard lock(mu_);
    return got_;
  }
  std::atomic<int> status{200};

 private:
  std::mutex mu_;
  std::vector<weir::sims::Request> got_;
  weir::sims::HttpServer server_;
  std::thread thread_;
};

std::string signature(const std::string& body, const std::string& secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), md, &len);
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), md, static_cast<int>(len))));
  return out;
}

HttpResult put_json(HttpClient& http, const std::string& url, const Json& body) {
  return http.post(url, body.dump(),
                   {{"Content-Type", "application/json"}, {"X-HTTP-Method-Override", "PUT"}});
}

}  // namespace

TEST_CASE(
    "a new webhook is pinged and a delivery carries the topic headers and a signature that "
    "verifies") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "10", "--https-terminated"});
  REQUIRE(shop.start());
  Receiver receiver;
  HttpClient http;
  const std::string api = shop.base() + "/wp-json/wc/v3/";
  const HttpResult made = http.post(api + "webhooks?" + kKeys,
                                    Json{{"name", "t"},
                                         {"topic", "product.updated"},
                                         {"delivery_url", receiver.url()},
                                         {"secret", "s3cret"}}
                                        .dump(),
                                    {{"Content-Type", "application/json"}});
  REQUIRE(made.status == 201);
  const Json hook = Json::parse(made.body);
  CHECK(hook["status"] == "active");
  auto got = receiver.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "webhook_id=" + std::to_string(hook["id"].get<long>()));
  CHECK(got[0].header("content-type").find("application/x-www-form-urlencoded") !=
        std::string::npos);

  REQUIRE(put_json(http, api + "products/1?" + kKeys, {{"regular_price", "42.00"}}).status == 200);
  got = receiver.wait_for(2);
  REQUIRE(got.size() == 2);
  const auto& d = got[1];
  CHECK(d.header("x-wc-webhook-topic") == "product.updated");
  CHECK(d.header("x-wc-webhook-resource") == "product");
  CHECK(d.header("x-wc-webhook-event") == "updated");
  CHECK(d.header("x-wc-webhook-id") == std::to_string(hook["id"].get<long>()));
  CHECK(d.header("x-wc-webhook-source") == "https" + shop.base().substr(4) + "/");
  CHECK(!d.header("x-wc-webhook-delivery-id").empty());
  CHECK(d.header("user-agent").find("WooCommerce/") == 0);
  CHECK(d.header("x-wc-webhook-signature") == signature(d.body, "s3cret"));
  const Json payload = Json::parse(d.body);
  CHECK(payload["id"] == 1);
  CHECK(payload["regular_price"] == "42.00");
}

TEST_CASE("a webhook is disabled after 7 failed deliveries in a row and never retried") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "10", "--https-terminated"});
  REQUIRE(shop.start());
  Receiver receiver;
  receiver.status = 500;
  HttpClient http;
  const std::string api = shop.base() + "/wp-json/wc/v3/";
  const HttpResult made =
      http.post(api + "webhooks?" + kKeys,
                Json{{"topic", "product.updated"}, {"delivery_url", receiver.url()}}.dump(),
                {{"Content-Type", "application/json"}});
  REQUIRE(made.status == 201);
  const std::string hook =
      api + "webhooks/" + std::to_string(Json::parse(made.body)["id"].get<long>()) + "?" + kKeys;
  REQUIRE(receiver.wait_for(1).size() == 1);  // the ping (its failure does not count)
  for (int i = 1; i <= 7; ++i) {
    REQUIRE(put_json(http, api + "products/1?" + kKeys,
                     {{"regular_price", std::to_string(10 + i) + ".00"}})
                .status == 200);
    REQUIRE(receiver.wait_for(1 + i).size() == static_cast<std::size_t>(1 + i));
    if (i == 6) {
      std::this_thread::sleep_for(100ms);
      CHECK(Json::parse(http.get(hook).body)["status"] == "active");
    }
  }
  std::string status;
  for (int i = 0; i < 100 && status != "disabled"; ++i) {
    std::this_thread::sleep_for(20ms);
    status = Json::parse(http.get(hook).body)["status"];
  }
  CHECK(status == "disabled");
  REQUIRE(put_json(http, api + "products/1?" + kKeys, {{"regular_price", "99.00"}}).status == 200);
  std::this_thread::sleep_for(300ms);
  CHECK(receiver.wait_for(0).size() == 8);  // nothing more: disabled, and nothing retried
}

TEST_CASE(
    "fragile mode answers 508 above the concurrency limit and the stats never see more at once") {
  SimProcess shop("weir-sim-woocommerce",
                  {"--products", "2000", "--https-terminated", "--max-concurrent", "2"});
  REQUIRE(shop.start());
  std::atomic<int> ok{0}, limited{0};
  std::atomic<bool> html{true};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      HttpClient http;
      for (int i = 0; i < 15; ++i) {
        const HttpResult r =
            http.get(shop.base() + "/wp-json/wc/v3/products?per_page=100&" + kKeys);
        if (r.status == 200) ++ok;
        if (r.status == 508) {
          ++limited;
          if (r.body.find("508 Resource Limit Is Reached") == std::string::npos) html = false;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(limited > 0);
  CHECK(ok > 0);
  CHECK(html);
  HttpClient http;
  const Json s = Json::parse(http.get(shop.base() + "/_sim/stats").body);
  CHECK(s["resource_limit_508"] == limited.load());
  CHECK(s["max_concurrent"].get<int>() <= 2);
}

TEST_CASE(
    "fragile mode answers 429 above the rate with Retry-After always, never or every other time") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "5", "--https-terminated", "--rate", "5",
                                           "--burst", "5", "--retry-after", "always"});
  REQUIRE(shop.start());
  HttpClient http;
  const std::string url = shop.base() + "/wp-json/wc/v3/system_status?" + kKeys;
  auto burst = [&](int n, int* refused, int* with_retry_after) {
    *refused = *with_retry_after = 0;
    for (int i = 0; i < n; ++i) {
      const HttpResult r = http.get(url);
      if (r.status == 429) {
        ++*refused;
        if (!r.header("retry-after").empty()) ++*with_retry_after;
      }
    }
  };
  int refused = 0, with = 0;
  burst(20, &refused, &with);
  CHECK(refused >= 10);
  CHECK(with == refused);

  REQUIRE(http.post(shop.base() + "/_sim/fragile", R"({"rate":5,"burst":5,"retry_after":"never"})")
              .status == 200);
  burst(20, &refused, &with);
  CHECK(refused >= 10);
  CHECK(with == 0);

  REQUIRE(
      http.post(shop.base() + "/_sim/fragile", R"({"rate":5,"burst":5,"retry_after":"sometimes"})")
          .status == 200);
  burst(20, &refused, &with);
  CHECK(refused >= 10);
  CHECK(with > 0);
  CHECK(with < refused);

  REQUIRE(http.post(shop.base() + "/_sim/fragile", R"({"off":true})").status == 200);
  burst(20, &refused, &with);
  CHECK(refused == 0);
}

TEST_CASE("an outage answers 503 to everything until it ends") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "5", "--https-terminated"});
  REQUIRE(shop.start());
  HttpClient http;
  const std::string url = shop.base() + "/wp-json/wc/v3/products?" + kKeys;
  REQUIRE(http.post(shop.base() + "/_sim/outage", R"({"seconds":0.5})").status == 200);
  CHECK(http.get(url).status == 503);
  std::this_thread::sleep_for(700ms);
  CHECK(http.get(url).status == 200);
}
