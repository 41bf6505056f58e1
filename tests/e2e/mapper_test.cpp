// End to end: core.mapper in the real `weir serve`, fed by a webhook on
// loopback. One delivery fans out into three products that reach the mapper
// in one commit (max_batch 1000); the one it cannot map goes to the trash
// with the field and path named, the other two go on mapped. And `weir
// topology validate` shows a mapper config's mistakes at their file:line.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/jsonl.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

// An ERP's product export: erp (testkit.act) fans each delivery out into
// `fanout` copies numbered by "index", the mapper makes WooCommerce products.
std::string products_topology(const std::string& record_path) {
  return R"(name: products
triggers:
  - id: export
    webhook: {signature: none}
nodes:
  - id: erp
    type: testkit.act
  - id: map
    type: core.mapper
    max_batch: 1000
    config:
      fields:
        sku:            {from: code, required: true}
        name:           {template: "{brand} {name}"}
        regular_price:  {from: price, type: decimal, decimals: 2}
        stock_quantity: {from: stock.qty, type: integer, default: 0}
        status:         {from: state, map: {A: publish, D: draft}, default: draft}
        manage_stock:   {const: true}
        size:           {from: index, map: {0: S, 2: L}}
        categories:
          from: groups
          each: {fields: {name: {from: title}}}
  - id: record
    type: testkit.record
    config: {path: ")" +
         record_path + R"("}
edges:
  - erp -> map -> record
)";
}

const char* kProduct = R"({"code": "SKU-1", "brand": "Acme", "name": "Shoe", "price": 19.9,
  "stock": {"qty": "4"}, "state": "A", "groups": [{"title": "Shoes"}], "fanout": 3})";

std::string base_url(const WeirHome& home) {
  return "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
}

// The trash, once it holds `n` entries (waited for up to 30 s).
Json wait_trash(const WeirHome& home, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Json trash = json_of(home.cli("trash ls", {"--json"}));
  while (trash.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    trash = json_of(home.cli("trash ls", {"--json"}));
  }
  return trash;
}

}  // namespace

TEST_CASE(
    "core.mapper in the host maps a webhook's products and trashes only the one it cannot map") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string recorded = home.path("products.jsonl");
  home.add_topology("products.yaml", products_topology(recorded));
  HostProcess host(home);
  REQUIRE(host.start());
  HttpClient http;
  auto r = http.post(base_url(home) + "/hooks/products/export", kProduct,
                     {{"Content-Type", "application/json"}});
  INFO(r.body << r.error);
  REQUIRE(r.status == 202);

  REQUIRE(wait_done(home, "record", 2));
  const Json trash = wait_trash(home, 1);
  REQUIRE(trash.size() == 1);
  CHECK(trash[0]["node"] == "map");
  CHECK(trash[0]["error"] ==
        "core.mapper: field 'size': 1 at 'index' is not in map (known: \"0\", \"2\")");

  const auto lines = read_jsonl(recorded);
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) {
    Json expected = Json::parse(R"({"sku": "SKU-1", "name": "Acme Shoe", "regular_price": "19.90",
      "stock_quantity": 4, "status": "publish", "manage_stock": true,
      "categories": [{"name": "Shoes"}]})");
    expected["size"] = line["payload"]["size"];
    CHECK(line["payload"] == expected);
  }
  CHECK(((lines[0]["payload"]["size"] == "S" && lines[1]["payload"]["size"] == "L") ||
         (lines[0]["payload"]["size"] == "L" && lines[1]["payload"]["size"] == "S")));
  const Json map = node_status(home, "map");
  CHECK(map["done"] == 2);
  CHECK(map["failed"] == 1);
  // The three came in one call: a batch in which one message failed alone.
  CHECK_THAT(
      http.get(base_url(home) + "/metrics").body,
      Catch::Contains("weir_node_call_seconds_count{topology=\"products\",node=\"map\"} 1\n"));

  // A product without its code fails on its own, naming the path.
  Json no_code = Json::parse(kProduct);
  no_code.erase("code");
  no_code.erase("fanout");
  no_code["index"] = 0;
  REQUIRE(http.post(base_url(home) + "/hooks/products/export", no_code.dump(),
                    {{"Content-Type", "application/json"}})
              .status == 202);
  const Json both = wait_trash(home, 2);
  REQUIRE(both.size() == 2);
  bool named = false;
  for (const auto& t : both) {
    named = named || t["error"] == "core.mapper: field 'sku': required, but 'code' is missing";
  }
  CHECK(named);
  CHECK(read_jsonl(recorded).size() == 2);
}

TEST_CASE("weir topology validate shows a core.mapper config's mistakes at their file:line") {
  WeirHome home({"core.so", "testkit.so"});
  std::string yaml = products_topology(home.path("unused.jsonl"));
  const std::string good_line = "        regular_price:  {from: price, type: decimal, decimals: 2}";
  const std::string bad_line = "        regular_price:  {from: price, type: decmal, decimals: 2}";
  yaml.replace(yaml.find(good_line), good_line.size(), bad_line);
  home.write("bad.yaml", yaml);
  auto bad = home.cli("topology validate", {home.path("bad.yaml")});
  INFO(bad.out);
  CHECK(bad.code == 1);
  // The schema's finding, at the line of regular_price (15).
  CHECK_THAT(bad.out, Catch::Contains(home.path("bad.yaml") +
                                      ":15: node 'map' config /fields/regular_price/type: "
                                      "\"decmal\" is not one of"));

  yaml.replace(yaml.find(bad_line), bad_line.size(),
               "        regular_price:  {from: price, type: decimal, decimals: 2}\n"
               "        note:           {template: \"{brand\"}");
  home.write("unclosed.yaml", yaml);
  auto unclosed = home.cli("topology validate", {home.path("unclosed.yaml")});
  INFO(unclosed.out);
  CHECK(unclosed.code == 1);
  // validate_config's finding, at the line of config: (11).
  CHECK_THAT(unclosed.out,
             Catch::Contains(home.path("unclosed.yaml") +
                             ":11: node 'map' config: core.mapper: field 'note': template "
                             "\"{brand\" has an unclosed '{' (write {{ for a literal one) at "
                             "character 1"));
}
