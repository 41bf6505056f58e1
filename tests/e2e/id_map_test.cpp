// End to end: the ID map in the real `weir serve`, against a loopback shop
// that keeps products and logs every create. A product write
// (testkit.upsert, the SDK's find_or_create) creates a product once; run
// again it finds the mapping and updates; and when the host is SIGKILLed
// after the shop created the product but before weir committed, the
// redelivered message finds the product by its SKU instead of creating a
// second one. `weir ids ls` and `weir ids show` show the mappings.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/remote.hpp"
#include "support/sim_json.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

// A shop with a products resource: GET products?sku=S lists matches, POST
// products creates (answers {"id"}), PUT products/<id> updates (404 for an
// unknown id).
class Shop {
 public:
  Shop()
      : remote_([this](const weir::http::Request& r) { return answer(r); }) {}
  std::string base() const { return remote_.base(); }
  int creates() const {
    std::lock_guard lock(mu_);
    return creates_;
  }
  int updates() const {
    std::lock_guard lock(mu_);
    return updates_;
  }
  std::map<std::string, std::string> products() const {  // id -> sku
    std::lock_guard lock(mu_);
    return products_;
  }

 private:
  weir::http::Response answer(const weir::http::Request& r) {
    std::lock_guard lock(mu_);
    weir::http::Response out;
    out.content_type = "application/json";
    if (r.method == "GET" && r.path == "/api/products") {
      const auto q = r.target.find("sku=");
      const std::string sku = q == std::string::npos ? "" : r.target.substr(q + 4);
      Json list = Json::array();
      for (const auto& [id, s] : products_) {
        if (s == sku) list.push_back(Json{{"id", std::stoi(id)}, {"sku", s}});
      }
      out.body = list.dump();
    } else if (r.method == "POST" && r.path == "/api/products") {
      const std::string id = std::to_string(next_id_++);
      products_[id] = Json::parse(r.body).at("sku").get<std::string>();
      ++creates_;
      out.status = 201;
      out.body = Json{{"id", std::stoi(id)}}.dump();
    } else if (r.method == "PUT" && r.path.rfind("/api/products/", 0) == 0) {
      const std::string id = r.path.substr(std::string("/api/products/").size());
      if (!products_.count(id)) {
        out.status = 404;
        out.body = R"({"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."})";
      } else {
        ++updates_;
        out.body = Json{{"id", std::stoi(id)}}.dump();
      }
    } else {
      out.status = 404;
      out.body = R"({"message": "no route"})";
    }
    return out;
  }

  mutable std::mutex mu_;
  int next_id_ = 100;
  int creates_ = 0;
  int updates_ = 0;
  std::map<std::string, std::string> products_;
  Remote remote_;  // last: stopped first, while the rest still lives
};

std::string upsert_topology(const std::string& pause_file) {
  return R"(name: products
nodes:
  - id: write
    type: testkit.upsert
    app: shop
    config: {pause_after_create: ")" +
         pause_file + R"("}
edges: []
)";
}

}  // namespace

TEST_CASE("id map: a create killed before its commit is found by its SKU, not made twice") {
  Shop shop;
  WeirHome home({"core.so", "testkit.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/shop.yaml", "name: shop\ntype: http\nbase_url: " + shop.base() + "/api\n");
  const std::string pause = home.path("pause");
  home.add_topology("products.yaml", upsert_topology(pause));

  // First: a plain create, then the same product again (mapped: an update).
  {
    HostProcess host(home);
    REQUIRE(host.start());
    auto first = home.cli("run", {"products", "--payload", R"({"sku": "SKU-1"})", "--wait"});
    INFO(first.out);
    REQUIRE(first.code == 0);
    CHECK(shop.creates() == 1);
    auto again = home.cli("run", {"products", "--payload", R"({"sku": "SKU-1"})", "--wait"});
    REQUIRE(again.code == 0);
    CHECK(shop.creates() == 1);
    CHECK(shop.updates() == 1);

    // Now the crash: the shop creates SKU-2, and the host dies before it
    // commits the call's results (the mapping among them).
    std::ofstream(pause) << "wait";
    auto started = home.cli("run", {"products", "--payload", R"({"sku": "SKU-2"})"});
    REQUIRE(started.code == 0);
    REQUIRE(wait_until([&] { return shop.creates() == 2; }, std::chrono::seconds(30)));
    host.kill(SIGKILL);
  }
  std::filesystem::remove(pause);
  {
    HostProcess host(home);
    REQUIRE(host.start());
    // The message is delivered again: no mapping was committed, so
    // find_or_create asks the shop by SKU, finds product 101, maps it and
    // updates it.
    REQUIRE(wait_until([&] { return shop.updates() == 2; }, std::chrono::seconds(30)));
    CHECK(shop.creates() == 2);
    CHECK(shop.products() == std::map<std::string, std::string>{{"100", "SKU-1"}, {"101", "SKU-2"}});

    const Json all = json_of(home.cli("ids ls", {"--system", "shop", "--entity", "product", "--json"}));
    REQUIRE(all.size() == 2);
    CHECK(all[0]["local_id"] == "SKU-1");
    CHECK(all[0]["remote_id"] == "100");
    CHECK(all[1]["local_id"] == "SKU-2");
    CHECK(all[1]["remote_id"] == "101");
    auto by_local = home.cli("ids show", {"--system", "shop", "--entity", "product", "SKU-2"});
    CHECK(by_local.code == 0);
    CHECK(by_local.out == "shop/product: local SKU-2 = remote 101\n");
    auto by_remote =
        home.cli("ids show", {"--system", "shop", "--entity", "product", "--remote", "100"});
    CHECK(by_remote.out == "shop/product: local SKU-1 = remote 100\n");
    auto none = home.cli("ids show", {"--system", "shop", "--entity", "product", "SKU-9"});
    CHECK(none.code == 1);
    CHECK(none.out == "no mapping of shop/product local id SKU-9\n");

    // An operator forgets SKU-1's mapping (audited); a mapping no one has
    // cannot be forgotten.
    auto forgot = home.cli("ids forget", {"--system", "shop", "--entity", "product", "SKU-1"});
    INFO(forgot.out);
    CHECK(forgot.code == 0);
    CHECK_THAT(forgot.out, Catch::StartsWith("forgot shop/product: local SKU-1 = remote 100"));
    CHECK(home.cli("ids show", {"--system", "shop", "--entity", "product", "SKU-1"}).code == 1);
    CHECK(home.cli("ids forget", {"--system", "shop", "--entity", "product", "SKU-1"}).code == 1);
    const Json audit = json_of(home.cli("audit ls", {"--json"}));
    REQUIRE_FALSE(audit.empty());
    CHECK(audit[0]["action"] == "ids.forget");
    // Its next write finds product 100 by its SKU again: no second create.
    auto refound = home.cli("run", {"products", "--payload", R"({"sku": "SKU-1"})", "--wait"});
    REQUIRE(refound.code == 0);
    CHECK(shop.creates() == 2);
    CHECK(home.cli("ids show", {"--system", "shop", "--entity", "product", "SKU-1"}).out ==
          "shop/product: local SKU-1 = remote 100\n");

    // And from now on SKU-2 is an update through the map, no lookup.
    const auto updates_before = shop.updates();
    auto later = home.cli("run", {"products", "--payload", R"({"sku": "SKU-2"})", "--wait"});
    REQUIRE(later.code == 0);
    CHECK(shop.creates() == 2);
    CHECK(shop.updates() == updates_before + 1);
  }
}
