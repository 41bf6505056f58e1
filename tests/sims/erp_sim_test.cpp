// weir-sim-erp as a client sees it (examples/sims/erp/README.md), the real
// binary on loopback in each style: lists read page by page in every paging
// style, the incremental filter in both forms, empty pages, query mistakes,
// creates, the order workflow (422 with its reason, confirmation, lookup by
// external reference), outage and stats.
#include <catch2/catch.hpp>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/http_client.hpp"
#include "support/sim_process.hpp"

using nlohmann::json;

namespace weir::test {

// One simulator process and a client for it: JSON answers parsed, times
// from the ERP's own clock.
class ErpSim {
 public:
  struct Answer {
    long status = 0;
    json body;
    std::map<std::string, std::string> headers;
    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };

  explicit ErpSim(std::vector<std::string> args) : process_("weir-sim-erp", std::move(args)) {
    started_ = process_.start();
  }
  bool started() const { return started_; }
  const std::string& base() const { return process_.base(); }

  Answer get(const std::string& path) { return get_url(base() + path); }
  Answer get_url(const std::string& url) { return answer(http_.get(url)); }
  Answer post(const std::string& path, const std::string& body) {
    return answer(http_.post(base() + path, body, {{"Content-Type", "application/json"}}));
  }
  Answer send(const std::string& method, const std::string& path, const std::string& body,
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    // HttpClient sends a body with POST only; PATCH goes through curl here.
    CURL* c = curl_easy_init();
    HttpResult r;
    curl_slist* list = nullptr;
    for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
    const std::string url = base() + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* out) {
          static_cast<std::string*>(out)->append(d, s * n);
          return s * n;
        });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return answer(r);
  }

  // Moves the ERP's clock forward; the new "now" in the style's format.
  std::string advance_clock(int seconds) {
    return post("/_sim/clock", "{\"advance_seconds\": " + std::to_string(seconds) + "}")
        .body.at("now");
  }
  // `time` (either format) plus `seconds`, in the same format.
  static std::string after(std::string time, int seconds) {
    std::tm tm{};
    ::strptime(time.c_str(), time[10] == 'T' ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    const std::time_t t = ::timegm(&tm) + seconds;
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, time[10] == 'T' ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S",
                  &tm);
    return buf;
  }
  static std::string enc(const std::string& text) {
    char* e = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
    std::string out(e);
    curl_free(e);
    return out;
  }

 private:
  static Answer answer(const HttpResult& r) {
    Answer a{r.status, json::parse(r.body, nullptr, false), r.headers};
    return a;
  }

  SimProcess process_;
  HttpClient http_;
  bool started_ = false;
};

}  // namespace weir::test

using weir::test::ErpSim;

namespace {

// Every SKU a full listing returns, following the style's paging; fails
// the test on a SKU seen twice.
std::vector<std::string> list_all(ErpSim& erp, const std::string& style) {
  std::vector<std::string> skus;
  auto take = [&](const json& items, const char* key) {
    for (const auto& p : items) skus.push_back(p.at(key).get<std::string>());
    return items.size();
  };
  if (style == "classic") {
    for (int page = 1; page < 100; ++page) {
      auto r = erp.get("/api/v1/products?per_page=50&page=" + std::to_string(page));
      REQUIRE(r.status == 200);
      if (take(r.body.at("data"), "sku") == 0) break;
    }
  } else if (style == "filter") {
    for (int offset = 0; offset < 10000; offset += 100) {
      auto r = erp.get("/rest/items?limit=100&offset=" + std::to_string(offset));
      if (r.status == 404) break;  // the filter style's empty page
      REQUIRE(r.status == 200);
      take(r.body, "ItemCode");
    }
  } else {
    std::string url = erp.base() + "/odata/Products?pageSize=40";
    for (int i = 0; i < 100 && !url.empty(); ++i) {
      auto r = erp.get_url(url);
      REQUIRE(r.status == 200);
      take(r.body.at("value"), "sku");
      url = r.body.value("@odata.nextLink", "");
    }
  }
  return skus;
}

void require_each_once(const std::vector<std::string>& skus, std::size_t n) {
  const std::set<std::string> unique(skus.begin(), skus.end());
  REQUIRE(skus.size() == n);
  REQUIRE(unique.size() == n);
  REQUIRE(*unique.begin() == "SKU-000001");
}

std::set<std::string> skus_of(const json& items, const char* key) {
  std::set<std::string> out;
  for (const auto& p : items)
    out.insert(p.is_string() ? p.get<std::string>() : p.at(key).get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("listing every product page by page reads each product once in each paging style") {
  for (const std::string style : {"classic", "filter", "cursor"}) {
    ErpSim erp({"--style", style, "--products", "237"});
    REQUIRE(erp.started());
    INFO(style);
    require_each_once(list_all(erp, style), 237);
  }
}

TEST_CASE("a 0-based page number and a cursor in the data envelope read each product once") {
  ErpSim zero({"--products", "120", "--page-base", "0"});
  REQUIRE(zero.started());
  std::vector<std::string> skus;
  for (int page = 0;; ++page) {
    auto r = zero.get("/api/v1/products?per_page=50&page=" + std::to_string(page));
    REQUIRE(r.status == 200);
    if (r.body["data"].empty()) break;
    for (const auto& p : r.body["data"]) skus.push_back(p["sku"]);
  }
  require_each_once(skus, 120);
  REQUIRE(zero.get("/api/v1/products?page=-1").status == 400);

  ErpSim cursor({"--products", "120", "--paging", "cursor", "--envelope", "data"});
  REQUIRE(cursor.started());
  skus.clear();
  std::string next;
  do {
    auto r = cursor.get("/api/v1/products?per_page=50" + (next.empty() ? "" : "&cursor=" + next));
    REQUIRE(r.status == 200);
    for (const auto& p : r.body["data"]) skus.push_back(p["sku"]);
    next = r.body["meta"]["next_cursor"].is_null()
               ? ""
               : r.body["meta"]["next_cursor"].get<std::string>();
  } while (!next.empty());
  require_each_once(skus, 120);
  REQUIRE(cursor.get("/api/v1/products?cursor=made-up").status == 400);
}

TEST_CASE("the since parameter returns only products changed at or after the time") {
  ErpSim erp({"--products", "300", "--seed", "5"});
  REQUIRE(erp.started());
  // Seeded records are older than the start; move the clock so the change
  // is later than all of them without sleeping.
  erp.advance_clock(120);
  auto changed = erp.post("/_sim/change", R"({"percent": 10, "what": "price"})");
  REQUIRE(changed.status == 200);
  REQUIRE(changed.body["changed"] == 30);
  const std::string change_at = changed.body["at"];

  auto r = erp.get("/api/v1/products?per_page=100&updated_since=" + erp.enc(change_at));
  REQUIRE(r.status == 200);
  REQUIRE(r.body["meta"]["total"] == 30);
  REQUIRE(skus_of(r.body["data"], "sku") == skus_of(changed.body["skus"], ""));
  // The price list moved with them; the stock rows did not.
  REQUIRE(erp.get("/api/v1/prices?updated_since=" + erp.enc(change_at)).body["meta"]["total"] ==
          30);
  REQUIRE(erp.get("/api/v1/stock?updated_since=" + erp.enc(change_at)).body["meta"]["total"] == 0);
  // One second later: nothing.
  REQUIRE(erp.get("/api/v1/products?updated_since=" + erp.enc(erp.after(change_at, 1)))
              .body["meta"]["total"] == 0);
  // A second change, of stock: only its products are newer than it.
  erp.advance_clock(60);
  auto stock = erp.post("/_sim/change", R"({"percent": 5, "what": "stock"})");
  const std::string second_at = stock.body["at"];
  auto later = erp.get("/api/v1/products?per_page=100&updated_since=" + erp.enc(second_at));
  REQUIRE(skus_of(later.body["data"], "sku") == skus_of(stock.body["skus"], ""));
  REQUIRE(erp.get("/api/v1/stock?per_page=100&updated_since=" + erp.enc(second_at))
              .body["meta"]["total"] == 15 * 2);  // two warehouses
}

TEST_CASE("the filter expression returns only items changed after the time") {
  ErpSim erp({"--style", "filter", "--products", "200"});
  REQUIRE(erp.started());
  const std::string before = erp.advance_clock(300);
  erp.advance_clock(10);
  auto changed = erp.post("/_sim/change", R"({"percent": 7.5, "what": "all"})");
  REQUIRE(changed.body["changed"] == 15);
  const std::string change_at = changed.body["at"];  // the style's format: 2026-12-01 10:00:00
  REQUIRE(change_at.size() == 19);
  REQUIRE(change_at[10] == ' ');

  auto r = erp.get("/rest/items?limit=500&filter=" + erp.enc("LastModified gt '" + before + "'"));
  REQUIRE(r.status == 200);
  REQUIRE(skus_of(r.body, "ItemCode") == skus_of(changed.body["skus"], ""));
  REQUIRE(r.header("x-total-count") == "15");
  // gt is strict: at the change's own second nothing is after it; ge is not.
  REQUIRE(erp.get("/rest/items?filter=" + erp.enc("LastModified gt '" + change_at + "'")).status ==
          404);
  REQUIRE(
      erp.get("/rest/items?filter=" + erp.enc("LastModified ge '" + change_at + "'")).body.size() ==
      15);
  // Conditions combine with and; a quote in a text is doubled.
  const std::string sku = changed.body["skus"][0];
  auto one = erp.get("/rest/items?filter=" +
                     erp.enc("LastModified gt '" + before + "' and ItemCode eq '" + sku + "'"));
  REQUIRE(one.body.size() == 1);
  REQUIRE(erp.get("/rest/items?filter=" + erp.enc("ItemName eq 'O''Brien'")).status == 404);
}

TEST_CASE("a filter mistake or an unknown parameter is a 400 that says what is wrong") {
  ErpSim filter({"--style", "filter"});
  REQUIRE(filter.started());
  auto iso =
      filter.get("/rest/items?filter=" + filter.enc("LastModified gt '2026-12-01T10:00:00Z'"));
  REQUIRE(iso.status == 400);
  REQUIRE(iso.body["error"]["code"] == "INVALID_QUERY");
  REQUIRE_THAT(iso.body["error"]["message"].get<std::string>(),
               Catch::Contains("at 17") && Catch::Contains("2026-12-01 10:00:00"));
  auto field =
      filter.get("/rest/items?filter=" + filter.enc("updated_at gt '2026-12-01 10:00:00'"));
  REQUIRE(field.status == 400);
  REQUIRE_THAT(field.body["error"]["message"].get<std::string>(), Catch::Contains("LastModified"));
  REQUIRE(filter.get("/rest/items?filter=" + filter.enc("Price gt '5'")).status == 400);
  REQUIRE(
      filter.get("/rest/items?filter=" + filter.enc("ItemCode eq 'A' or ItemCode eq 'B'")).status ==
      400);
  for (const std::string bad :
       {"ItemCode eq 'A", "ItemCode eq", "ItemCode eq 'A' and", "ItemCode EQ 'A'",
        "ItemCode eq 'A' and and ItemCode eq 'B'", "ItemCode eq'A'", "(ItemCode eq 'A')"}) {
    INFO(bad);
    REQUIRE(filter.get("/rest/items?filter=" + filter.enc(bad)).status == 400);
  }
  std::string sixteen = "ItemCode ne 'A'";
  for (int i = 1; i < 16; ++i) sixteen += " and ItemCode ne 'A'";
  REQUIRE(filter.get("/rest/items?filter=" + filter.enc(sixteen)).status == 200);
  REQUIRE(filter.get("/rest/items?filter=" + filter.enc(sixteen + " and ItemCode ne 'A'")).status ==
          400);
  REQUIRE(filter.get("/rest/items?filter=" + filter.enc(std::string(2049, ' '))).status == 400);
  // Numbers compare as numbers.
  auto dear = filter.get("/rest/items?filter=" + filter.enc("Price gt 400 and Price le 450.5"));
  REQUIRE(dear.status == 200);
  for (const auto& p : dear.body) REQUIRE((p["Price"] > 400 && p["Price"] <= 450.5));
  // The param form's parameter means nothing here: refused, not ignored.
  auto param = filter.get("/rest/items?updated_since=2026-12-01T10:00:00Z");
  REQUIRE(param.status == 400);
  REQUIRE_THAT(param.body["error"]["message"].get<std::string>(), Catch::Contains("filter"));

  ErpSim classic({});
  REQUIRE(classic.started());
  auto bad = classic.get("/api/v1/products?modified_after=2026-12-01T10:00:00Z");
  REQUIRE(bad.status == 400);
  REQUIRE(bad.body["errors"][0]["code"] == "invalid_query");
  REQUIRE_THAT(bad.body["errors"][0]["reason"].get<std::string>(),
               Catch::Contains("updated_since"));
  REQUIRE(classic.get("/api/v1/products?updated_since=yesterday").status == 400);
  REQUIRE(classic.get("/api/v1/products?per_page=101").status == 400);
}

TEST_CASE("an empty page is an empty list in classic and cursor and a 404 in filter") {
  ErpSim classic({"--products", "10"});
  ErpSim filter({"--style", "filter", "--products", "10"});
  ErpSim cursor({"--style", "cursor", "--products", "10"});
  REQUIRE((classic.started() && filter.started() && cursor.started()));
  auto c = classic.get("/api/v1/products?page=2");
  REQUIRE(c.status == 200);
  REQUIRE(c.body["data"] == json::array());
  REQUIRE(c.body["meta"]["total"] == 10);
  REQUIRE(classic.get("/api/v1/orders").body["data"] == json::array());

  auto f = filter.get("/rest/items?offset=10");
  REQUIRE(f.status == 404);
  REQUIRE(f.body["error"]["code"] == "NOT_FOUND");
  REQUIRE(filter.get("/rest/orders").status == 404);
  REQUIRE(filter.get("/rest/items?offset=9").body.size() == 1);

  auto o = cursor.get("/odata/Orders");
  REQUIRE(o.status == 200);
  REQUIRE(o.body["value"] == json::array());
  REQUIRE_FALSE(o.body.contains("@odata.nextLink"));
}

TEST_CASE("a style's aspects can be overridden one by one from the command line") {
  ErpSim erp({"--style", "filter", "--path-products", "/erp/articles", "--field", "sku=ArticleNo",
              "--envelope", "data", "--empty-page", "empty", "--since", "param", "--since-param",
              "changed_after"});
  REQUIRE(erp.started());
  auto r = erp.get("/erp/articles?limit=3&changed_after=" + erp.enc("2000-01-01 00:00:00"));
  REQUIRE(r.status == 200);
  REQUIRE(r.body["data"].size() == 3);
  REQUIRE(r.body["data"][0]["ArticleNo"] == "SKU-000001");
  REQUIRE(r.body["meta"]["Total"] == 100);
  auto style = erp.get_url(erp.base() + "/_sim/style");
  REQUIRE(style.body["style"] == "filter");
  REQUIRE(style.body["paths"]["products"] == "/erp/articles");
  REQUIRE(style.body["since"]["param"] == "changed_after");

  ErpSim wrong({"--paging", "cursor", "--envelope", "bare"});
  REQUIRE_FALSE(wrong.started());
  ErpSim unknown({"--style", "soap"});
  REQUIRE_FALSE(unknown.started());
}

TEST_CASE("the same seed gives the same products and another seed other ones") {
  auto without_times = [](json items) {
    for (auto& p : items) p.erase("updated_at");
    return items;
  };
  ErpSim a({"--seed", "42", "--products", "30"});
  ErpSim b({"--seed", "42", "--products", "30"});
  ErpSim c({"--seed", "43", "--products", "30"});
  REQUIRE((a.started() && b.started() && c.started()));
  const auto pa = without_times(a.get("/api/v1/products").body["data"]);
  REQUIRE(pa == without_times(b.get("/api/v1/products").body["data"]));
  REQUIRE(pa != without_times(c.get("/api/v1/products").body["data"]));
}

// --- customers and orders ---------------------------------------------------

namespace {

const char* const kClassicOrder = R"({"external_ref": "WC-1001", "customer_id": 1,
  "lines": [{"sku": "SKU-000001", "quantity": 2, "price": "19.90"}]})";

long counter(ErpSim& erp, const char* group, const char* name) {
  return erp.get("/_sim/stats").body.at(group).at(name).get<long>();
}

}  // namespace

TEST_CASE("a create answers the new object in classic and the bare id in filter") {
  ErpSim classic({});
  ErpSim filter({"--style", "filter"});
  REQUIRE((classic.started() && filter.started()));
  auto c = classic.post("/api/v1/customers", R"({"name": "Ada L", "email": "ada@example.com",
      "addresses": [{"street": "Weg 1", "city": "Bonn", "postcode": "53111", "country": "DE"}]})");
  REQUIRE(c.status == 201);
  REQUIRE(c.body["id"] == 21);  // after the 20 seeded customers
  REQUIRE(c.body["email"] == "ada@example.com");
  REQUIRE(c.header("location") == "/api/v1/customers/21");
  auto o = classic.post("/api/v1/orders", kClassicOrder);
  REQUIRE(o.status == 201);
  REQUIRE(o.body["id"] == 1001);
  REQUIRE(o.body["status"] == "new");
  REQUIRE(o.body["total"] == "39.80");

  auto fc = filter.post("/rest/customers", R"({"Name": "Ada L", "Email": "ada@example.com"})");
  REQUIRE(fc.status == 201);
  REQUIRE(fc.body == "C00021");
  auto fo = filter.post("/rest/orders", R"({"ExternalRef": "WC-7", "CustomerId": "C00002",
      "Lines": [{"ItemCode": "SKU-000003", "Quantity": 1}]})");
  REQUIRE(fo.status == 201);
  REQUIRE(fo.body == "ORD-1001");
  REQUIRE(filter.get("/rest/orders/ORD-1001").body["Status"] == "N");
  // Customers are looked up by e-mail; a second one with it is prevented.
  auto found = filter.get("/rest/customers?filter=" + filter.enc("Email eq 'ada@example.com'"));
  REQUIRE(found.body.size() == 1);
  REQUIRE(found.body[0]["Id"] == "C00021");
  REQUIRE(filter.post("/rest/customers", R"({"Name": "A", "Email": "ada@example.com"})").status ==
          409);
  REQUIRE(counter(filter, "customers", "duplicates_prevented") == 1);
}

TEST_CASE("an order to a German postcode of four digits is refused with 422 and the reason") {
  ErpSim classic({});
  ErpSim filter({"--style", "filter", "--bad-postcodes", "1"});
  REQUIRE((classic.started() && filter.started()));
  auto r = classic.post("/api/v1/orders", R"({"external_ref": "WC-1", "customer_id": 1,
      "lines": [{"sku": "SKU-000001", "quantity": 1}],
      "shipping_address": {"street": "Weg 1", "city": "Bonn", "postcode": "5311", "country": "DE"}})");
  REQUIRE(r.status == 422);
  REQUIRE(r.body["errors"].size() == 1);
  REQUIRE(r.body["errors"][0]["field"] == "shipping_address.postcode");
  REQUIRE(r.body["errors"][0]["code"] == "invalid_postcode");
  REQUIRE(r.body["errors"][0]["reason"] == "a German postcode has 5 digits, not \"5311\"");
  REQUIRE(counter(classic, "orders", "refused") == 1);
  REQUIRE(counter(classic, "orders", "created") == 0);

  // Customer C00001 was seeded with a bad postcode: its order is refused
  // until someone corrects the customer at the source.
  const std::string order = R"({"ExternalRef": "WC-2", "CustomerId": "C00001",
      "Lines": [{"ItemCode": "SKU-000001", "Quantity": 1}]})";
  auto refused = filter.post("/rest/orders", order);
  REQUIRE(refused.status == 422);
  REQUIRE(refused.body["error"]["code"] == "INVALID_POSTCODE");
  REQUIRE_THAT(refused.body["error"]["message"].get<std::string>(),
               Catch::Contains("customer C00001") && Catch::Contains("postcode has"));
  auto fixed = filter.post("/_sim/fix-postcode", R"({"id": "C00001"})");
  REQUIRE(fixed.body["fixed_addresses"] == 2);
  REQUIRE(filter.post("/rest/orders", order).status == 201);

  auto many = classic.post("/api/v1/orders", R"({"customer_id": 999, "lines": [{"sku": "NOPE",
      "quantity": 0}]})");
  REQUIRE(many.status == 422);
  std::set<std::string> codes;
  for (const auto& e : many.body["errors"]) codes.insert(e["code"]);
  REQUIRE(codes == std::set<std::string>{"invalid_quantity", "unknown_customer", "unknown_sku"});
}

TEST_CASE("a customer corrected by PATCH at the source can then be shipped to") {
  ErpSim erp({});
  REQUIRE(erp.started());
  auto c = erp.post("/api/v1/customers", R"({"name": "Bo", "email": "bo@example.com",
      "addresses": [{"street": "Weg 1", "city": "Wien", "postcode": "10100", "country": "AT"}]})");
  REQUIRE(c.status == 201);  // the ERP keeps what it is given for a customer
  const std::string order = R"({"external_ref": "WC-5", "customer_id": 21,
      "lines": [{"sku": "SKU-000002", "quantity": 1}]})";
  auto refused = erp.post("/api/v1/orders", order);
  REQUIRE(refused.status == 422);
  REQUIRE(refused.body["errors"][0]["field"] == "addresses[0].postcode");
  REQUIRE(refused.body["errors"][0]["reason"] ==
          "customer C00021's address: an Austrian postcode has 4 digits, not \"10100\"");
  auto patched = erp.send("PATCH", "/api/v1/customers/21", R"({"addresses": [{"street": "Weg 1",
      "city": "Wien", "postcode": "1010", "country": "AT"}]})");
  REQUIRE(patched.status == 200);
  REQUIRE(patched.body["addresses"][0]["postcode"] == "1010");
  REQUIRE(patched.body["email"] == "bo@example.com");  // fields not sent stay
  auto made = erp.post("/api/v1/orders", order);
  REQUIRE(made.status == 201);
  REQUIRE(made.body["shipping_address"]["postcode"] == "1010");
}

TEST_CASE("a fragile ERP fails every Nth API request with the status asked for") {
  ErpSim erp({});
  REQUIRE(erp.started());
  REQUIRE(erp.post("/_sim/fragile", R"({"every": 3, "status": 429})").status == 200);
  std::vector<long> statuses;
  for (int i = 0; i < 6; ++i) statuses.push_back(erp.get("/api/v1/warehouses").status);
  REQUIRE(statuses == std::vector<long>{200, 200, 429, 200, 200, 429});
  REQUIRE(erp.post("/_sim/fragile", "{}").status == 200);
  REQUIRE(erp.get("/api/v1/warehouses").status == 200);
  REQUIRE(erp.post("/_sim/fragile", R"({"status": 200})").status == 400);
}

TEST_CASE("an order counts only after its confirmation call") {
  ErpSim classic({});
  REQUIRE(classic.started());
  REQUIRE(classic.post("/api/v1/orders", kClassicOrder).status == 201);
  REQUIRE(counter(classic, "orders", "created") == 1);
  REQUIRE(counter(classic, "orders", "confirmed") == 0);
  auto v = classic.post("/api/v1/orders/1001/validate", "");
  REQUIRE(v.status == 200);
  REQUIRE(v.body["status"] == "validated");
  REQUIRE(counter(classic, "orders", "confirmed") == 1);
  REQUIRE(classic.post("/api/v1/orders/1001/validate", "").status == 200);  // no change
  REQUIRE(counter(classic, "orders", "confirmed") == 1);
  REQUIRE(classic.post("/api/v1/orders/1002/validate", "").status == 404);

  ErpSim filter({"--style", "filter"});
  REQUIRE(filter.started());
  REQUIRE(filter
              .post("/rest/orders", R"({"ExternalRef": "WC-7", "CustomerId": "C00002",
      "Lines": [{"ItemCode": "SKU-000003", "Quantity": 1}]})")
              .status == 201);
  // The filter style confirms by PATCHing the status; no action route.
  REQUIRE(filter.post("/rest/orders/ORD-1001/validate", "").status == 404);
  REQUIRE(filter.send("PATCH", "/rest/orders/ORD-1001", R"({"Status": "S"})").status == 422);
  REQUIRE(counter(filter, "orders", "confirmed") == 0);
  auto p = filter.send("PATCH", "/rest/orders/ORD-1001", R"({"Status": "V"})");
  REQUIRE(p.status == 200);
  REQUIRE(p.body["Status"] == "V");
  REQUIRE(counter(filter, "orders", "confirmed") == 1);
}

TEST_CASE(
    "the lookup by external reference finds an order, confirmed or not, and a second create is "
    "prevented") {
  ErpSim classic({});
  REQUIRE(classic.started());
  // The answer to the create is lost (as in a crash): the client looks the
  // order up by the shop's number instead of creating it again.
  REQUIRE(classic.post("/_sim/fragile", R"({"lost_answers": 1})").status == 200);
  REQUIRE(classic.post("/api/v1/orders", kClassicOrder).status == 502);
  auto found = classic.get("/api/v1/orders?external_ref=WC-1001");
  REQUIRE(found.body["data"].size() == 1);
  REQUIRE(found.body["data"][0]["id"] == 1001);
  REQUIRE(found.body["data"][0]["status"] == "new");
  auto again = classic.post("/api/v1/orders", kClassicOrder);
  REQUIRE(again.status == 409);
  REQUIRE(again.body["errors"][0]["code"] == "duplicate_external_ref");
  REQUIRE_THAT(again.body["errors"][0]["reason"].get<std::string>(), Catch::Contains("1001"));
  REQUIRE(counter(classic, "orders", "duplicates_prevented") == 1);
  REQUIRE(classic.get("/api/v1/orders?external_ref=WC-9999").body["data"].empty());

  ErpSim filter({"--style", "filter"});
  REQUIRE(filter.started());
  filter.post("/rest/orders", R"({"ExternalRef": "WC-O'Neil", "CustomerId": "C00002",
      "Lines": [{"ItemCode": "SKU-000003", "Quantity": 1}]})");
  auto f = filter.get("/rest/orders?filter=" + filter.enc("ExternalRef eq 'WC-O''Neil'"));
  REQUIRE(f.status == 200);
  REQUIRE(f.body[0]["Id"] == "ORD-1001");
}

TEST_CASE("a status change made in the ERP shows in the order list filtered by modification") {
  ErpSim erp({"--style", "cursor"});
  REQUIRE(erp.started());
  const std::string order = R"({"externalRef": "WC-%", "customerId": 3,
      "lines": [{"sku": "SKU-000004", "quantity": 3}]})";
  for (const char* n : {"1", "2"}) {
    std::string body = order;
    body.replace(body.find('%'), 1, n);
    REQUIRE(erp.post("/odata/Orders", body).status == 201);
  }
  REQUIRE(erp.post("/odata/Orders/1001/confirm", "").status == 200);
  const std::string shipped_at = erp.advance_clock(30);
  auto s =
      erp.post("/_sim/order-status", R"({"id": 1001, "status": "shipped", "tracking": "1Z999"})");
  REQUIRE(s.status == 200);
  auto list = erp.get("/odata/Orders?changedSince=" + erp.enc(shipped_at));
  REQUIRE(list.body["value"].size() == 1);
  REQUIRE(list.body["value"][0]["id"] == 1001);
  REQUIRE(list.body["value"][0]["status"] == "shipped");
  REQUIRE(list.body["value"][0]["tracking"] == "1Z999");
  // A clerk cannot move a shipped order back, nor cancel it.
  REQUIRE(erp.post("/_sim/order-status", R"({"id": 1001, "status": "cancelled"})").status == 409);
  REQUIRE(erp.post("/odata/Orders/1001/cancel", "").status == 409);
  REQUIRE(erp.post("/odata/Orders/1002/cancel", "").body["status"] == "cancelled");
}

TEST_CASE("an outage answers 503 with Retry-After to the API but not to the control calls") {
  ErpSim erp({"--style", "filter"});
  REQUIRE(erp.started());
  REQUIRE(erp.post("/_sim/outage", R"({"seconds": 30})").status == 200);
  auto r = erp.get("/rest/items");
  REQUIRE(r.status == 503);
  REQUIRE(r.body["error"]["code"] == "SERVICE_UNAVAILABLE");
  REQUIRE(std::stoi(r.header("retry-after")) > 0);
  REQUIRE(erp.post("/rest/orders", "{}").status == 503);
  REQUIRE(erp.get("/_sim/style").status == 200);
  REQUIRE(erp.post("/_sim/outage", R"({"seconds": 0})").status == 200);
  REQUIRE(erp.get("/rest/items").status == 200);
  REQUIRE(erp.get("/_sim/stats").body["faults_injected"] == 2);
}

TEST_CASE("the stats count requests by method, route and status and can be reset") {
  ErpSim erp({});
  REQUIRE(erp.started());
  erp.get("/api/v1/products");
  erp.get("/api/v1/products?page=2");
  erp.get("/api/v1/products/SKU-000001");
  erp.get("/api/v1/products/NOPE");
  erp.post("/api/v1/orders", kClassicOrder);
  erp.post("/api/v1/orders/1001/validate", "");
  erp.get("/nowhere");
  auto stats = erp.get("/_sim/stats").body;
  std::map<std::string, long> seen;
  for (const auto& r : stats["requests"]) {
    seen[r["method"].get<std::string>() + " " + r["route"].get<std::string>() + " " +
         std::to_string(r["status"].get<int>())] = r["count"];
  }
  REQUIRE(seen == std::map<std::string, long>{{"GET /api/v1/products 200", 2},
                                              {"GET /api/v1/products/{id} 200", 1},
                                              {"GET /api/v1/products/{id} 404", 1},
                                              {"POST /api/v1/orders 201", 1},
                                              {"POST /api/v1/orders/{id}/validate 200", 1},
                                              {"GET (unknown) 404", 1}});
  REQUIRE(stats["requests_total"] == 7);
  REQUIRE(stats["orders"]["confirmed"] == 1);
  erp.post("/_sim/stats/reset", "");
  REQUIRE(erp.get("/_sim/stats").body["requests_total"] == 0);
  REQUIRE(counter(erp, "orders", "created") == 0);
}

TEST_CASE("basic and bearer authentication refuse a request without the right credentials") {
  ErpSim basic({"--auth", "basic", "--user", "erp", "--password", "s3cret"});
  ErpSim bearer({"--style", "filter", "--auth", "bearer", "--token", "tok-1"});
  REQUIRE((basic.started() && bearer.started()));
  auto none = basic.get("/api/v1/products");
  REQUIRE(none.status == 401);
  REQUIRE(none.header("www-authenticate") == "Basic realm=\"erp\"");
  REQUIRE(basic.send("GET", "/api/v1/products", "", {{"Authorization", "Basic ZXJwOnMzY3JldA=="}})
              .status == 200);
  REQUIRE(
      basic.send("GET", "/api/v1/products", "", {{"Authorization", "Basic ZXJwOndyb25n"}}).status ==
      401);
  REQUIRE(bearer.get("/rest/items").body["error"]["code"] == "UNAUTHORIZED");
  REQUIRE(bearer.send("GET", "/rest/items", "", {{"Authorization", "Bearer tok-1"}}).status == 200);
  REQUIRE(bearer.get("/_sim/stats").status == 200);  // control calls need none
}

namespace weir::test {

TEST_CASE("image base self: image URLs point at the simulator, which serves each as a JPEG, "
          "counted apart from the API") {
  ErpSim erp({"--products", "3", "--image-base", "self"});
  REQUIRE(erp.started());
  const ErpSim::Answer product = erp.get("/api/v1/products/SKU-000001");
  REQUIRE(product.status == 200);
  const std::string url = product.body["images"][0];
  CHECK(url == erp.base() + "/img/SKU-000001-1.jpg");
  HttpClient http;
  const HttpResult picture = http.get(url);
  CHECK(picture.status == 200);
  CHECK(picture.header("content-type") == "image/jpeg");
  CHECK(picture.body.rfind("\xFF\xD8\xFF", 0) == 0);
  CHECK(picture.body.substr(picture.body.size() - 2) == "\xFF\xD9");
  CHECK(http.get(erp.base() + "/img/SKU-000001-2.jpg").body != picture.body);
  CHECK(http.get(erp.base() + "/img/notes.txt").status == 404);
  const ErpSim::Answer stats = erp.get("/_sim/stats");
  CHECK(stats.body["images_served"] == 3);
  CHECK(stats.body["requests_total"] == 1);  // the product, not the pictures
  // Without it, the CDN's URLs.
  ErpSim plain({"--products", "1"});
  REQUIRE(plain.started());
  CHECK(plain.get("/api/v1/products/SKU-000001").body["images"][0] ==
        "https://cdn.erp.example/img/SKU-000001-1.jpg");
}

}  // namespace weir::test
