// End to end: the generic ERP connector pointed, by configuration alone, at
// the ERP simulator's other two API styles (examples/sims/erp/README.md):
//  - "filter": offset/limit paging over bare arrays, an empty page that is a
//    404, PascalCase fields, prices as numbers, and changes asked for with a
//    filter expression (LastModified gt '2026-12-01 10:00:00');
//  - "cursor": OData-like, camelCase, {"value": [...]} with an absolute
//    "@odata.nextLink" to follow, changes by a changedSince parameter.
// For each: the full import reaches the shop whole, and after 2% of the
// prices changed, exactly those products reach it in one request; and the
// order flow (customer lookup or create, order create, the style's confirm
// call) makes one ERP order per shop order, by webhook and by the poll.
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
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

constexpr int kProducts = 230;  // not a multiple of the page size: a short last page

struct Style {
  const char* name;
  const char* base_path;  // the ERP app's base_url path
  const char* list;       // erp.list config (YAML flow)
  const char* fields;     // the mapper's fields for sku, name, regular_price, categories
};

const Style kFilter{
    "filter", "/rest",
    R"({path: items, records: "", empty_statuses: [404],
        paginate: {kind: offset, param: offset, size_param: limit, size: 100},
        incremental: {filter_param: filter, filter: "LastModified gt '{since}'",
                      format: "%Y-%m-%d %H:%M:%S"}})",
    R"({sku: {from: ItemCode, required: true}, name: {from: ItemName, required: true},
        regular_price: {from: Price, type: decimal, decimals: 2, required: true},
        categories: {from: Categories, each: {fields: {name: {from: Name}}}}})"};

const Style kCursor{
    "cursor", "/odata",
    R"({path: Products, records: value,
        paginate: {kind: cursor, cursor: '["@odata.nextLink"]', size_param: pageSize, size: 100},
        incremental: {param: changedSince, format: iso8601}})",
    R"({sku: {from: sku, required: true}, name: {from: name, required: true},
        regular_price: {from: price, type: decimal, decimals: 2, required: true},
        categories: {from: categories, each: {fields: {name: {from: name}}}}})"};

void check_style(const Style& style) {
  SimProcess erp("weir-sim-erp", {"--style", style.name, "--products", std::to_string(kProducts),
                                  "--seed", "11"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "11"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  ::setenv("WC_KEY", "ck_test", 1);
  ::setenv("WC_SECRET", "cs_test", 1);
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() +
                                  style.base_path + "\nrate: 200/s\n");
  home.write("apps/shop.yaml",
             "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                 "/wp-json/wc/v3\nauth: {kind: oauth1, consumer_key: \"env:WC_KEY\", "
                 "consumer_secret: \"env:WC_SECRET\"}\nrate: 100/s\n");
  home.add_topology("sync.yaml", std::string(R"(name: sync
delta: {overlap: 2s}
nodes:
  - id: erp-products
    type: erp.list
    app: erp
    config: )") + style.list + R"(
  - id: map
    type: core.mapper
    max_batch: 1000
    config: {fields: )" + style.fields + R"(}
  - id: compare
    type: core.comparator
    max_batch: 1000
    config: {key: sku}
  - id: shop
    type: woocommerce.upsert_products
    app: shop
    max_batch: 100
    config: {category_topology: category}
edges:
  - erp-products -> map -> compare -> shop
)");
  home.add_topology("category.yaml", R"(name: category
nodes:
  - {id: category, type: woocommerce.create_category, app: shop}
edges: []
)");
  HostProcess host(home);
  REQUIRE(host.start());
  auto run = [&] {
    auto r = home.cli("run", {"sync", "--wait", "--timeout", "120"});
    INFO(r.out);
    REQUIRE(r.code == 0);
  };
  run();
  CHECK(get_json(shop.base() + "/_sim/stats")["products_created"] == kProducts);

  const Json changed = post_json(erp.base() + "/_sim/change", {{"percent", 2}, {"what", "price"}});
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run();
  const Json stats = get_json(shop.base() + "/_sim/stats");
  INFO(stats.dump());
  CHECK(stats["products_updated"] == changed["changed"]);
  CHECK(stats["requests"] == 1);

  // Nothing changed since: an empty answer (the filter style's is a 404)
  // ends the list; the run completes and the shop is asked nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the 2 s overlap
  post_json(shop.base() + "/_sim/stats/reset", Json::object());
  run();
  CHECK(get_json(shop.base() + "/_sim/stats")["requests"] == 0);
}

// The order flow against one style: shop orders by webhook, and the poll
// that sees them again; `order_nodes` are the topology's map and erp nodes
// (in YAML) spelled in that style.
void check_orders(const Style& style, const std::string& order_nodes,
                  const std::function<bool(const std::string&)>& erp_id_ok) {
  SimProcess erp("weir-sim-erp", {"--style", style.name, "--products", "40", "--seed", "12"});
  SimProcess shop("weir-sim-woocommerce", {"--products", "0", "--seed", "12", "--https-terminated",
                                           "--webhook-secret", "s3cret"});
  REQUIRE(erp.start());
  REQUIRE(shop.start());
  ::setenv("WC_KEY", "ck_test", 1);
  ::setenv("WC_SECRET", "cs_test", 1);
  ::setenv("WC_WEBHOOK_SECRET", "s3cret", 1);
  WeirHome home({"core.so", "woocommerce.so", "erp.so"});
  std::filesystem::create_directories(home.path("apps"));
  home.write("apps/erp.yaml", "name: erp\ntype: erp.rest\nbase_url: " + erp.base() +
                                  style.base_path + "\n");
  home.write("apps/shop.yaml", "name: shop\ntype: woocommerce.shop\nbase_url: " + shop.base() +
                                   "/wp-json/wc/v3\nauth: {kind: basic, username: \"env:WC_KEY\", "
                                   "password: \"env:WC_SECRET\"}\n");
  home.add_topology("sync.yaml", std::string(R"(name: sync
nodes:
  - {id: erp-products, type: erp.list, app: erp, config: )") + style.list + R"(}
  - {id: map, type: core.mapper, config: {fields: )" + style.fields + R"(}}
  - {id: shop, type: woocommerce.upsert_products, app: shop, max_batch: 100,
     config: {category_topology: category}}
edges:
  - erp-products -> map -> shop
)");
  home.add_topology("category.yaml", R"(name: category
nodes:
  - {id: category, type: woocommerce.create_category, app: shop}
edges: []
)");
  home.add_topology("orders.yaml", R"(name: orders
triggers:
  - {id: created, webhook: {signature: woocommerce, secret: "env:WC_WEBHOOK_SECRET"}, start: map}
nodes:
  - {id: shop-orders, type: woocommerce.list_orders, app: shop}
)" + order_nodes + R"(edges:
  - shop-orders -> map -> erp
)");
  HostProcess host(home);
  REQUIRE(host.start());
  auto synced = home.cli("run", {"sync", "--wait", "--timeout", "60"});
  INFO(synced.out);
  REQUIRE(synced.code == 0);

  HttpClient http;
  const std::vector<std::pair<std::string, std::string>> auth{
      {"Content-Type", "application/json"}, {"Authorization", "Basic Y2tfdGVzdDpjc190ZXN0"}};
  const std::string weir_http =
      "http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
  REQUIRE(http.post(shop.base() + "/wp-json/wc/v3/webhooks",
                    Json{{"topic", "order.created"}, {"secret", "s3cret"},
                         {"delivery_url", weir_http + "/hooks/orders/created"}}.dump(), auth)
              .status == 201);
  for (const char* sku : {"SKU-000003", "SKU-000007"}) {
    const Json address = {{"first_name", "Jan"}, {"last_name", "Vos"}, {"address_1", "Dam 1"},
                          {"city", "Amsterdam"}, {"postcode", "1012 JS"}, {"country", "NL"}};
    Json billing = address;
    billing["email"] = "jan.vos@example.com";
    const Json order = {{"status", "processing"}, {"billing", billing}, {"shipping", address},
                        {"line_items", Json::array({{{"sku", sku}, {"quantity", 1}}})}};
    REQUIRE(http.post(shop.base() + "/wp-json/wc/v3/orders", order.dump(), auth).status == 201);
  }
  REQUIRE(wait_until([&] { return get_json(erp.base() + "/_sim/stats")["orders"]["confirmed"] >= 2; },
                     std::chrono::seconds(30)));
  Json stats = get_json(erp.base() + "/_sim/stats");
  INFO(stats.dump() << json_of(home.cli("trash ls", {"--json"})).dump());
  CHECK(stats["orders"]["confirmed"] == 2);  // by the style's confirm call
  // The poll sees both again: found through the ID map, nothing created.
  auto poll = home.cli("run", {"orders", "--start", "shop-orders", "--wait", "--timeout", "60"});
  INFO(poll.out);
  CHECK(poll.code == 0);
  stats = get_json(erp.base() + "/_sim/stats");
  CHECK(stats["orders"]["created"] == 2);
  CHECK(stats["orders"]["duplicates_prevented"] == 0);
  CHECK(stats["customers"]["created"] == 1);  // the second order found its customer by e-mail
  const Json mapped = json_of(home.cli("ids ls", {"--system", "erp", "--entity", "order", "--json"}));
  REQUIRE(mapped.size() == 2);
  for (const auto& m : mapped) CHECK(erp_id_ok(m["remote_id"].get<std::string>()));
}

}  // namespace

TEST_CASE("erp.list reads the filter style: offset paging, a 404 empty page, a filter expression") {
  check_style(kFilter);
}

TEST_CASE("erp.list reads the cursor style: value lists and an @odata.nextLink to follow") {
  check_style(kCursor);
}

TEST_CASE("erp.create_order writes to the filter style: bare-id creates, PATCH confirmation, "
          "lookups by filter expression") {
  check_orders(kFilter, R"(  - id: map
    type: core.mapper
    config:
      fields:
        ExternalRef: {from: id, type: string, required: true}
        Currency: {from: currency, default: EUR}
        Lines:
          from: line_items
          each: {fields: {ItemCode: {from: sku, required: true},
                          Quantity: {from: quantity, type: integer}, Price: {from: price, type: number}}}
        ShippingAddress:
          from: shipping
          fields: {Name: {template: "{first_name} {last_name}"}, Street: {from: address_1},
                   City: {from: city}, Postcode: {from: postcode}, Country: {from: country}}
        Customer:
          from: billing
          fields: {Name: {template: "{first_name} {last_name}"}, Email: {from: email, required: true}}
  - id: erp
    type: erp.create_order
    app: erp
    config:
      customer_from: Customer
      customer_field: CustomerId
      customer:
        entity: customer
        key: Email
        lookup: {path: customers, params: {filter: "Email eq '{Email}'"}, records: "",
                 empty_statuses: [404]}
        id: Id
        created_id: ""
        create: {path: customers}
      order:
        entity: order
        key: ExternalRef
        lookup: {path: orders, params: {filter: "ExternalRef eq '{ExternalRef}'"}, records: "",
                 empty_statuses: [404]}
        id: Id
        created_id: ""
        create: {path: orders}
        after_create: [{method: PATCH, path: "orders/{id}", body: {Status: V}}]
)",
               [](const std::string& id) { return id.rfind("ORD-", 0) == 0; });  // the bare id
}

TEST_CASE("erp.create_order writes to the cursor style: camelCase records in a value list, "
          "confirmation by POST .../confirm") {
  check_orders(kCursor, R"(  - id: map
    type: core.mapper
    config:
      fields:
        externalRef: {from: id, type: string, required: true}
        currency: {from: currency, default: EUR}
        lines:
          from: line_items
          each: {fields: {sku: {from: sku, required: true},
                          quantity: {from: quantity, type: integer}, price: {from: price, type: number}}}
        shippingAddress:
          from: shipping
          fields: {name: {template: "{first_name} {last_name}"}, street: {from: address_1},
                   city: {from: city}, postcode: {from: postcode}, country: {from: country}}
        customer:
          from: billing
          fields: {name: {template: "{first_name} {last_name}"}, email: {from: email, required: true}}
  - id: erp
    type: erp.create_order
    app: erp
    config:
      customer_from: customer
      customer_field: customerId
      customer:
        entity: customer
        key: email
        lookup: {path: Customers, params: {email: "{email}"}, records: value}
        id: id
        create: {path: Customers}
      order:
        entity: order
        key: externalRef
        lookup: {path: Orders, params: {externalRef: "{externalRef}"}, records: value}
        id: id
        create: {path: Orders}
        after_create: [{path: "Orders/{id}/confirm"}]
)",
               [](const std::string& id) {
                 return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
               });
}
