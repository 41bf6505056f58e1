// The ERP connector's nodes that need no ERP (plugins/erp), loaded from
// build/plugins/erp.so by the real registry and called through the C ABI:
// the tax in exact decimals, and the declarative configs' mistakes named.
#include <catch2/catch.hpp>

#include "plugins/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "unit/plugin_test_host.hpp"

using weir::Json;
using weir::test::PluginTestHost;

namespace {

struct Erp {
  weir::test::TempDir tmp;
  weir::plugins::PluginRegistry registry{tmp.file("cache")};
  Erp() { REQUIRE(registry.load_file(std::string(WEIR_PLUGINS_DIR) + "/erp.so")); }
  const weir_node_type* type(const std::string& name) {
    auto ref = registry.find(name);
    REQUIRE(ref);
    return ref->type;
  }
};

const char* kRates = R"({"rates": {"standard": "21", "reduced": 12, "zero": "0"}})";

}  // namespace

TEST_CASE("erp.tax adds net, tax and gross per line and in total, in exact decimals") {
  Erp erp;
  PluginTestHost host;
  auto tax = host.create(erp.type("erp.tax"), kRates);
  REQUIRE(tax);
  const Json order = Json::parse(R"({"number": "1001", "line_items": [
      {"sku": "A", "price": "19.90", "quantity": 3},
      {"sku": "B", "price": 0.1, "quantity": 3, "tax_class": "reduced"},
      {"sku": "C", "price": "1.005", "quantity": 1, "tax_class": "zero"}]})");
  auto answers = host.process(*tax, {order});
  REQUIRE(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  const Json out = answers[0].outputs.at(0);
  CHECK(out["line_items"][0]["net"] == "59.70");
  CHECK(out["line_items"][0]["tax"] == "12.54");  // 12.537 rounds half up
  CHECK(out["line_items"][0]["gross"] == "72.24");
  CHECK(out["line_items"][1]["net"] == "0.30");  // 0.1 x 3 exactly, not 0.30000000000000004
  CHECK(out["line_items"][1]["tax"] == "0.04");   // 0.036
  CHECK(out["line_items"][2]["net"] == "1.01");   // 1.005 half up
  CHECK(out["line_items"][2]["tax"] == "0.00");
  CHECK(out["net_total"] == "61.01");
  CHECK(out["tax_total"] == "12.58");
  CHECK(out["gross_total"] == "73.59");
  CHECK(out["number"] == "1001");
}

TEST_CASE("erp.tax takes the tax out of gross prices, and names a class it has no rate for") {
  Erp erp;
  PluginTestHost host;
  auto gross = host.create(erp.type("erp.tax"),
                           R"({"rates": {"standard": "21"}, "prices_include_tax": true})");
  REQUIRE(gross);
  auto answers = host.process(*gross, {Json::parse(R"({"line_items": [{"price": "121.00", "quantity": 2}]})"),
                                       Json::parse(R"({"line_items": [{"price": "1", "quantity": 1, "tax_class": "luxury"}]})"),
                                       Json::parse(R"({"lines": []})")});
  REQUIRE(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(answers[0].outputs.at(0)["line_items"][0]["net"] == "200.00");
  CHECK(answers[0].outputs.at(0)["line_items"][0]["tax"] == "42.00");
  CHECK(answers[1].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].error ==
        "erp.tax: line_items[0] has tax class 'luxury', which has no rate in the node's config");
  CHECK(answers[2].error == "erp.tax: the order has no lines at 'line_items'");
}

TEST_CASE("the ERP connector's declarative configs name each mistake when validated") {
  Erp erp;
  CHECK(PluginTestHost::validate(erp.type("erp.list"),
                                 R"({"path": "items", "paginate": {"kind": "pages"},
                                     "incremental": {"filter_param": "filter", "filter": "x"},
                                     "recrods": "data"})") ==
        std::vector<std::string>{
            "erp.list: paginate.kind: 'pages' is not one of none, page, offset, cursor",
            "erp.list: incremental.filter must hold {since}",
            "erp.list: unknown key 'recrods' (known: method, path, params, records, "
            "empty_statuses, paginate, incremental)"});
  CHECK(PluginTestHost::validate(erp.type("erp.list"),
                                 R"({"path": "items", "records": "data",
                                     "paginate": {"kind": "offset", "param": "offset",
                                                  "size_param": "limit", "size": 50},
                                     "incremental": {"param": "updated_since"}})")
            .empty());
  CHECK(PluginTestHost::validate(erp.type("erp.upsert"), R"({"key": "sku"})") ==
        std::vector<std::string>{
            "erp.upsert: entity names what is written (product, order, customer)",
            "erp.upsert: create (method, path) is missing"});
  CHECK(PluginTestHost::validate(erp.type("erp.tax"), R"({"rates": {"standard": "x"}})") ==
        std::vector<std::string>{"erp.tax: rate of standard is \"x\", not a number"});
}

TEST_CASE("the ERP connector's paths reach keys with dots in brackets") {
  // The cursor style's next link sits under "@odata.nextLink" (OData's name).
  Erp erp;
  CHECK(PluginTestHost::validate(erp.type("erp.list"),
                                 R"({"path": "odata/Products", "records": "value",
                                     "paginate": {"kind": "cursor",
                                                  "cursor": "[\"@odata.nextLink\"]"}})")
            .empty());
}
