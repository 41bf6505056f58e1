// weir-sim-woocommerce as a client sees it: listing and paging (the
// orderby=date trap), validation, batches, prices, modified_after, the
// /_sim/ control and stats. Each case starts the real binary; requests
// authenticate with query keys behind --https-terminated unless the case is
// about something else.
#include <catch2/catch.hpp>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/http_client.hpp"
#include "support/sim_process.hpp"

using weir::test::HttpClient;
using weir::test::HttpResult;
using weir::test::SimProcess;
using Json = nlohmann::json;

namespace {

const std::string kKeys = "consumer_key=ck_test&consumer_secret=cs_test";

struct Shop {
  explicit Shop(std::vector<std::string> args)
      : process("weir-sim-woocommerce", with_https(std::move(args))) {
    REQUIRE(process.start());
  }
  static std::vector<std::string> with_https(std::vector<std::string> args) {
    args.push_back("--https-terminated");
    return args;
  }
  // GET /wp-json/wc/v3/<path> with the query keys appended.
  HttpResult get(const std::string& path) {
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    return http.get(process.base() + "/wp-json/wc/v3/" + path + sep + kKeys);
  }
  HttpResult send(const std::string& method, const std::string& path, const Json& body) {
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    // WordPress takes PUT and PATCH as a POST with an override header too.
    return http.post(process.base() + "/wp-json/wc/v3/" + path + sep + kKeys, body.dump(),
                     {{"Content-Type", "application/json"}, {"X-HTTP-Method-Override", method}});
  }
  HttpResult control(const std::string& path, const Json& body) {
    return http.post(process.base() + "/_sim/" + path, body.dump());
  }
  SimProcess process;
  HttpClient http;
};

// Reads every page of a listing; returns the ids in the order seen.
std::vector<long> read_all(Shop& shop, const std::string& query, long* total) {
  std::vector<long> ids;
  for (int page = 1;; ++page) {
    const HttpResult r = shop.get("products?per_page=100&page=" + std::to_string(page) + query);
    REQUIRE(r.status == 200);
    *total = std::stol(r.header("x-wp-total"));
    const Json items = Json::parse(r.body);
    for (const auto& item : items) ids.push_back(item["id"].get<long>());
    if (page >= std::stol(r.header("x-wp-totalpages"))) break;
  }
  return ids;
}

std::string shift(const std::string& date, int seconds) {
  std::tm tm{};
  strptime(date.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  const time_t t = timegm(&tm) + seconds;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
  return buf;
}

}  // namespace

TEST_CASE(
    "paging by id with 100 per page reads every product exactly once while paging by the default "
    "date order does not") {
  Shop shop({"--products", "1000", "--seed", "3"});
  long total = 0;
  const auto by_id = read_all(shop, "&orderby=id&order=asc", &total);
  CHECK(total == 1000);
  CHECK(by_id.size() == 1000);
  CHECK(std::set<long>(by_id.begin(), by_id.end()).size() == 1000);

  // Many products share their creation second; MySQL orders such ties
  // anew for each page, so some product is seen twice and another never.
  bool trap_seen = false;
  for (int pass = 0; pass < 3 && !trap_seen; ++pass) {
    const auto by_date = read_all(shop, "", &total);
    trap_seen = std::set<long>(by_date.begin(), by_date.end()).size() != 1000;
  }
  CHECK(trap_seen);
}

TEST_CASE("per_page 101 is a 400 rest_invalid_param naming per_page") {
  Shop shop({"--products", "10"});
  const HttpResult r = shop.get("products?per_page=101");
  REQUIRE(r.status == 400);
  const Json e = Json::parse(r.body);
  CHECK(e["code"] == "rest_invalid_param");
  CHECK(e["data"]["status"] == 400);
  CHECK(e["data"]["params"].contains("per_page"));
  CHECK(shop.get("products?per_page=0").status == 400);
  CHECK(shop.get("products?per_page=100").status == 200);
}

TEST_CASE(
    "a listing carries X-WP-Total, X-WP-TotalPages and a Link with prev and next that repeats the "
    "query") {
  Shop shop({"--products", "250"});
  const HttpResult r = shop.get("products?per_page=100&page=2&orderby=id");
  REQUIRE(r.status == 200);
  CHECK(r.header("x-wp-total") == "250");
  CHECK(r.header("x-wp-totalpages") == "3");
  const std::string link = r.header("link");
  CHECK(link.find("page=1") != std::string::npos);
  CHECK(link.find("rel=\"prev\"") != std::string::npos);
  CHECK(link.find("page=3") != std::string::npos);
  CHECK(link.find("rel=\"next\"") != std::string::npos);
  CHECK(link.find("orderby=id") != std::string::npos);
  CHECK(link.find("/wp-json/wc/v3/products?") != std::string::npos);
  // The query keys are repeated too, as WordPress repeats every parameter.
  CHECK(link.find("consumer_secret=cs_test") != std::string::npos);

  const HttpResult last = shop.get("products?per_page=100&page=3");
  CHECK(last.header("link").find("rel=\"next\"") == std::string::npos);
  CHECK(Json::parse(last.body).size() == 50);
}

TEST_CASE("a batch of 101 objects is a 413 woocommerce_rest_request_entity_too_large") {
  Shop shop({"--products", "5"});
  Json body = {{"create", Json::array()}, {"update", Json::array()}};
  for (int i = 0; i < 60; ++i) body["create"].push_back({{"name", "n" + std::to_string(i)}});
  for (int i = 0; i < 41; ++i) body["update"].push_back({{"id", 1}, {"name", "x"}});
  const HttpResult r = shop.send("POST", "products/batch", body);
  REQUIRE(r.status == 413);
  const Json e = Json::parse(r.body);
  CHECK(e["code"] == "woocommerce_rest_request_entity_too_large");
  CHECK(e["message"] == "Unable to accept more than 100 items for this request.");
  body["update"].erase(0);
  CHECK(shop.send("POST", "products/batch", body).status == 200);
}

TEST_CASE("a batch with a duplicated SKU answers 200 with the error inside that item only") {
  Shop shop({"--products", "5"});
  const Json body = {{"create",
                      {{{"name", "A"}, {"sku", "DUP-1"}, {"regular_price", "9.99"}},
                       {{"name", "B"}, {"sku", "DUP-1"}, {"regular_price", "9.99"}}}},
                     {"update", {{{"id", 999999}, {"name", "ghost"}}}}};
  const HttpResult r = shop.send("POST", "products/batch", body);
  REQUIRE(r.status == 200);
  const Json out = Json::parse(r.body);
  REQUIRE(out["create"].size() == 2);
  CHECK(out["create"][0]["sku"] == "DUP-1");
  CHECK(out["create"][0]["id"].get<long>() > 0);
  CHECK(out["create"][1]["id"] == 0);
  CHECK(out["create"][1]["error"]["code"] == "product_invalid_sku");
  CHECK(out["create"][1]["error"]["message"] == "Invalid or duplicated SKU.");
  CHECK(out["create"][1]["error"]["data"]["status"] == 400);
  CHECK(out["update"][0]["id"] == 999999);
  CHECK(out["update"][0]["error"]["code"] == "woocommerce_rest_product_invalid_id");
  // The product by that SKU exists once.
  const Json found = Json::parse(shop.get("products?sku=DUP-1").body);
  CHECK(found.size() == 1);
}

TEST_CASE(
    "a numeric price is a 400 while a sale price at or above the regular price is silently "
    "dropped") {
  Shop shop({"--products", "5"});
  const HttpResult numeric =
      shop.send("POST", "products", {{"name", "N"}, {"regular_price", 12.5}});
  REQUIRE(numeric.status == 400);
  const Json e = Json::parse(numeric.body);
  CHECK(e["code"] == "rest_invalid_param");
  CHECK(e["data"]["params"]["regular_price"] == "regular_price is not of type string.");

  const HttpResult made = shop.send(
      "POST", "products", {{"name", "S"}, {"regular_price", "10.00"}, {"sale_price", "12.00"}});
  REQUIRE(made.status == 201);
  const Json p = Json::parse(made.body);
  CHECK(p["sale_price"] == "");
  CHECK(p["price"] == "10.00");
  CHECK(p["on_sale"] == false);

  const HttpResult sale =
      shop.send("PUT", "products/" + std::to_string(p["id"].get<long>()), {{"sale_price", "7.50"}});
  REQUIRE(sale.status == 200);
  CHECK(Json::parse(sale.body)["price"] == "7.50");
}

TEST_CASE("modified_after excludes the same second and a Z date is shifted by the site's offset") {
  Shop shop({"--products", "20", "--utc-offset-minutes", "120"});
  const HttpResult made =
      shop.send("POST", "products", {{"name", "Fresh"}, {"regular_price", "5.00"}});
  REQUIRE(made.status == 201);
  const Json p = Json::parse(made.body);
  const std::string id = std::to_string(p["id"].get<long>());
  const std::string local = p["date_modified"], gmt = p["date_modified_gmt"];
  CHECK(shift(gmt, 7200) == local);
  auto count = [&](const std::string& query) {
    const HttpResult r = shop.get("products?include=" + id + "&" + query);
    REQUIRE(r.status == 200);
    return Json::parse(r.body).size();
  };
  CHECK(count("modified_after=" + local) == 0);  // exclusive at the second
  CHECK(count("modified_after=" + shift(local, -1)) == 1);
  CHECK(count("modified_after=" + gmt + "Z") == 0);  // read as UTC, shown on the site's clock
  CHECK(count("modified_after=" + shift(gmt, -1) + "Z") == 1);
  CHECK(count("modified_after=" + gmt + "&dates_are_gmt=true") == 0);
  CHECK(count("modified_after=" + shift(gmt, -1) + "&dates_are_gmt=true") == 1);
  CHECK(shop.get("products?modified_after=yesterday").status == 400);
}

TEST_CASE("/_sim/change changes the stated share of products and moves their date_modified") {
  Shop shop({"--products", "200", "--seed", "9"});
  const HttpResult r = shop.control("change", {{"percent", 10}});
  REQUIRE(r.status == 200);
  const Json out = Json::parse(r.body);
  CHECK(out["changed"] == 20);
  // Seeded dates all lie before 2026-11-01; the changed ones are dated now.
  long total = 0;
  read_all(shop, "&modified_after=2026-11-01T00:00:00", &total);
  CHECK(total == 20);
  // The same seed changes the same products.
  Shop twin({"--products", "200", "--seed", "9"});
  CHECK(Json::parse(twin.control("change", {{"percent", 10}}).body)["ids"] == out["ids"]);
}

TEST_CASE("/_sim/stats counts requests by method and route and by status, and resets") {
  Shop shop({"--products", "30"});
  REQUIRE(shop.control("stats/reset", Json::object()).status == 200);
  for (int i = 0; i < 3; ++i) REQUIRE(shop.get("products").status == 200);
  REQUIRE(shop.get("products/1").status == 200);
  CHECK(shop.get("products?per_page=500").status == 400);
  CHECK(shop.send("POST", "products/batch", {{"create", {{{"name", "x"}}}}}).status == 200);
  const Json s = Json::parse(shop.http.get(shop.process.base() + "/_sim/stats").body);
  CHECK(s["requests"] == 6);
  CHECK(s["by_route"]["GET /wc/v3/products"] == 4);
  CHECK(s["by_route"]["GET /wc/v3/products/<id>"] == 1);
  CHECK(s["by_route"]["POST /wc/v3/products/batch"] == 1);
  CHECK(s["by_status"]["200"] == 5);
  CHECK(s["by_status"]["400"] == 1);
  CHECK(s["batch_requests"] == 1);
  CHECK(s["products_created"] == 1);
  CHECK(s["max_requests_per_second"].get<int>() >= 1);
}

TEST_CASE("orders are created by SKU without a stock check and reduce stock once processing") {
  Shop shop({"--products", "5"});
  const HttpResult made = shop.send("POST", "products",
                                    {{"name", "Few"},
                                     {"sku", "FEW-1"},
                                     {"regular_price", "3.00"},
                                     {"manage_stock", true},
                                     {"stock_quantity", 1}});
  REQUIRE(made.status == 201);
  const long pid = Json::parse(made.body)["id"];
  const HttpResult order =
      shop.send("POST", "orders",
                {{"status", "pending"},
                 {"billing", {{"first_name", "Ann"}, {"email", "ann@example.com"}}},
                 {"line_items", {{{"sku", "FEW-1"}, {"quantity", 3}}}}});
  REQUIRE(order.status == 201);
  const Json o = Json::parse(order.body);
  CHECK(o["total"] == "9.00");
  CHECK(o["line_items"][0]["product_id"] == pid);
  CHECK(o["billing"]["postcode"] == "");
  const std::string oid = std::to_string(o["id"].get<long>());
  CHECK(Json::parse(shop.get("products/" + std::to_string(pid)).body)["stock_quantity"] == 1);
  REQUIRE(shop.send("PUT", "orders/" + oid, {{"status", "processing"}}).status == 200);
  const Json after = Json::parse(shop.get("products/" + std::to_string(pid)).body);
  CHECK(after["stock_quantity"] == -2);
  CHECK(after["stock_status"] == "outofstock");
  CHECK(shop.send("PUT", "orders/" + oid, {{"status", "shipped"}}).status == 400);
  CHECK(Json::parse(shop.get("orders/" + oid).body)["status"] == "processing");
}

TEST_CASE("products?sku= lists a variation too, with type variation and its parent_id") {
  Shop shop({"--products", "0", "--seed", "5"});
  const HttpResult parent = shop.send(
      "POST", "products",
      {{"name", "Shirt"}, {"type", "variable"}, {"sku", "SHIRT"},
       {"attributes", Json::array({{{"name", "Size"}, {"variation", true}, {"options", {"S"}}}})}});
  REQUIRE(parent.status == 201);
  const long parent_id = Json::parse(parent.body)["id"].get<long>();
  const HttpResult variation = shop.send(
      "POST", "products/" + std::to_string(parent_id) + "/variations",
      {{"sku", "SHIRT-S"}, {"regular_price", "9.00"},
       {"attributes", Json::array({{{"name", "Size"}, {"option", "S"}}})}});
  REQUIRE(variation.status == 201);
  const HttpResult found = shop.get("products?sku=SHIRT-S,SHIRT");
  REQUIRE(found.status == 200);
  const Json items = Json::parse(found.body);
  REQUIRE(items.size() == 2);
  std::set<std::string> types;
  for (const auto& item : items) {
    types.insert(item["type"].get<std::string>());
    if (item["type"] == "variation") CHECK(item["parent_id"] == parent_id);
  }
  CHECK(types == std::set<std::string>{"variable", "variation"});
  // Without sku only top-level products are listed.
  CHECK(Json::parse(shop.get("products").body).size() == 1);
}

TEST_CASE("an image by URL is downloaded on every write, by id it is reused, a deleted id is a 400") {
  Shop shop({"--products", "0", "--seed", "5"});
  const Json image = {{"src", "https://cdn.example/img/a.jpg"}};
  const HttpResult made = shop.send("POST", "products",
                                    {{"name", "A"}, {"sku", "A"}, {"images", Json::array({image})}});
  REQUIRE(made.status == 201);
  const Json product = Json::parse(made.body);
  const long id = product["id"].get<long>();
  const long attachment = product["images"][0]["id"].get<long>();
  CHECK(product["images"][0]["src"].get<std::string>().find("/wp-content/uploads/2026/12/a.jpg") !=
        std::string::npos);
  // The same URL again: a second download, a second attachment (a-1.jpg).
  const Json again = Json::parse(
      shop.send("PUT", "products/" + std::to_string(id), {{"images", Json::array({image})}}).body);
  CHECK(again["images"][0]["id"] != attachment);
  CHECK(again["images"][0]["src"].get<std::string>().find("a-1.jpg") != std::string::npos);
  // By id: no download.
  const HttpResult by_id = shop.send("PUT", "products/" + std::to_string(id),
                                     {{"images", Json::array({{{"id", attachment}}})}});
  REQUIRE(by_id.status == 200);
  CHECK(Json::parse(by_id.body)["images"][0]["id"] == attachment);
  CHECK(Json::parse(shop.http.get(shop.process.base() + "/_sim/stats").body)["images_sideloaded"] == 2);
  // The media library emptied: the id is no image any more.
  REQUIRE(shop.control("media/delete", Json::object()).status == 200);
  const HttpResult gone = shop.send("PUT", "products/" + std::to_string(id),
                                    {{"images", Json::array({{{"id", attachment}}})}});
  CHECK(gone.status == 400);
  CHECK(Json::parse(gone.body)["code"] == "woocommerce_product_invalid_image_id");
  CHECK(Json::parse(gone.body)["message"] == "#" + std::to_string(attachment) +
                                                 " is an invalid image ID.");
}
