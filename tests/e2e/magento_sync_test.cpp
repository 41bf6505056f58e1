// End to end: the Magento variants of the shipped flows (product-sync-magento,
// price-stock-sync-magento, order-sync-magento, order-status-sync-magento)
// with the real connectors against the ERP and
// Magento simulators (examples/sims/magento/README.md). The full import goes
// through Magento's asynchronous bulk API and is followed to each
// operation's end; a delta goes product by product; the product list pages
// by total_count (Magento repeats the last page past the end); an admin
// token that expires mid-sync costs one login, not a product; failing bulk
// operations put exactly those products in the trash with Magento's words;
// a fragile shop is never pushed over its limit; orders come in by poll
// once each, across a SIGKILL, and statuses go back as order actions.
#include <catch2/catch.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/jsonl.hpp"
#include "support/sim_json.hpp"
#include "support/sim_process.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

constexpr int kProducts = 250;

// Both applications; the shop by an admin login (the simulator's defaults).
void add_apps(const WeirHome& home, const SimProcess& erp, const SimProcess& shop,
              const std::string& shop_extra = "rate: 50/s\nburst: 5\n") {
  ::setenv("MAGENTO_USER", "admin", 1);
  ::setenv("MAGENTO_PASSWORD", "admin123", 1);
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() +
                                  "/api/v1\nrate: 200/s\nconcurrency: 8\n");
  // The ERP's pictures (weir-sim-erp --image-base self serves them at /img).
  home.write("apps/images.yaml", "name: images\ntype: http\nbase_url: " + erp.base() +
                                     "/img\nrate: 500/s\nconcurrency: 8\n");
  home.write("apps/shop.yaml",
             "name: shop\ntype: magento.shop\nbase_url: " + shop.base() +
                 "/rest\nauth: {kind: login, path: V1/integration/admin/token, fields: "
                 "{username: \"env:MAGENTO_USER\", password: \"env:MAGENTO_PASSWORD\"}}\n" +
                 shop_extra);
}

int run(const WeirHome& home, const std::string& topology) {
  auto r = home.cli("run", {topology, "--wait", "--timeout", "180"});
  INFO(r.out << home.cli("trash ls").out);
  return r.code;
}

// The ERP's categories made in the shop first (create-category-magento), as
// after an earlier sync, so that a full import goes in whole bulks.
void make_categories(const WeirHome& home, const SimProcess& erp) {
  const Json categories = get_json(erp.base() + "/api/v1/categories?per_page=100");
  REQUIRE(categories["data"].size() >= 5);
  for (const auto& c : categories["data"]) {
    auto r = home.cli("run", {"create-category-magento", "--payload",
                              Json{{"name", c["name"]}}.dump(), "--wait", "--timeout", "60"});
    INFO(r.out);
    REQUIRE(r.code == 0);
  }
}

// product-sync-magento (as given, or the shipped one without its cron) and
// the topology that makes its missing categories.
void add_product_sync(const WeirHome& home, std::string topology = {}) {
  if (topology.empty()) topology = without_cron(shipped_topology("product-sync-magento.yaml"));
  home.add_topology("product-sync-magento.yaml", topology);
  home.add_topology("create-category-magento.yaml",
                    shipped_topology("create-category-magento.yaml"));
}

Json shop_product(const SimProcess& shop, const std::string& sku) {
  // Through the control-free API: an admin token first.
  HttpClient http;
  auto t = http.post(shop.base() + "/rest/V1/integration/admin/token",
                     R"({"username":"admin","password":"admin123"})",
                     {{"Content-Type", "application/json"}});
  REQUIRE(t.status == 200);
  auto r = http.send("GET", shop.base() + "/rest/V1/products/" + sku, "",
                     {{"Authorization", "Bearer " + Json::parse(t.body).get<std::string>()}});
  REQUIRE(r.status == 200);
  return Json::parse(r.body);
}

}  // namespace

TEST_CASE("product-sync-magento: a full import through the bulk API, then only what changed") {
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "21"});
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "21", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  add_apps(home, erp, shop);
  add_product_sync(home);
  HostProcess host(home);
  REQUIRE(host.start());

  // 1. The full import: through the bulk API, each product finished by its
  //    own operation, saved once (a product that waited for its category
  //    goes in with a later, smaller batch: one by one when below bulk_from).
  REQUIRE(run(home, "product-sync-magento") == 0);
  Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_created"] == kProducts);
  CHECK(stats["bulk_operations_complete"].get<int>() +
            stats["by_route"].value("PUT /V1/products/<sku>", 0) ==
        kProducts);
  CHECK(stats["bulk_operations_complete"].get<int>() >= kProducts / 2);
  CHECK(stats["admin_tokens_issued"] == 1);
  CHECK(stats["by_status"].value("400", 0) == 0);  // no category made twice
  CHECK(get_json(shop.base() + "/_sim/stats")["max_requests_per_second"].get<int>() <= 55);
  const Json erp_one = get_json(erp.base() + "/api/v1/products/SKU-000007");
  const Json saved = shop_product(shop, "SKU-000007");
  CHECK(saved["name"] == erp_one["name"]);
  CHECK(saved["price"].get<double>() == std::stod(erp_one["price"].get<std::string>()));
  // The ERP's categories were missing in the shop: each made once under
  // Default Category, mapped, and linked to the products that name them.
  const Json categories = json_of(home.cli("ids ls", {"--system", "shop", "--entity", "category",
                                                      "--limit", "1000", "--json"}));
  CHECK(categories.size() >= 5);
  // (names the shop had already are found, not made)
  CHECK(stats["by_route"].value("POST /V1/categories", 0) <=
        static_cast<int>(categories.size()));
  CHECK(stats["by_route"].value("POST /V1/categories", 0) >= 1);
  std::map<std::string, std::string> id_of;  // category name -> the shop's id
  for (const auto& c : categories) id_of[c["local_id"]] = c["remote_id"];
  std::set<std::string> want, got;
  for (const auto& c : erp_one["categories"]) want.insert(id_of[c["name"].get<std::string>()]);
  for (const auto& link : saved["extension_attributes"]["category_links"]) {
    got.insert(link["category_id"].get<std::string>());
  }
  CHECK(!want.empty());
  CHECK(got == want);
  // Every picture downloaded once from where the ERP's URLs point and sent
  // as content; each product's gallery is the ERP's list.
  std::size_t pictures = 0;
  for (int i = 1; i <= kProducts; ++i) {
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%06d", i);
    pictures += get_json(erp.base() + "/api/v1/products/" + sku)["images"].size();
  }
  CHECK(stats["images_uploaded"] == static_cast<int>(pictures));
  CHECK(get_json(erp.base() + "/_sim/stats")["images_served"] == static_cast<int>(pictures));
  CHECK(saved["media_gallery_entries"].size() == erp_one["images"].size());
  CHECK(saved["media_gallery_entries"][0]["file"] == "/s/k/sku-000007-1.jpg");

  // 2. Nothing changed: Magento is asked nothing.
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "product-sync-magento") == 0);
  CHECK(get_json(shop.base() + "/_sim/stats")["requests"] == 0);

  // 3. 2% of the prices change: those products, one by one.
  const Json changed = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "price"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "product-sync-magento") == 0);
  stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_updated"] == changed["changed"]);
  CHECK(stats["requests"] == changed["changed"]);  // a PUT each, nothing else
  CHECK(stats["images_uploaded"] == 0);            // the pictures are the shop's already
  const std::string sku = changed["skus"][0];
  CHECK(shop_product(shop, sku)["price"].get<double>() ==
        std::stod(get_json(erp.base() + "/api/v1/products/" + sku)["price"].get<std::string>()));

  // 4. New pictures for 2%: exactly theirs downloaded and sent, the
  //    galleries replaced.
  const Json repictured =
      post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "images"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  post_json(erp.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "product-sync-magento") == 0);
  stats = get_json(shop.base() + "/_sim/stats");
  std::size_t new_pictures = 0;
  for (const auto& s : repictured["skus"]) {
    const Json now = get_json(erp.base() + "/api/v1/products/" + s.get<std::string>());
    new_pictures += now["images"].size();
    CHECK(shop_product(shop, s.get<std::string>())["media_gallery_entries"].size() ==
          now["images"].size());
  }
  CHECK(stats["products_updated"] == repictured["changed"]);
  CHECK(stats["images_uploaded"] == static_cast<int>(new_pictures));
  CHECK(get_json(erp.base() + "/_sim/stats")["images_served"] == static_cast<int>(new_pictures));
}

TEST_CASE("magento.list_products reads every product once: pages counted by total_count") {
  SimProcess shop("weir-sim-magento", {"--products", std::to_string(kProducts), "--seed", "22"});
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "testkit.so"});
  add_apps(home, shop, shop);
  const std::string record = home.path("listed.jsonl");
  home.add_topology("shop-products.yaml", R"(name: shop-products
nodes:
  - {id: list, type: magento.list_products, app: shop, config: {page_size: 7}}
  - {id: got, type: testkit.record, config: {path: ")" + record + R"("}}
edges:
  - list -> got
)");
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(run(home, "shop-products") == 0);
  std::set<long long> ids;
  std::size_t lines = 0;
  for (const auto& line : read_jsonl(record)) {
    ids.insert(line["payload"]["id"].get<long long>());
    ++lines;
  }
  const long long total = get_json(shop.base() + "/_sim/stats")["products"].get<long long>();
  CHECK(lines == static_cast<std::size_t>(total));  // the last page read once, not again
  CHECK(ids.size() == static_cast<std::size_t>(total));
  CHECK(get_json(shop.base() + "/_sim/stats")["by_route"].value("GET /V1/products", 0) ==
        (total + 6) / 7);
}

TEST_CASE("product-sync-magento: an admin token expiring mid-sync, a fragile shop, failing "
          "bulk operations") {
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "23"});
  // The shop takes 40 requests a second (5 at once), and saves 100 bulk
  // operations a second.
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "23", "--rate", "40",
                                       "--burst", "5", "--bulk-delay-ms", "100", "--bulk-rate",
                                       "100"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  add_apps(home, erp, shop, "rate: 30/s\nburst: 5\n");
  // Small bulks, so the sync takes a few seconds and the token dies in it.
  std::string topology = without_cron(shipped_topology("product-sync-magento.yaml"));
  const std::string from = "max_batch: 500\n    concurrency: 2\n";
  REQUIRE(topology.find(from) != std::string::npos);
  topology.replace(topology.find(from), from.size(), "max_batch: 25\n    concurrency: 2\n");
  add_product_sync(home, topology);
  const std::vector<std::string> doomed = {"SKU-000011", "SKU-000120", "SKU-000200"};
  post_json(shop.base() + "/_sim/bulk-fail",
            {{"skus", doomed}, {"message", "The value of attribute \"weight\" must be set"}});
  HostProcess host(home);
  REQUIRE(host.start());
  make_categories(home, erp);

  std::atomic<bool> done{false};
  std::thread expire([&] {
    // Once some products are in, every admin token expires.
    wait_until([&] { return done || get_json(shop.base() + "/_sim/stats")["products_created"] >= 50; },
               std::chrono::seconds(60));
    post_json(shop.base() + "/_sim/expire-tokens", Json::object());
  });
  const int code = run(home, "product-sync-magento");
  done = true;
  expire.join();
  CHECK(code == 2);  // completed, with the doomed products in the trash

  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_created"] == kProducts - 3);
  CHECK(stats["products_updated"] == 0);  // nothing saved twice
  CHECK(stats["admin_tokens_issued"] == 2);  // one login again, after the expiry
  CHECK(stats["throttled_429"] == 0);
  CHECK(stats["max_requests_per_second"].get<int>() <= 40);
  const Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == doomed.size());
  std::set<std::string> trashed;
  for (const auto& t : trash) {
    CHECK(t["node"] == "shop-bulk");  // the product's own operation, not the batch
    CHECK_THAT(t["error"].get<std::string>(),
               Catch::Contains("The value of attribute \"weight\" must be set"));
    for (const auto& sku : doomed) {
      if (t["error"].get<std::string>().find(sku) != std::string::npos) trashed.insert(sku);
    }
  }
  CHECK(trashed == std::set<std::string>(doomed.begin(), doomed.end()));
}

TEST_CASE("price-stock-sync-magento: base prices and MSI stock in bulk to the app's source, "
          "then only changed rows") {
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "24"});
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "24", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  // The shop's MSI source is the app's setting (the shipped node names none).
  add_apps(home, erp, shop, "rate: 50/s\nburst: 5\nsettings: {source_code: eu_warehouse}\n");
  add_product_sync(home);
  home.add_topology("price-stock-sync-magento.yaml",
                    without_cron(shipped_topology("price-stock-sync-magento.yaml")));
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(run(home, "product-sync-magento") == 0);

  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "price-stock-sync-magento") == 0);
  Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["prices_written"] == kProducts);
  CHECK(stats["stock_items_written"] == kProducts);
  CHECK(stats["requests"].get<int>() <= 2 * ((kProducts + 99) / 100) + 4);
  auto source_items = [&](const std::string& source) {
    HttpClient http;
    auto t = http.post(shop.base() + "/rest/V1/integration/admin/token",
                       R"({"username":"admin","password":"admin123"})",
                       {{"Content-Type", "application/json"}});
    const std::string q =
        "searchCriteria[filter_groups][0][filters][0][field]=source_code&"
        "searchCriteria[filter_groups][0][filters][0][value]=" + source + "&"
        "searchCriteria[pageSize]=1";
    auto r = http.send("GET", shop.base() + "/rest/V1/inventory/source-items?" + q, "",
                       {{"Authorization", "Bearer " + Json::parse(t.body).get<std::string>()}});
    REQUIRE(r.status == 200);
    return Json::parse(r.body)["total_count"].get<int>();
  };
  CHECK(source_items("eu_warehouse") == kProducts);  // none there before this run

  const Json prices = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "price"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "price-stock-sync-magento") == 0);
  stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["prices_written"] == prices["changed"]);
  CHECK(stats["stock_items_written"] == 0);
  CHECK(stats["requests"] == 1);
  const std::string sku = prices["skus"][0];
  CHECK(shop_product(shop, sku)["price"].get<double>() ==
        std::stod(get_json(erp.base() + "/api/v1/prices/" + sku)["price"].get<std::string>()));
}

// Orders by poll (Magento has no webhooks) into the ERP exactly once, also
// across a SIGKILL in the middle of the intake; then the ERP's statuses back
// as Magento's order actions.
TEST_CASE("order-sync-magento: each order once by poll across a SIGKILL, statuses back as actions") {
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", "40", "--seed", "25"});
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "25", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  add_apps(home, erp, shop);
  add_product_sync(home);
  for (const char* t : {"order-sync-magento.yaml", "order-status-sync-magento.yaml"}) {
    home.add_topology(t, without_cron(shipped_topology(t)));
  }
  auto host = std::make_unique<HostProcess>(home);
  REQUIRE(host->start());
  REQUIRE(run(home, "product-sync-magento") == 0);  // the shop sells the ERP's products
  auto erp_stats = [&] { return get_json(erp.base() + "/_sim/stats"); };

  // Five orders, one poll.
  const Json first = post_json(shop.base() + "/_sim/orders", {{"count", 5}, {"status", "pending"}});
  REQUIRE(run(home, "order-sync-magento") == 0);
  CHECK(erp_stats()["orders"]["confirmed"] == 5);

  // Three more; the poll is killed once the ERP has made the first of them
  // (every ERP call slowed down), and runs again after the restart.
  post_json(shop.base() + "/_sim/orders", {{"count", 3}, {"status", "processing"}});
  post_json(erp.base() + "/_sim/fragile", {{"latency_ms", 300}});
  auto started = home.cli("run", {"order-sync-magento"});
  REQUIRE(started.code == 0);
  REQUIRE(wait_until([&] { return erp_stats()["orders"]["created"] >= 6; },
                     std::chrono::seconds(30)));
  host->kill(SIGKILL);
  host.reset();
  post_json(erp.base() + "/_sim/fragile", Json::object());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the call in flight lands
  host = std::make_unique<HostProcess>(home);
  REQUIRE(host->start());
  REQUIRE(wait_until([&] { return erp_stats()["orders"]["confirmed"] == 8; },
                     std::chrono::seconds(60)));
  // And a poll that sees all eight again makes nothing.
  REQUIRE(run(home, "order-sync-magento") == 0);
  Json stats = erp_stats();
  INFO(stats.dump() << home.cli("trash ls").out);
  CHECK(stats["orders"]["created"] == 8);
  CHECK(stats["orders"]["confirmed"] == 8);

  // Statuses back: the ERP's first order paid, the second shipped with a
  // tracking number, the third cancelled.
  const auto ids = first["ids"];
  post_json(erp.base() + "/_sim/order-status",
            {{"external_ref", std::to_string(ids[0].get<long long>())}, {"status", "paid"}});
  post_json(erp.base() + "/_sim/order-status",
            {{"external_ref", std::to_string(ids[1].get<long long>())}, {"status", "shipped"},
             {"tracking", "1Z999AA10123456784"}});
  post_json(erp.base() + "/_sim/order-status",
            {{"external_ref", std::to_string(ids[2].get<long long>())}, {"status", "cancelled"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "order-status-sync-magento") == 0);
  const Json shop_stats = get_json(shop.base() + "/_sim/stats");
  INFO(shop_stats.dump());
  CHECK(shop_stats["orders_invoiced"] == 1);
  CHECK(shop_stats["orders_shipped"] == 1);
  CHECK(shop_stats["orders_canceled"] == 1);
  // Run again: the comparator holds every status back; Magento is asked nothing.
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "order-status-sync-magento") == 0);
  CHECK(get_json(shop.base() + "/_sim/stats")["requests"] == 0);
}

TEST_CASE("magento: the integration's OAuth 1.0a (four values, HMAC-SHA256) signs every flow's "
          "requests, searchCriteria brackets included, and a wrong secret is named") {
  constexpr int kFew = 40;
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", std::to_string(kFew),
                                  "--seed", "27"});
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "27", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0", "--consumer-key", "ck_int",
                                       "--consumer-secret", "cs_int", "--access-token", "at_int",
                                       "--access-token-secret", "ats_int"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  ::setenv("MG_CK", "ck_int", 1);
  ::setenv("MG_CS", "cs_int", 1);
  ::setenv("MG_AT", "at_int", 1);
  ::setenv("MG_ATS", "ats_int", 1);
  ::setenv("MG_ATS_WRONG", "ats_other", 1);
  WeirHome home({"core.so", "magento.so", "erp.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() +
                                  "/api/v1\nrate: 200/s\nconcurrency: 8\n");
  home.write("apps/images.yaml", "name: images\ntype: http\nbase_url: " + erp.base() + "/img\n");
  const std::string oauth =
      "type: magento.shop\nbase_url: " + shop.base() +
      "/rest\nrate: 50/s\nauth: {kind: oauth1, consumer_key: \"env:MG_CK\", consumer_secret: "
      "\"env:MG_CS\", token: \"env:MG_AT\", signature_method: HMAC-SHA256, token_secret: ";
  home.write("apps/shop.yaml", "name: shop\n" + oauth + "\"env:MG_ATS\"}\n");
  home.write("apps/wrong.yaml", "name: wrong\n" + oauth + "\"env:MG_ATS_WRONG\"}\n");
  add_product_sync(home);
  for (const char* t : {"price-stock-sync-magento.yaml", "order-sync-magento.yaml"}) {
    home.add_topology(t, without_cron(shipped_topology(t)));
  }
  HostProcess host(home);
  REQUIRE(host.start());

  // Products (bulk, categories looked up and made), prices and stock, and
  // an order poll (searchCriteria's bracketed parameters signed).
  REQUIRE(run(home, "product-sync-magento") == 0);
  REQUIRE(run(home, "price-stock-sync-magento") == 0);
  post_json(shop.base() + "/_sim/orders", {{"count", 2}, {"status", "pending"}});
  REQUIRE(run(home, "order-sync-magento") == 0);
  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_created"] == kFew);
  CHECK(stats["prices_written"] == kFew);
  CHECK(stats["by_route"].value("GET /V1/orders", 0) >= 1);
  CHECK(stats["by_route"].value("GET /V1/categories/list", 0) >= 1);
  CHECK(stats["admin_tokens_issued"] == 0);
  CHECK(stats["unauthorized_401"] == 0);
  CHECK(stats["by_status"].value("400", 0) == 0);
  CHECK(get_json(erp.base() + "/_sim/stats")["orders"]["created"] == 2);

  // The check request signed the same way; a wrong token secret gets
  // Magento's own words, and no secret shows.
  const auto ok = home.cli("apps check", {"shop"});
  INFO(ok.out);
  CHECK(ok.code == 0);
  const auto bad = home.cli("apps check", {"wrong"});
  INFO(bad.out);
  CHECK(bad.code != 0);
  CHECK_THAT(bad.out, Catch::Contains("401") && Catch::Contains("The signature is invalid"));
  for (const char* secret : {"cs_int", "ats_int", "ats_other"}) {
    CHECK(bad.out.find(secret) == std::string::npos);
  }
}

TEST_CASE("price-stock-sync-magento: a shop with Magento's web API input limits on gets its "
          "lists in parts of its limit, learned from its one refusal") {
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "29"});
  // Input List Limit 20 (Magento's default once the limits are enabled).
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "29", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0", "--input-limits"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  add_apps(home, erp, shop);
  add_product_sync(home);
  home.add_topology("price-stock-sync-magento.yaml",
                    without_cron(shipped_topology("price-stock-sync-magento.yaml")));
  HostProcess host(home);
  REQUIRE(host.start());
  make_categories(home, erp);
  REQUIRE(run(home, "product-sync-magento") == 0);  // bulks of 100: the async limit is 5,000

  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  REQUIRE(run(home, "price-stock-sync-magento") == 0);
  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["prices_written"] == kProducts);
  CHECK(stats["stock_items_written"] == kProducts);
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());
  // One refusal teaches the node the limit (two if two batches were sent
  // before the first answer came); every other request is a part of 20.
  const int refused = stats["by_status"].value("400", 0);
  CHECK(refused >= 1);
  CHECK(refused <= 2);
  const int parts = (kProducts + 19) / 20;
  CHECK(stats["by_route"].value("POST /V1/products/base-prices", 0) >= parts);
  CHECK(stats["by_route"].value("POST /V1/products/base-prices", 0) <= parts + 2 + refused);
  CHECK(stats["by_route"].value("POST /V1/inventory/source-items", 0) <= parts + 2 + refused);
}

TEST_CASE("product-sync-magento: pictures it cannot fetch fail their products at the images node, "
          "named, and a replay after the app is mended brings them in") {
  constexpr int kFew = 12;
  SimProcess erp("weir-sim-erp", {"--image-base", "self", "--style", "classic", "--products",
                                  std::to_string(kFew), "--seed", "31"});
  SimProcess shop("weir-sim-magento", {"--products", "0", "--seed", "31", "--bulk-delay-ms",
                                       "100", "--bulk-rate", "0"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "magento.so", "erp.so"});
  add_apps(home, erp, shop);
  // The app points elsewhere than the ERP's image URLs.
  home.write("apps/images.yaml", "name: images\ntype: http\nbase_url: " + erp.base() + "/media\n");
  add_product_sync(home);
  HostProcess host(home);
  REQUIRE(host.start());
  CHECK(run(home, "product-sync-magento") == 2);  // completed, with failures
  const Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == static_cast<std::size_t>(kFew));
  for (const auto& t : trash) {
    CHECK(t["node"] == "images");
    CHECK_THAT(t["error"].get<std::string>(),
               Catch::Contains("SKU-0000") && Catch::Contains(erp.base() + "/img/SKU-0000"));
  }
  CHECK(get_json(shop.base() + "/_sim/stats")["products_created"] == 0);

  // Mended: the replayed products go in with their pictures.
  home.write("apps/images.yaml", "name: images\ntype: http\nbase_url: " + erp.base() + "/img\n");
  REQUIRE(home.cli("reload").code == 0);
  auto replay = home.cli("trash replay", {"--all"});
  INFO(replay.out);
  REQUIRE(replay.code == 0);
  wait_until([&] { return get_json(shop.base() + "/_sim/stats")["products_created"] == kFew; },
             std::chrono::seconds(30));
  const Json stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_created"] == kFew);
  CHECK(stats["images_uploaded"].get<int>() >= kFew);
  wait_until([&] { return json_of(home.cli("trash ls", {"--json"})).empty(); },
             std::chrono::seconds(30));
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());
}
