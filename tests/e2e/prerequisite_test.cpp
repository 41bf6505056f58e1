// End to end: products whose category the shop lacks wait for the category
// topology (a prerequisite), across a SIGKILL of the host while they wait.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "support/jsonl.hpp"
#include "support/cli_json.hpp"
#include "support/host_process.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

using weir::test::read_jsonl;

}  // namespace

TEST_CASE("products wait for their categories across a SIGKILL and each category is made once") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string categories = home.path("categories.jsonl");
  const std::string products = home.path("products.jsonl");
  home.add_topology("category.yaml", R"(name: category
nodes:
  - {id: create, type: testkit.act, config: {defaults: {sleep_ms: 1500}}}
  - {id: shop, type: testkit.record, config: {path: ")" + categories + R"("}}
edges:
  - create -> shop
)");
  home.add_topology("products.yaml", R"(name: products
nodes:
  - {id: sync, type: testkit.act, max_batch: 100}
  - {id: shop, type: testkit.record, config: {path: ")" + products + R"("}}
edges:
  - sync -> shop
)");
  const std::vector<std::string> names = {"Shoes", "Boots", "Hats", "Socks"};
  {
    std::ofstream out(home.path("products.jsonl.in"));
    for (int i = 0; i < 200; ++i) {
      const std::string& c = names[i % names.size()];
      out << Json{{"sku", i},
                  {"at",
                   {{"sync",
                     {{"needs",
                       {{"topology", "category"},
                        {"payload", {{"name", c}}},
                        {"why", "category " + c + " is missing"},
                        {"unless_found",
                         {{"file", categories}, {"text", "\"name\":\"" + c + "\""}}}}}}}}}}
                 .dump()
          << '\n';
    }
  }
  HostProcess host(home);
  REQUIRE(host.start());
  const Json started =
      json_of(home.cli("run products", {"--payloads", home.path("products.jsonl.in"), "--json"}));
  REQUIRE(started["processes"].size() == 200);

  // Every product has asked; the four category processes are running.
  Json running;
  for (int i = 0; i < 200; ++i) {
    running = json_of(home.cli("process ls", {"--topology", "category", "--json"}));
    if (running.size() == 4 && node_status(home, "sync", "products")["waiting"] == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(running.size() == 4);
  REQUIRE(node_status(home, "sync", "products")["waiting"] == 200);
  host.kill(SIGKILL);
  CHECK(read_jsonl(categories).empty());  // killed while the shop was still making them

  REQUIRE(host.start());
  // (both topologies have a node "shop": ask for the products' one)
  for (int i = 0; i < 1200 && node_status(home, "shop", "products")["done"] < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(node_status(home, "shop", "products")["done"] == 200);
  CHECK(node_status(home, "sync", "products")["done"] == 200);  // one ack each: after the wait
  const Json completed = json_of(home.cli("process ls", {"--state", "completed", "--limit", "1000", "--json"}));
  CHECK(completed.size() == 204);
  CHECK(json_of(home.cli("process ls", {"--state", "running", "--json"})).empty());

  std::multiset<std::string> made;
  for (const auto& l : read_jsonl(categories)) made.insert(l["payload"]["name"].get<std::string>());
  CHECK(made == std::multiset<std::string>(names.begin(), names.end()));
  std::set<int> skus;
  for (const auto& l : read_jsonl(products)) skus.insert(l["payload"]["sku"].get<int>());
  CHECK(skus.size() == 200);
  CHECK(read_jsonl(products).size() == 200);

  // The operator's view: the product waited, the category says for whom.
  const auto product = started["processes"][0].get<std::uint64_t>();
  auto shown = home.cli("process show " + std::to_string(product));
  CHECK_THAT(shown.out, Catch::Contains("prerequisite") &&
                            Catch::Contains("category Shoes is missing: waits for process "));
  const Json cats = json_of(home.cli("process ls", {"--topology", "category", "--json"}));
  std::set<std::string> cat_ids;
  for (const auto& c : cats) cat_ids.insert(std::to_string(c["id"].get<std::uint64_t>()));
  const Json trace = json_of(home.cli("process show " + std::to_string(product), {"--json"}));
  const std::string waited = trace["visits"][0]["error"].get<std::string>();
  const std::string prefix = "waits for process ";
  const auto at = waited.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string id = waited.substr(at + prefix.size(), waited.find(' ', at + prefix.size()) -
                                                               at - prefix.size());
  CHECK(cat_ids.count(id) == 1);  // one of the category processes, exactly
  const auto cat = cats[0]["id"].get<std::uint64_t>();
  const Json cat_shown = json_of(home.cli("process show " + std::to_string(cat), {"--json"}));
  CHECK(cat_shown["process"]["needed_by"].get<std::uint64_t>() > 0);
  CHECK_THAT(home.cli("process show " + std::to_string(cat)).out,
             Catch::Contains("a prerequisite: started for a message of process"));
  REQUIRE(host.kill(SIGTERM) == 0);
}
