// End to end: the shipped product-sync topology (topologies/), the real
// woocommerce and erp plugins, the real host, and both simulators as child
// processes (weir-sim-erp in its classic style, weir-sim-woocommerce over
// plain HTTP with OAuth 1.0a). What a user runs it for:
//  - the first run is a full import: every ERP product reaches the shop
//    once, its missing categories created on the fly first;
//  - a run with nothing changed asks the shop nothing;
//  - after 2% of the prices changed, only those products reach the shop, in
//    one batch request;
//  - after a stock-only change (which moves the ERP's modification time but
//    not the shop-side shape) the comparator holds everything back;
// and the shop's own product list, read by woocommerce.list_products through
// the unstable default order and oauth_* Link headers, is every product
// exactly once.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/jsonl.hpp"
#include "support/sim_json.hpp"
#include "support/sim_process.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

constexpr int kProducts = 250;

// A home with both applications pointed at the simulators.
void add_apps(const WeirHome& home, const SimProcess& erp, const SimProcess& shop) {
  ::setenv("WC_KEY", "ck_test", 1);
  ::setenv("WC_SECRET", "cs_test", 1);
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() +
                                  "/api/v1\nrate: 200/s\nconcurrency: 8\n");
  home.write("apps/shop.yaml",
             "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                 "/wp-json/wc/v3\nauth: {kind: oauth1, consumer_key: \"env:WC_KEY\", "
                 "consumer_secret: \"env:WC_SECRET\"}\nrate: 50/s\nburst: 5\nconcurrency: 4\n");
}

void run_sync(const WeirHome& home) {
  auto r = home.cli("run", {"product-sync", "--wait", "--timeout", "180"});
  INFO(r.out);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("product-sync: a full import, then only what changed reaches the shop") {
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "3"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "3"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  add_apps(home, erp, shop);
  home.add_topology("product-sync.yaml", without_cron(shipped_topology("product-sync.yaml")));
  home.add_topology("create-category.yaml", shipped_topology("create-category.yaml"));
  HostProcess host(home);
  REQUIRE(host.start());

  // 1. The full import.
  run_sync(home);
  Json stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_created"] == kProducts);
  CHECK(stats["products_updated"] == 0);
  const Json mapped = json_of(home.cli("ids ls", {"--system", "shop", "--entity", "product",
                                                  "--limit", "1000", "--json"}));
  CHECK(mapped.size() == static_cast<std::size_t>(kProducts));
  // The ERP's categories were missing in the shop: created once each (a
  // product that asked after its category's run had completed starts
  // another run, which finds the category instead of making it again).
  const Json categories = json_of(home.cli("ids ls", {"--system", "shop", "--entity", "category",
                                                      "--json"}));
  CHECK(categories.size() >= 5);
  INFO(stats.dump());
  // (some of the ERP's category names the shop had already: found, not made)
  CHECK(stats["by_route"].value("POST /wc/v3/products/categories", 0) <=
        static_cast<int>(categories.size()));
  CHECK(stats["by_status"].value("400", 0) == 0);  // no term_exists: nothing made twice
  // The shop's limit (50/s, burst 5) held in every second.
  CHECK(stats["max_requests_per_second"].get<int>() <= 55);
  // Each product's images were downloaded once (1 to 3 each), and the
  // list each product was sent is remembered.
  CHECK(stats["images_sideloaded"].get<int>() >= kProducts);
  CHECK(stats["images_sideloaded"].get<int>() <= 3 * kProducts);
  CHECK(json_of(home.cli("ids ls", {"--system", "shop", "--entity", "images", "--limit", "1000",
                                    "--json"}))
            .size() == static_cast<std::size_t>(kProducts));

  // 2. Nothing changed: the shop is not asked anything.
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_sync(home);
  CHECK(get_json(shop.base() + "/_sim/stats")["requests"] == 0);

  // 3. 2% of the prices change in the ERP: exactly those, in one request.
  const Json changed = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "price"}});
  REQUIRE(changed["changed"] == kProducts * 2 / 100);
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_sync(home);
  stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_updated"] == changed["changed"]);
  CHECK(stats["products_created"] == 0);
  CHECK(stats["requests"] == 1);  // one products/batch: no lookup, the ID map knew them all
  CHECK(stats["batch_requests"] == 1);
  CHECK(stats["images_sideloaded"] == 0);  // same pictures: not sent, not downloaded again

  // 4. Stock changes move the ERP's modification time, not what the shop is
  //    sent: the comparator holds them all back.
  post_json(erp.base() + "/_sim/change", {{"percent", 4}, {"what", "stock"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_sync(home);
  CHECK(get_json(shop.base() + "/_sim/stats")["requests"] == 0);
  CHECK(node_status(home, "compare", "product-sync")["stopped"].get<int>() >= kProducts * 4 / 100);

  // 5. New pictures for 2% of the products in the ERP: those products are
  //    sent with their new list, and only their images are downloaded.
  const Json pictured = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "images"}});
  int new_images = 0;
  for (const auto& sku : pictured["skus"]) {
    new_images += static_cast<int>(
        get_json(erp.base() + "/api/v1/products/" + sku.get<std::string>())["images"].size());
  }
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_sync(home);
  stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_updated"] == pictured["changed"]);
  CHECK(stats["images_sideloaded"] == new_images);
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());
}

TEST_CASE("woocommerce.list_products reads every product once despite the shop's paging traps") {
  SimProcess shop("weir-sim-woocommerce", {"--products", std::to_string(kProducts), "--seed", "5"});
  REQUIRE(shop.start());
  WeirHome home({"core.so", "woocommerce.so", "testkit.so"});
  add_apps(home, shop, shop);
  const std::string record = home.path("listed.jsonl");
  home.add_topology("shop-products.yaml", R"(name: shop-products
nodes:
  - id: list
    type: woocommerce.list_products
    app: shop
    config: {per_page: 7}
  - id: got
    type: testkit.record
    config: {path: ")" + record + R"("}
edges:
  - list -> got
)");
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("run", {"shop-products", "--wait", "--timeout", "120"});
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::set<long long> ids;
  std::size_t lines = 0;
  for (const auto& line : read_jsonl(record)) {
    ids.insert(line["payload"]["id"].get<long long>());
    ++lines;
  }
  CHECK(lines == static_cast<std::size_t>(kProducts));
  CHECK(ids.size() == static_cast<std::size_t>(kProducts));
  // The shop sent Link headers carrying the request's oauth_* parameters;
  // the node pages by number, and the host signs each page afresh.
  const Json stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["by_status"].value("401", 0) == 0);
}

TEST_CASE("price-stock-sync: prices and MAIN stock in bulk, then only the changed rows") {
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", std::to_string(kProducts),
                                  "--seed", "4"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "4"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  add_apps(home, erp, shop);
  for (const char* t : {"product-sync.yaml", "create-category.yaml", "price-stock-sync.yaml"}) {
    home.add_topology(t, without_cron(shipped_topology(t)));
  }
  HostProcess host(home);
  REQUIRE(host.start());
  run_sync(home);  // the products exist in the shop first

  auto run_prices = [&] {
    auto r = home.cli("run", {"price-stock-sync", "--wait", "--timeout", "120"});
    INFO(r.out);
    REQUIRE(r.code == 0);
  };
  // The first run writes every price row and every MAIN stock row: two
  // updates a product, 100 to a request.
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_prices();
  Json stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_updated"] == 2 * kProducts);
  CHECK(stats["by_route"].value("GET /wc/v3/products", 0) == 0);  // all known from the ID map
  CHECK(stats["batch_requests"].get<int>() <= 2 * kProducts / 100 + 2);

  // 2% of the prices and 2% of the stock change: only those rows go.
  const Json prices = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "price"}});
  const Json stock = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "stock"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_prices();
  stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["products_updated"] ==
        prices["changed"].get<int>() + stock["changed"].get<int>());
  CHECK(stats["requests"].get<int>() <= 2);
}

// A shop whose owner made a variable product by hand, with variations whose
// SKUs are ERP articles (a T-shirt in three sizes), beside simple products.
// The price and stock flow finds each SKU in the shop (WooCommerce's SKU
// search lists variations with their parent), maps the variations, and
// writes them through their parent's variations endpoint; a second run goes
// by the ID map alone.
TEST_CASE("price-stock-sync: ERP articles that are variations in the shop, written as variations") {
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", "6", "--seed", "8"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "8", "--https-terminated"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  ::setenv("WC_KEY", "ck_test", 1);
  ::setenv("WC_SECRET", "cs_test", 1);
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() + "/api/v1\n");
  home.write("apps/shop.yaml", "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                                   "/wp-json/wc/v3\nauth: {kind: basic, username: \"env:WC_KEY\", "
                                   "password: \"env:WC_SECRET\"}\n");
  home.add_topology("price-stock-sync.yaml",
                    without_cron(shipped_topology("price-stock-sync.yaml")));

  HttpClient http;
  const std::vector<std::pair<std::string, std::string>> auth{
      {"Content-Type", "application/json"}, {"Authorization", "Basic Y2tfdGVzdDpjc190ZXN0"}};
  auto shop_call = [&](const std::string& method, const std::string& path, const Json& body) {
    const std::string url = shop.base() + "/wp-json/wc/v3/" + path;
    auto r = method == "GET" ? http.send("GET", url, "", auth) : http.post(url, body.dump(), auth);
    INFO(method << " " << path << ": " << r.status << " " << r.body);
    REQUIRE(r.status / 100 == 2);
    return Json::parse(r.body);
  };
  const Json shirt = shop_call("POST", "products",
                               {{"name", "T-shirt"}, {"type", "variable"}, {"sku", "TSHIRT"},
                                {"attributes", Json::array({{{"name", "Size"}, {"variation", true},
                                                             {"options", {"S", "M", "L"}}}})}});
  const std::string parent = std::to_string(shirt["id"].get<long long>());
  Json create = Json::array();
  const char* sizes[] = {"S", "M", "L"};
  for (int i = 0; i < 3; ++i) {
    create.push_back({{"sku", "SKU-00000" + std::to_string(i + 1)}, {"regular_price", "1.00"},
                      {"attributes", Json::array({{{"name", "Size"}, {"option", sizes[i]}}})}});
  }
  const Json made = shop_call("POST", "products/" + parent + "/variations/batch", {{"create", create}});
  REQUIRE(made["create"].size() == 3);
  for (int i = 4; i <= 6; ++i) {
    shop_call("POST", "products", {{"name", "Simple " + std::to_string(i)}, {"regular_price", "1.00"},
                                   {"sku", "SKU-00000" + std::to_string(i)}});
  }

  HostProcess host(home);
  REQUIRE(host.start());
  auto run_prices = [&] {
    auto r = home.cli("run", {"price-stock-sync", "--wait", "--timeout", "60"});
    INFO(r.out << home.cli("trash ls").out);
    REQUIRE(r.code == 0);
  };
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_prices();
  // Each article has the ERP's price and MAIN stock, variations included.
  auto check_articles = [&] {
    for (int i = 1; i <= 6; ++i) {
      const std::string sku = "SKU-00000" + std::to_string(i);
      const Json price = get_json(erp.base() + "/api/v1/prices/" + sku);
      long long main_stock = 0;
      for (const auto& row : get_json(erp.base() + "/api/v1/stock/" + sku)) {
        if (row["warehouse"] == "MAIN") main_stock = row["quantity"].get<long long>();
      }
      const Json found = shop_call("GET", "products?sku=" + sku, nullptr);
      REQUIRE(found.size() == 1);
      Json item = found[0];
      if (i <= 3) {
        CHECK(item["type"] == "variation");
        CHECK(std::to_string(item["parent_id"].get<long long>()) == parent);
        item = shop_call("GET", "products/" + parent + "/variations/" +
                                    std::to_string(item["id"].get<long long>()), nullptr);
      }
      INFO(sku << ": " << item.dump());
      CHECK(item["regular_price"] == price["price"]);
      CHECK(item["stock_quantity"] == main_stock);
      CHECK(item["manage_stock"] == true);
    }
  };
  check_articles();
  Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["by_route"].value("POST /wc/v3/products/<id>/variations/batch", 0) >= 1);
  const Json mapped =
      json_of(home.cli("ids ls", {"--system", "shop", "--entity", "variation", "--json"}));
  CHECK(mapped.size() == 3);
  for (const auto& m : mapped) CHECK(m["remote_id"].get<std::string>().rfind(parent + "/", 0) == 0);

  // Every price changes: the second run finds every article in the ID map.
  post_json(erp.base() + "/_sim/change", {{"percent", 100}, {"what", "price"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run_prices();
  stats = get_json(shop.base() + "/_sim/stats");
  CHECK(stats["by_route"].value("GET /wc/v3/products", 0) == 0);
  CHECK(stats["by_route"].value("POST /wc/v3/products/<id>/variations/batch", 0) >= 1);
  check_articles();
}

TEST_CASE("product-sync against a fragile shop: never over its limit, and every product arrives") {
  // A shared PHP host: above 2 requests at once it answers 508 (an HTML
  // page), above 10 a second 429. weir's app says 10/s with a burst of 2 and
  // 2 requests at once, so the limiter keeps it under both; the answers
  // that come anyway (the shop's own window is not ours) slow the app down
  // and are retried.
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", "300", "--seed", "6"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "6", "--rate", "10",
                                           "--burst", "2", "--max-concurrent", "2"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  add_apps(home, erp, shop);
  home.write("apps/shop.yaml",
             "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                 "/wp-json/wc/v3\nauth: {kind: oauth1, consumer_key: \"env:WC_KEY\", "
                 "consumer_secret: \"env:WC_SECRET\"}\nrate: 10/s\nburst: 2\nconcurrency: 2\n");
  home.add_topology("product-sync.yaml", without_cron(shipped_topology("product-sync.yaml")));
  home.add_topology("create-category.yaml", shipped_topology("create-category.yaml"));
  HostProcess host(home);
  REQUIRE(host.start());
  run_sync(home);
  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_created"] == 300);
  CHECK(stats["max_requests_per_second"].get<int>() <= 12);  // 10/s + burst 2
  CHECK(stats["max_concurrent"].get<int>() <= 2);
  CHECK(stats["resource_limit_508"] == 0);
}

TEST_CASE("product-sync into a shop that has some products already: found by SKU, not doubled") {
  // A shop filled before weir (or by an attempt that never committed): the
  // create is refused as a duplicate SKU, the product comes again, is looked
  // up by its SKU, mapped and updated.
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", "120", "--seed", "8"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "8", "--https-terminated"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  HttpClient http;
  for (const char* sku : {"SKU-000001", "SKU-000050", "SKU-000120"}) {
    auto r = http.post(shop.base() + "/wp-json/wc/v3/products",
                       Json{{"name", "old"}, {"sku", sku}, {"regular_price", "1.00"}}.dump(),
                       {{"Content-Type", "application/json"},
                        {"Authorization", "Basic Y2tfdGVzdDpjc190ZXN0"}});
    REQUIRE(r.status == 201);
  }
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  add_apps(home, erp, shop);
  home.write("apps/shop.yaml", "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                                   "/wp-json/wc/v3\nauth: {kind: basic, username: \"env:WC_KEY\", "
                                   "password: \"env:WC_SECRET\"}\n");
  // Retries come back fast here (the shipped file waits as the host's policy says).
  std::string topology = without_cron(shipped_topology("product-sync.yaml"));
  const std::string shop_node = "    config: {system: shop, category_topology: create-category}";
  topology.replace(topology.find(shop_node), shop_node.size(),
                   shop_node + "\n    retry: {delay: 100ms, max_delay: 1s}");
  home.add_topology("product-sync.yaml", topology);
  home.add_topology("create-category.yaml", shipped_topology("create-category.yaml"));
  HostProcess host(home);
  REQUIRE(host.start());
  run_sync(home);
  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_created"] == 120 - 3 + 3);  // the 3 old ones were created by the test
  CHECK(stats["products_updated"] == 3);
  CHECK(json_of(home.cli("trash ls", {"--json"})).empty());
  const Json mapped = json_of(home.cli("ids ls", {"--system", "shop", "--entity", "product",
                                                  "--limit", "1000", "--json"}));
  CHECK(mapped.size() == 120);
  // Only products delivered again are looked up (the three, and those that
  // waited for their category to be created): fewer lookups than batches.
  CHECK(stats["by_route"].value("GET /wc/v3/products", 0) <
        stats["by_route"].value("POST /wc/v3/products/batch", 0));
}

// Bad input gets a clear error and loses nothing: products without a SKU
// fail alone, named, while the rest of their batch reaches the shop; an
// application pointed at the wrong system says so at `weir apps check`,
// with that system's own words.
TEST_CASE("woocommerce connector: a product without a SKU fails alone, a wrong app is named") {
  SimProcess erp("weir-sim-erp", {"--style", "classic", "--products", "5", "--seed", "6"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "6"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  add_apps(home, erp, shop);
  home.write("apps/wrong.yaml", "name: wrong\ntype: woocommerce.shop\nbase_url: " + erp.base() +
                                    "/api/v1\n");
  home.add_topology("direct.yaml", R"(name: direct
nodes:
  - {id: shop, type: woocommerce.upsert_products, app: shop, max_batch: 100}
edges: []
)");
  std::ofstream(home.path("products.jsonl"))
      << R"({"sku": "BAD-1", "name": "One", "regular_price": "9.99"})" << "\n"
      << R"({"name": "No SKU", "regular_price": "1.00"})" << "\n"
      << R"({"sku": "BAD-2", "name": "Two", "regular_price": "9.99"})" << "\n"
      << R"({"sku": "", "name": "Empty SKU", "regular_price": "1.00"})" << "\n"
      << R"({"sku": "BAD-3", "name": "Three", "regular_price": "9.99"})" << "\n";
  HostProcess host(home);
  REQUIRE(host.start());
  auto r = home.cli("run direct", {"--payloads", home.path("products.jsonl"), "--wait",
                                   "--timeout", "60"});
  INFO(r.out);
  CHECK(r.code == 2);  // completed, two of them in the trash
  CHECK(get_json(shop.base() + "/_sim/stats")["products_created"] == 3);
  const Json trash = json_of(home.cli("trash ls", {"--json"}));
  REQUIRE(trash.size() == 2);
  for (const auto& t : trash) {
    CHECK_THAT(t["error"].get<std::string>(),
               Catch::Contains("woocommerce.upsert_products: a product without a SKU"));
  }

  auto check = home.cli("apps check", {"wrong"});
  INFO(check.out);
  CHECK(check.code == 1);
  CHECK_THAT(check.out, Catch::Contains("404") &&
                            Catch::Contains("no route GET /api/v1/system_status"));
}
