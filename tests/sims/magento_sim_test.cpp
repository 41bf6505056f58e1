// weir-sim-magento as a client sees it: the three kinds of authentication
// (an OAuth 1.0a signature made here with OpenSSL), token expiry,
// searchCriteria (OR in a group, AND across groups, the last-page trap),
// URL-encoded SKUs, writes, base-prices item errors, MSI source items, the
// async bulk API end to end with a failing operation, order actions and
// their errors, store codes and routes, the fragile host and the stats.
// Each case starts the real binary.
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/sim_process.hpp"

using weir::test::HttpResult;
using weir::test::SimProcess;
using Json = nlohmann::json;

namespace {

size_t on_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

// Any method with a body (support/http_client.hpp sends bodies with POST only).
HttpResult call(const std::string& method, const std::string& url, const std::string& body,
                const std::vector<std::string>& headers) {
  HttpResult r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  list = curl_slist_append(list, "Content-Type: application/json");
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  } else {
    r.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

struct Mage {
  explicit Mage(std::vector<std::string> args) : process("weir-sim-magento", std::move(args)) {
    REQUIRE(process.start());
  }
  std::string url(const std::string& path) const { return process.base() + path; }
  std::string admin_token() {
    const HttpResult r = call("POST", url("/rest/V1/integration/admin/token"),
                              R"({"username":"admin","password":"admin123"})", {});
    REQUIRE(r.status == 200);
    return Json::parse(r.body).get<std::string>();
  }
  // A request as the admin (a token fetched once).
  HttpResult as_admin(const std::string& method, const std::string& path,
                      const Json& body = nullptr) {
    if (token.empty()) token = admin_token();
    return call(method, url(path), body.is_null() ? "" : body.dump(),
                {"Authorization: Bearer " + token});
  }
  Json ok(const std::string& method, const std::string& path, const Json& body = nullptr) {
    const HttpResult r = as_admin(method, path, body);
    INFO(method << " " << path << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return Json::parse(r.body);
  }
  Json control(const std::string& path, const Json& body = Json::object()) {
    const HttpResult r = call("POST", url("/_sim/" + path), body.dump(), {});
    INFO(path << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return Json::parse(r.body);
  }
  Json stats() { return Json::parse(call("GET", url("/_sim/stats"), "", {}).body); }
  SimProcess process;
  std::string token;
};

std::string enc(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// An OAuth 1.0a Authorization header for `method` on `base` + `path`, with
// `query` (decoded name/value pairs) signed in, per RFC 5849.
std::string oauth_header(const std::string& method, const std::string& base,
                         const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         const std::string& algorithm, const std::string& nonce,
                         const std::string& token_secret = "ats_mage",
                         const std::string& token = "at_mage") {
  const std::string timestamp = std::to_string(std::time(nullptr));
  std::vector<std::pair<std::string, std::string>> oauth = {
      {"oauth_consumer_key", "ck_mage"},
      {"oauth_nonce", nonce},
      {"oauth_signature_method", algorithm == "sha1" ? "HMAC-SHA1" : "HMAC-SHA256"},
      {"oauth_timestamp", timestamp},
      {"oauth_token", token},
      {"oauth_version", "1.0"}};
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& [k, v] : oauth) all.emplace_back(enc(k), enc(v));
  for (const auto& [k, v] : query) all.emplace_back(enc(k), enc(v));
  std::sort(all.begin(), all.end());
  std::string params;
  for (const auto& [k, v] : all) params += (params.empty() ? "" : "&") + k + "=" + v;
  const std::string text = method + "&" + enc(base + path) + "&" + enc(params);
  const std::string key = "cs_mage&" + token_secret;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(algorithm == "sha1" ? EVP_sha1() : EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), md, &len);
  const std::string signature = base64(std::string(reinterpret_cast<char*>(md), len));
  std::string header = "Authorization: OAuth ";
  for (const auto& [k, v] : oauth) header += k + "=\"" + enc(v) + "\",";
  return header + "oauth_signature=\"" + enc(signature) + "\"";
}

std::string sc(const std::string& rest) { return "searchCriteria" + rest; }

std::vector<std::string> skus_of(const Json& result) {
  std::vector<std::string> out;
  for (const auto& item : result["items"]) out.push_back(item["sku"].get<std::string>());
  return out;
}

Json wait_for_bulk(Mage& mage, const std::string& uuid) {
  Json status;
  for (int i = 0; i < 500; ++i) {
    status = mage.ok("GET", "/rest/V1/bulk/" + uuid + "/status");
    bool open = false;
    for (const auto& op : status["operations_list"]) open = open || op["status"] == 4;
    if (!open) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST_CASE(
    "an admin token opens admin resources, wrong credentials are Magento's sign-in error, "
    "and without a token every admin resource is a 401 naming its ACL resource") {
  Mage mage({"--products", "20"});
  const std::string token = mage.admin_token();
  mage.token = token;
  CHECK(std::count(token.begin(), token.end(), '.') == 2);  // a JWT, as 2.4.4+ issues
  CHECK(mage.ok("GET", "/rest/V1/products?searchCriteria[pageSize]=5")["items"].size() == 5);

  const HttpResult wrong = call("POST", mage.url("/rest/V1/integration/admin/token"),
                                R"({"username":"admin","password":"nope"})", {});
  CHECK(wrong.status == 401);
  CHECK(Json::parse(wrong.body)["message"] ==
        "The account sign-in was incorrect or your account is disabled temporarily. Please wait "
        "and try again later.");
  const HttpResult empty = call("POST", mage.url("/rest/V1/integration/admin/token"), "{}", {});
  CHECK(empty.status == 400);
  CHECK(Json::parse(empty.body)["errors"].size() == 2);

  const HttpResult anonymous = call("GET", mage.url("/rest/V1/products?searchCriteria="), "", {});
  CHECK(anonymous.status == 401);
  const Json e = Json::parse(anonymous.body);
  CHECK(e["message"] == "The consumer isn't authorized to access %resources.");
  CHECK(e["parameters"]["resources"] == "Magento_Catalog::products");
  const HttpResult orders = call("GET", mage.url("/rest/V1/orders?searchCriteria="), "", {});
  CHECK(Json::parse(orders.body)["parameters"]["resources"] == "Magento_Sales::actions_view");
  CHECK(mage.stats()["admin_tokens_issued"] == 1);
}

TEST_CASE(
    "an admin token expires after its lifetime and when the control expires it, and is then "
    "a 401 exactly like no token") {
  Mage mage({"--products", "5", "--admin-token-lifetime-seconds", "1"});
  const std::string token = mage.admin_token();
  const std::string url = mage.url("/rest/V1/products/MG-000001");
  CHECK(call("GET", url, "", {"Authorization: Bearer " + token}).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const HttpResult expired = call("GET", url, "", {"Authorization: Bearer " + token});
  CHECK(expired.status == 401);
  CHECK(expired.body == call("GET", url, "", {}).body);
  CHECK(call("GET", url, "", {"Authorization: Bearer not-a-token"}).status == 401);

  Mage longer({"--products", "5"});
  const std::string t2 = longer.admin_token();
  const std::string url2 = longer.url("/rest/V1/products/MG-000001");
  CHECK(call("GET", url2, "", {"Authorization: Bearer " + t2}).status == 200);
  longer.control("expire-tokens");
  CHECK(call("GET", url2, "", {"Authorization: Bearer " + t2}).status == 401);
  CHECK(call("GET", url2, "", {"Authorization: Bearer " + longer.admin_token()}).status == 200);
}

TEST_CASE(
    "an OAuth 1.0a request signed here with HMAC-SHA256 or HMAC-SHA1 over the method, the "
    "URL and every query parameter is the integration, and a bad one is refused") {
  Mage mage({"--products", "30"});
  const std::string path = "/rest/default/V1/products";
  const std::vector<std::pair<std::string, std::string>> query = {
      {"searchCriteria[pageSize]", "3"}, {"searchCriteria[currentPage]", "2"}};
  const std::string url =
      mage.url(path) + "?searchCriteria%5BpageSize%5D=3&searchCriteria%5BcurrentPage%5D=2";
  const HttpResult sha256 =
      call("GET", url, "", {oauth_header("GET", mage.process.base(), path, query, "sha256", "n1")});
  INFO(sha256.body);
  CHECK(sha256.status == 200);
  CHECK(Json::parse(sha256.body)["items"].size() == 3);
  CHECK(call("GET", url, "", {oauth_header("GET", mage.process.base(), path, query, "sha1", "n2")})
            .status == 200);

  // A parameter left out of the signature, a reused nonce, a wrong token secret.
  const HttpResult unsigned_param =
      call("GET", url, "", {oauth_header("GET", mage.process.base(), path, {}, "sha256", "n3")});
  CHECK(unsigned_param.status == 401);
  CHECK(Json::parse(unsigned_param.body)["message"] ==
        "The signature is invalid. Verify and try again.");
  const HttpResult replay =
      call("GET", url, "", {oauth_header("GET", mage.process.base(), path, query, "sha256", "n1")});
  CHECK(replay.status == 401);
  CHECK(Json::parse(replay.body)["message"] ==
        "The nonce is already being used by the consumer with ID %1.");
  CHECK(call("GET", url, "",
             {oauth_header("GET", mage.process.base(), path, query, "sha256", "n4", "wrong")})
            .status == 401);
  const HttpResult unknown_token =
      call("GET", url, "",
           {oauth_header("GET", mage.process.base(), path, query, "sha256", "n5", "x", "at_x")});
  CHECK(Json::parse(unknown_token.body)["message"] == "Specified token does not exist");

  // A POST: the body is not signed, the URL is.
  const std::string create = mage.url("/rest/V1/products");
  const Json product = {{"product", {{"sku", "OA-1"}, {"name", "Signed"}, {"price", 3}}}};
  const HttpResult made =
      call("POST", create, product.dump(),
           {oauth_header("POST", mage.process.base(), "/rest/V1/products", {}, "sha256", "n6")});
  INFO(made.body);
  CHECK(made.status == 200);
}

TEST_CASE(
    "the integration's access token as a bearer token is anonymous unless the shop allows "
    "it with --integration-bearer") {
  const std::string path = "/rest/V1/products/MG-000001";
  Mage strict({"--products", "3"});
  const HttpResult refused = call("GET", strict.url(path), "", {"Authorization: Bearer at_mage"});
  CHECK(refused.status == 401);
  CHECK(Json::parse(refused.body)["message"] ==
        "The consumer isn't authorized to access %resources.");
  Mage lax({"--products", "3", "--integration-bearer"});
  CHECK(call("GET", lax.url(path), "", {"Authorization: Bearer at_mage"}).status == 200);
}

TEST_CASE(
    "searchCriteria: filters in one group are ORed, groups are ANDed, camelCase keys work, "
    "and like, in, nin, from/to and sort orders behave as in MySQL") {
  Mage mage({"--products", "200", "--seed", "4"});
  // OR: two SKUs in one group.
  const Json either = mage.ok(
      "GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=sku") + "&" +
                 sc("[filter_groups][0][filters][0][value]=MG-000001") + "&" +
                 sc("[filter_groups][0][filters][1][field]=sku") + "&" +
                 sc("[filter_groups][0][filters][1][value]=mg-000002"));  // case-insensitive
  CHECK(either["total_count"] == 2);
  // AND: the same two, but only the one of type simple... and a price bound.
  const Json all = mage.ok("GET", "/rest/V1/products?" + sc("[pageSize]=0"));
  const std::string first_price = all["items"][0]["price"].dump();
  const Json both =
      mage.ok("GET", "/rest/V1/products?" + sc("[filterGroups][0][filters][0][field]=sku") + "&" +
                         sc("[filterGroups][0][filters][0][value]=MG-00000%25") + "&" +
                         sc("[filterGroups][0][filters][0][conditionType]=like") + "&" +
                         sc("[filterGroups][1][filters][0][field]=type_id") + "&" +
                         sc("[filterGroups][1][filters][0][value]=configurable") + "&" +
                         sc("[filterGroups][1][filters][0][conditionType]=neq"));
  for (const auto& s : skus_of(both)) CHECK(s.rfind("MG-00000", 0) == 0);
  for (const auto& item : both["items"]) CHECK(item["type_id"] != "configurable");
  CHECK(both["search_criteria"]["filter_groups"].size() == 2);
  CHECK(both["search_criteria"]["filter_groups"][0]["filters"][0]["condition_type"] == "like");

  const Json in =
      mage.ok("GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=sku") + "&" +
                         sc("[filter_groups][0][filters][0][value]=MG-000003,MG-000004,NOPE") +
                         "&" + sc("[filter_groups][0][filters][0][condition_type]=in"));
  CHECK(in["total_count"] == 2);

  // updated_at window as text, sorted descending.
  const Json window =
      mage.ok("GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=updated_at") +
                         "&" + sc("[filter_groups][0][filters][0][value]=2026-01-01%2000:00:00") +
                         "&" + sc("[filter_groups][0][filters][0][condition_type]=from") + "&" +
                         sc("[filter_groups][1][filters][0][field]=updated_at") + "&" +
                         sc("[filter_groups][1][filters][0][value]=2026-11-01%2000:00:00") + "&" +
                         sc("[filter_groups][1][filters][0][condition_type]=to") + "&" +
                         sc("[sortOrders][0][field]=updated_at") + "&" +
                         sc("[sortOrders][0][direction]=DESC"));
  CHECK(window["total_count"] == 200);
  const auto& items = window["items"];
  for (std::size_t i = 1; i < items.size(); ++i) {
    CHECK(items[i - 1]["updated_at"].get<std::string>() >=
          items[i]["updated_at"].get<std::string>());
  }
  CHECK(items[0]["updated_at"].get<std::string>().size() == 19);  // "YYYY-MM-DD HH:MM:SS"

  // An unknown attribute and a bad page size.
  const HttpResult unknown = mage.as_admin(
      "GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=colour") + "&" +
                 sc("[filter_groups][0][filters][0][value]=red"));
  CHECK(unknown.status == 400);
  CHECK(Json::parse(unknown.body)["parameters"][0] == "colour");
  CHECK(mage.as_admin("GET", "/rest/V1/products?" + sc("[pageSize]=ten")).status == 400);
  (void)first_price;
}

TEST_CASE(
    "a currentPage past the last page answers the last page again, so a client must stop "
    "by total_count, not by an empty page") {
  Mage mage({"--products", "25"});
  auto page = [&](int n) {
    return mage.ok("GET", "/rest/V1/products?" + sc("[pageSize]=10") + "&" + sc("[currentPage]=") +
                              std::to_string(n));
  };
  const Json third = page(3);
  CHECK(third["total_count"] == 25);
  CHECK(third["items"].size() == 5);
  const Json fourth = page(4);
  CHECK(skus_of(fourth) == skus_of(third));
  CHECK(fourth["search_criteria"]["current_page"] == 4);  // the echo keeps what was asked
  CHECK(skus_of(page(99)) == skus_of(third));
  CHECK(skus_of(page(0)) == skus_of(page(1)));
  std::set<std::string> seen;
  for (int p = 1; p <= 3; ++p) {
    for (const auto& s : skus_of(page(p))) seen.insert(s);
  }
  CHECK(seen.size() == 25);

  const HttpResult bare = mage.as_admin("GET", "/rest/V1/products");
  CHECK(bare.status == 400);
  CHECK(Json::parse(bare.body)["parameters"]["fieldName"] == "searchCriteria");
  CHECK(mage.ok("GET", "/rest/V1/products?searchCriteria=")["items"].size() == 25);
}

TEST_CASE(
    "SKUs with a slash, a space and a plus work URL-encoded in the path, a literal plus is "
    "a space, and an unknown SKU is Magento's 404") {
  Mage mage({"--products", "5"});
  for (const char* raw : {"A/B-1", "With Space", "Plus+One"}) {
    const std::string sku = raw;
    Json body = {{"product", {{"sku", sku}, {"name", "Odd " + sku}, {"price", 9.5}}}};
    mage.ok("POST", "/rest/V1/products", body);
    const Json got = mage.ok("GET", "/rest/V1/products/" + enc(sku));
    CHECK(got["sku"] == sku);
  }
  CHECK(mage.as_admin("GET", "/rest/V1/products/With+Space").status == 200);
  CHECK(mage.as_admin("GET", "/rest/V1/products/Plus+One").status == 404);
  const HttpResult missing = mage.as_admin("GET", "/rest/V1/products/NO-SUCH");
  CHECK(missing.status == 404);
  CHECK(Json::parse(missing.body)["message"] ==
        "The product that was requested doesn't exist. Verify the product and try again.");
  CHECK(mage.ok("DELETE", "/rest/V1/products/" + enc("A/B-1")) == true);
  CHECK(mage.as_admin("GET", "/rest/V1/products/" + enc("A/B-1")).status == 404);
}

TEST_CASE(
    "PUT with an unknown SKU creates the product, every write moves updated_at, and a url_key "
    "another visible product holds is refused") {
  Mage mage({"--products", "10"});
  const Json created = mage.ok(
      "PUT", "/rest/V1/products/NEW-1",
      {{"product",
        {{"name", "Brand New"},
         {"price", 12},
         {"status", 1},
         {"visibility", 4},
         {"type_id", "simple"},
         {"extension_attributes", {{"stock_item", {{"qty", 7}, {"is_in_stock", true}}}}}}}});
  CHECK(created["sku"] == "NEW-1");
  CHECK(created["extension_attributes"]["stock_item"]["qty"] == 7);
  const Json seeded = mage.ok("GET", "/rest/V1/products/MG-000001");
  const Json updated =
      mage.ok("PUT", "/rest/V1/products/MG-000001", {{"product", {{"price", 1.25}}}});
  CHECK(updated["price"] == 1.25);
  CHECK(updated["updated_at"] > seeded["updated_at"]);
  CHECK(updated["name"] == seeded["name"]);

  // The url_key is made from the name: the same name is a duplicate.
  const HttpResult dup =
      mage.as_admin("POST", "/rest/V1/products",
                    {{"product", {{"sku", "NEW-2"}, {"name", "Brand New"}, {"price", 3}}}});
  CHECK(dup.status == 400);
  CHECK(Json::parse(dup.body)["message"] == "URL key for specified store already exists.");
  const HttpResult no_price = mage.as_admin(
      "POST", "/rest/V1/products", {{"product", {{"sku", "NEW-3"}, {"name", "No Price"}}}});
  CHECK(no_price.status == 400);
  const HttpResult bad_type =
      mage.as_admin("POST", "/rest/V1/products",
                    {{"product", {{"sku", "NEW-4"}, {"name", "T"}, {"price", "cheap"}}}});
  CHECK(bad_type.status == 400);
  CHECK(Json::parse(bad_type.body)["message"] ==
        "The \"cheap\" value's type is invalid. The \"float\" type was expected. Verify and try "
        "again.");
  CHECK(mage.stats()["products_created"] == 1);
  CHECK(mage.stats()["products_updated"] == 1);
}

TEST_CASE(
    "base-prices answers 200 with one item error per bad row (unknown SKU, configurable, "
    "negative price, unknown store) and writes the good rows") {
  Mage mage({"--products", "60"});
  const Json configurables =
      mage.ok("GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=type_id") +
                         "&" + sc("[filter_groups][0][filters][0][value]=configurable"));
  REQUIRE(configurables["total_count"] > 0);
  const std::string parent = configurables["items"][0]["sku"];
  const std::string simple = configurables["items"][0]["sku"].get<std::string>() + "-S";
  const Json errors = mage.ok("POST", "/rest/V1/products/base-prices",
                              {{"prices",
                                {{{"price", 19.99}, {"store_id", 0}, {"sku", simple}},
                                 {{"price", 5}, {"store_id", 0}, {"sku", "GHOST"}},
                                 {{"price", 5}, {"store_id", 0}, {"sku", parent}},
                                 {{"price", 5}, {"store_id", 7}, {"sku", simple}}}}});
  REQUIRE(errors.size() == 3);
  CHECK(errors[0]["message"] == "Invalid attribute %fieldName = %fieldValue.");
  CHECK(errors[0]["parameters"] == Json::array({"SKU", "GHOST"}));
  CHECK(errors[2]["parameters"] == Json::array({simple, "7"}));
  CHECK(mage.ok("GET", "/rest/V1/products/" + simple)["price"] == 19.99);
  CHECK(mage.ok("POST", "/rest/V1/products/base-prices", {{"prices", Json::array()}}) ==
        Json::array());
  const Json read =
      mage.ok("POST", "/rest/V1/products/base-prices-information", {{"skus", {simple, "GHOST"}}});
  REQUIRE(read.size() == 1);
  CHECK(read[0]["price"] == 19.99);
  CHECK(mage.stats()["prices_written"] == 1);
}

TEST_CASE(
    "MSI source items: the default source is the stock item, a second source keeps its own, "
    "an unknown source fails the save and an unknown SKU is accepted") {
  Mage mage({"--products", "10", "--sources", "default,eu_warehouse"});
  mage.ok("POST", "/rest/V1/products",
          {{"product", {{"sku", "STK-1"}, {"name", "Stocked"}, {"price", 4}}}});
  const Json done = mage.ok(
      "POST", "/rest/V1/inventory/source-items",
      {{"sourceItems",
        {{{"sku", "STK-1"}, {"source_code", "default"}, {"quantity", 42}, {"status", 1}},
         {{"sku", "STK-1"}, {"source_code", "eu_warehouse"}, {"quantity", 3}, {"status", 1}},
         {{"sku", "NOT-YET"}, {"source_code", "default"}, {"quantity", 1}, {"status", 1}}}}});
  CHECK(done == Json::array());
  const Json product = mage.ok("GET", "/rest/V1/products/STK-1");
  CHECK(product["extension_attributes"]["stock_item"]["qty"] == 42);
  const Json listed = mage.ok("GET", "/rest/V1/inventory/source-items?" +
                                         sc("[filter_groups][0][filters][0][field]=sku") + "&" +
                                         sc("[filter_groups][0][filters][0][value]=STK-1"));
  CHECK(listed["total_count"] == 2);
  const HttpResult bad_source = mage.as_admin(
      "POST", "/rest/V1/inventory/source-items",
      {{"sourceItems",
        {{{"sku", "MG-000002"}, {"source_code", "moon"}, {"quantity", 1}, {"status", 1}}}}});
  CHECK(bad_source.status == 400);
  CHECK(Json::parse(bad_source.body)["message"] == "Could not save Source Item");
  const HttpResult invalid = mage.as_admin(
      "POST", "/rest/V1/inventory/source-items",
      {{"sourceItems",
        {{{"sku", ""}, {"source_code", "default"}, {"quantity", 1}, {"status", 1}}}}});
  CHECK(invalid.status == 400);
  CHECK(Json::parse(invalid.body)["message"] == "Validation Failed");
  CHECK(mage.stats()["stock_items_written"] == 3);
}

TEST_CASE(
    "the async bulk API accepts with 202, a consumer works the operations later, and an "
    "operation that fails (a duplicate url_key, a SKU told to fail) fails alone with "
    "Magento's message") {
  Mage mage({"--products", "10", "--bulk-delay-ms", "300", "--bulk-rate", "100"});
  mage.control("bulk-fail", {{"skus", {"BULK-3"}}});
  Json items = Json::array();
  items.push_back({{"product", {{"sku", "BULK-1"}, {"name", "Bulk One"}, {"price", 10}}}});
  items.push_back(
      {{"product", {{"sku", "BULK-2"}, {"name", "Bulk One"}, {"price", 11}}}});  // same url_key
  items.push_back({{"product", {{"sku", "BULK-3"}, {"name", "Bulk Three"}, {"price", 12}}}});
  items.push_back({{"product", {{"sku", "MG-000002"}, {"price", 99}}}});
  const HttpResult accepted = mage.as_admin("POST", "/rest/all/async/bulk/V1/products", items);
  REQUIRE(accepted.status == 202);
  const Json a = Json::parse(accepted.body);
  CHECK(a["errors"] == false);
  REQUIRE(a["request_items"].size() == 4);
  CHECK(a["request_items"][1]["id"] == 1);
  CHECK(a["request_items"][1]["status"] == "accepted");
  CHECK(a["request_items"][1]["data_hash"].get<std::string>().size() == 64);
  const std::string uuid = a["bulk_uuid"];

  // Not done yet: the consumer waits.
  CHECK(mage.as_admin("GET", "/rest/V1/products/BULK-1").status == 404);
  const Json open = mage.ok("GET", "/rest/V1/bulk/" + uuid + "/status");
  CHECK(open["operations_list"][0]["status"] == 4);
  CHECK(open["operation_count"] == 4);

  const Json done = wait_for_bulk(mage, uuid);
  const auto& ops = done["operations_list"];
  CHECK(ops[0]["status"] == 1);
  CHECK(ops[1]["status"] == 3);
  CHECK(ops[1]["result_message"] == "URL key for specified store already exists.");
  CHECK(ops[1]["error_code"] == 0);
  CHECK(ops[2]["status"] == 3);
  CHECK(ops[2]["result_message"] == "The product was unable to be saved. Please try again.");
  CHECK(ops[3]["status"] == 1);
  CHECK(mage.ok("GET", "/rest/V1/products/BULK-1")["price"] == 10);
  CHECK(mage.ok("GET", "/rest/V1/products/MG-000002")["price"] == 99);
  CHECK(mage.as_admin("GET", "/rest/V1/products/BULK-2").status == 404);
  CHECK(mage.ok("GET", "/rest/V1/bulk/" + uuid + "/operation-status/3") == 2);
  const Json detailed = mage.ok("GET", "/rest/V1/bulk/" + uuid + "/detailed-status");
  CHECK(detailed["operations_list"][0]["topic_name"] ==
        "async.magento.catalog.api.productrepositoryinterface.save.post");
  const Json s = mage.stats();
  CHECK(s["bulk_operations_complete"] == 2);
  CHECK(s["bulk_operations_not_retriably_failed"] == 2);

  const HttpResult unknown =
      mage.as_admin("GET", "/rest/V1/bulk/00000000-0000-4000-8000-000000000000/status");
  CHECK(unknown.status == 404);
  CHECK(Json::parse(unknown.body)["message"] == "Bulk uuid %bulkUuid not exist");
}

TEST_CASE(
    "categories: listed by name and parent, made under a parent, a second of one name under one "
    "parent refused for its URL key, a product linked to them") {
  Mage mage({"--products", "2", "--categories", "3"});
  const Json made = mage.ok("POST", "/rest/V1/categories",
                            {{"category", {{"name", "Garden Tools"}, {"is_active", true}}}});
  CHECK(made["parent_id"] == 2);
  const std::string id = std::to_string(made["id"].get<long long>());
  // The same name under the same parent collides on its URL key.
  const HttpResult again = mage.as_admin(
      "POST", "/rest/V1/categories", {{"category", {{"name", "garden tools"}, {"parent_id", 2}}}});
  CHECK(again.status == 400);
  CHECK(Json::parse(again.body)["message"] == "URL key for specified store already exists.");
  // Under another parent it is a new category.
  const Json child = mage.ok("POST", "/rest/V1/categories",
                             {{"category", {{"name", "Garden Tools"}, {"parent_id", made["id"]}}}});
  CHECK(child["parent_id"] == made["id"]);
  // Found by name (any case, as MySQL compares) and parent.
  const Json found = mage.ok(
      "GET", "/rest/all/V1/categories/list?" + sc("[filter_groups][0][filters][0][field]=name&") +
                 sc("[filter_groups][0][filters][0][value]=GARDEN%20TOOLS&") +
                 sc("[filter_groups][1][filters][0][field]=parent_id&") +
                 sc("[filter_groups][1][filters][0][value]=2"));
  REQUIRE(found["total_count"] == 1);
  CHECK(found["items"][0]["id"] == made["id"]);
  // A product linked to it; a link to no category fails the save.
  Json product = {{"sku", "CAT-1"}, {"name", "Rake"}, {"price", 9.5}, {"attribute_set_id", 4},
                  {"extension_attributes",
                   {{"category_links", {{{"position", 0}, {"category_id", id}}}}}}};
  const Json saved = mage.ok("PUT", "/rest/all/V1/products/CAT-1", {{"product", product}});
  CHECK(saved["extension_attributes"]["category_links"][0]["category_id"] == id);
  product["extension_attributes"]["category_links"][0]["category_id"] = "99999";
  CHECK(mage.as_admin("PUT", "/rest/all/V1/products/CAT-1", {{"product", product}}).status == 400);
}

TEST_CASE(
    "a bulk item that is not a product fails the whole request with the webapi's 400 and "
    "schedules nothing") {
  Mage mage({"--products", "3"});
  const Json items = {{{"product", {{"sku", "OK-1"}, {"name", "Fine"}, {"price", 1}}}},
                      {{"sku", "NO-WRAPPER"}}};
  const HttpResult r = mage.as_admin("POST", "/rest/async/bulk/V1/products", items);
  CHECK(r.status == 400);
  CHECK(Json::parse(r.body)["parameters"]["fieldName"] == "product");
  CHECK(mage.stats()["bulk_operations_accepted"] == 0);
  CHECK(call("POST", mage.url("/rest/async/bulk/V1/products"), items.dump(), {}).status == 401);
}

TEST_CASE(
    "orders: invoice then ship makes complete, a second invoice is Magento's 400, cancel "
    "answers false for a complete order, comments set the status, and an unknown order is a 404") {
  Mage mage({"--products", "20", "--orders", "0"});
  const Json made = mage.control("orders", {{"count", 2}});
  const long id = made["ids"][0];
  const long other = made["ids"][1];
  const Json order = mage.ok("GET", "/rest/V1/orders/" + std::to_string(id));
  CHECK(order["state"] == "new");
  CHECK(order["status"] == "pending");
  CHECK(order["increment_id"].get<std::string>().size() == 9);

  const Json invoice = mage.ok("POST", "/rest/V1/order/" + std::to_string(id) + "/invoice",
                               {{"capture", true}, {"notify", false}});
  CHECK(invoice.is_string());
  CHECK(mage.ok("GET", "/rest/V1/orders/" + std::to_string(id))["status"] == "processing");
  const HttpResult again = mage.as_admin(
      "POST", "/rest/V1/order/" + std::to_string(id) + "/invoice", {{"capture", true}});
  CHECK(again.status == 400);
  CHECK(
      Json::parse(again.body)["message"] ==
      "Invoice Document Validation Error(s):\nThe order does not allow an invoice to be created.");
  const Json track = {{"track_number", "1Z999"}, {"title", "UPS"}, {"carrier_code", "ups"}};
  Json ship = Json::object();
  ship["items"] = Json::array();
  ship["tracks"] = Json::array({track});
  mage.ok("POST", "/rest/V1/order/" + std::to_string(id) + "/ship", ship);
  const Json complete = mage.ok("GET", "/rest/V1/orders/" + std::to_string(id));
  CHECK(complete["state"] == "complete");
  CHECK(complete["updated_at"] >= order["updated_at"]);
  CHECK(mage.ok("POST", "/rest/V1/orders/" + std::to_string(id) + "/cancel") == false);
  const HttpResult ship_again =
      mage.as_admin("POST", "/rest/V1/order/" + std::to_string(id) + "/ship", Json::object());
  CHECK(ship_again.status == 400);

  CHECK(mage.ok("POST", "/rest/V1/orders/" + std::to_string(other) + "/cancel") == true);
  const HttpResult no_invoice =
      mage.as_admin("POST", "/rest/V1/order/" + std::to_string(other) + "/invoice", Json::object());
  CHECK(Json::parse(no_invoice.body)["message"] ==
        "Invoice Document Validation Error(s):\nAn invoice cannot be created when an order has a "
        "status of canceled");

  CHECK(mage.ok("POST", "/rest/V1/orders/" + std::to_string(other) + "/comments",
                {{"statusHistory",
                  {{"comment", "checked"}, {"status", "holded"}, {"is_customer_notified", 0}}}}) ==
        true);
  const Json commented = mage.ok("GET", "/rest/V1/orders/" + std::to_string(other));
  CHECK(commented["status"] == "holded");
  CHECK(commented["status_histories"][0]["comment"] == "checked");

  const HttpResult missing = mage.as_admin("GET", "/rest/V1/orders/999999");
  CHECK(missing.status == 404);
  CHECK(Json::parse(missing.body)["message"] ==
        "The entity that was requested doesn't exist. Verify the entity and try again.");
  CHECK(mage.as_admin("POST", "/rest/V1/order/999999/invoice", Json::object()).status == 404);

  // Filter by status and updated_at.
  const Json canceled =
      mage.ok("GET", "/rest/V1/orders?" + sc("[filter_groups][0][filters][0][field]=status") + "&" +
                         sc("[filter_groups][0][filters][0][value]=holded"));
  CHECK(canceled["total_count"] == 1);
}

TEST_CASE(
    "a configurable order line is a parent item with the child's SKU and a child item that "
    "points at it, as Magento stores them") {
  Mage mage({"--products", "300", "--orders", "60"});
  const Json orders = mage.ok("GET", "/rest/V1/orders?" + sc("[pageSize]=100"));
  CHECK(orders["total_count"] == 60);
  bool found = false;
  std::set<std::string> statuses;
  for (const auto& o : orders["items"]) {
    statuses.insert(o["status"].get<std::string>());
    for (const auto& item : o["items"]) {
      if (!item.contains("parent_item_id")) continue;
      found = true;
      CHECK(item["parent_item"]["product_type"] == "configurable");
      CHECK(item["parent_item"]["sku"] == item["sku"]);
      CHECK(item["parent_item"]["item_id"] == item["parent_item_id"]);
      CHECK(item["price"] == 0);
    }
    CHECK(o["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
           ["address_type"] == "shipping");
  }
  CHECK(found);
  CHECK(statuses.size() >= 4);
}

TEST_CASE(
    "store codes: /rest/V1, /rest/default/V1 and /rest/all/V1 work, an unknown store code "
    "or route is Magento's 404") {
  Mage mage({"--products", "3"});
  CHECK(mage.as_admin("GET", "/rest/V1/products/MG-000001").status == 200);
  CHECK(mage.as_admin("GET", "/rest/default/V1/products/MG-000001").status == 200);
  CHECK(mage.as_admin("GET", "/rest/all/V1/products/MG-000001").status == 200);
  const HttpResult store = mage.as_admin("GET", "/rest/nostore/V1/products/MG-000001");
  CHECK(store.status == 404);
  CHECK(Json::parse(store.body)["message"] == "Request does not match any route.");
  CHECK(mage.as_admin("GET", "/rest/V1/nothing").status == 404);
  CHECK(mage.as_admin("PATCH", "/rest/V1/products/MG-000001").status == 404);
  const HttpResult broken = call("POST", mage.url("/rest/V1/products"), "{not json",
                                 {"Authorization: Bearer " + mage.admin_token()});
  CHECK(broken.status == 400);
  CHECK(Json::parse(broken.body)["message"] == "Decoding error.");
  // The stores themselves, as a client's check request reads them.
  const Json configs = mage.ok("GET", "/rest/V1/store/storeConfigs");
  REQUIRE(configs.size() == 1);
  CHECK(configs[0]["code"] == "default");
  CHECK(configs[0]["base_url"] == mage.url("/"));
  CHECK(mage.ok("GET", "/rest/V1/store/storeViews").size() == 2);
  CHECK(mage.ok("GET", "/rest/all/V1/store/websites")[1]["code"] == "base");
  CHECK(call("GET", mage.url("/rest/V1/store/storeConfigs"), "", {}).status == 401);
}

TEST_CASE(
    "a fragile host: above max_concurrent a 503 with an HTML body, above the rate a 429, an "
    "outage a 503, /_sim/ is never refused and not counted, and stats name routes with "
    "placeholders") {
  Mage mage({"--products", "5"});
  const std::string token = mage.admin_token();
  mage.control("stats/reset");
  mage.control("fragile", {{"rate", 5}, {"burst", 5}});
  int ok = 0, throttled = 0;
  for (int i = 0; i < 20; ++i) {
    const HttpResult r = call("GET", mage.url("/rest/V1/products/MG-000001"), "",
                              {"Authorization: Bearer " + token});
    (r.status == 200 ? ok : throttled) += 1;
    if (r.status == 429) CHECK(r.body.find("<html>") != std::string::npos);
  }
  CHECK(throttled > 0);
  CHECK(ok >= 5);
  CHECK(call("GET", mage.url("/_sim/stats"), "", {}).status == 200);
  const Json s = mage.stats();
  CHECK(s["throttled_429"] == throttled);
  CHECK(s["by_route"]["GET /V1/products/<sku>"] == ok);

  // Concurrency: a shop big enough that a full listing takes a while.
  Mage big({"--products", "20000", "--max-concurrent", "1"});
  const std::string big_token = big.admin_token();
  std::vector<std::thread> threads;
  std::atomic<int> busy{0}, not_html{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const HttpResult r = call("GET", big.url("/rest/V1/products?searchCriteria[pageSize]=0"),
                                  "", {"Authorization: Bearer " + big_token});
        if (r.status == 503) {
          busy += 1;  // (no CHECK here: Catch2 assertions are for the main thread)
          if (r.header("content-type").find("text/html") == std::string::npos) not_html += 1;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(busy > 0);
  CHECK(not_html == 0);
  CHECK(big.stats()["max_concurrent"] == 1);
  mage.control("fragile", {{"off", true}});
  mage.control("outage", {{"seconds", 1}});
  CHECK(call("GET", mage.url("/rest/V1/products/MG-000001"), "", {"Authorization: Bearer " + token})
            .status == 503);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(call("GET", mage.url("/rest/V1/products/MG-000001"), "", {"Authorization: Bearer " + token})
            .status == 200);
}

TEST_CASE("/_sim/change moves updated_at of exactly P% of the products") {
  Mage mage({"--products", "200"});
  const Json changed = mage.control("change", {{"percent", 5}, {"what", "price"}});
  CHECK(changed["changed"] == 10);
  const Json recent =
      mage.ok("GET", "/rest/V1/products?" + sc("[filter_groups][0][filters][0][field]=updated_at") +
                         "&" + sc("[filter_groups][0][filters][0][value]=2026-11-01%2000:00:00") +
                         "&" + sc("[filter_groups][0][filters][0][condition_type]=gt"));
  CHECK(recent["total_count"] == 10);
}

TEST_CASE("500,000 products start in a few seconds and stay under 1 GB") {
  const auto started = std::chrono::steady_clock::now();
  Mage mage({"--products", "500000"});
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < std::chrono::seconds(15));
  const long kb = rss_kb(mage.process.pid());
  INFO("RSS " << kb << " kB");
  CHECK(kb > 0);
  CHECK(kb < 1024 * 1024);
  const Json last =
      mage.ok("GET", "/rest/V1/products?" + sc("[pageSize]=100") + "&" + sc("[currentPage]=5000"));
  CHECK(last["total_count"] == 500000);
  CHECK(last["items"].size() == 100);
}

TEST_CASE("web API input limits: a list over the limit, a bulk over the async limit and a page "
          "over the maximum are Magento's 400s, nothing written") {
  Mage mage({"--products", "3", "--input-list-limit", "2", "--max-page-size", "50"});
  Json prices = Json::array();
  for (const char* sku : {"MG-000001-S", "MG-000001-M", "MG-000001-S"}) {
    prices.push_back({{"price", 5}, {"store_id", 0}, {"sku", sku}});
  }
  const HttpResult over = mage.as_admin("POST", "/rest/V1/products/base-prices", {{"prices", prices}});
  CHECK(over.status == 400);
  const Json e = Json::parse(over.body);
  CHECK(e["message"] == "Maximum items of type \"%type\" is %max");
  CHECK(e["parameters"]["max"] == 2);
  CHECK(e["parameters"]["type"] == "\\Magento\\Catalog\\Api\\Data\\BasePriceInterface");
  CHECK(mage.stats()["prices_written"] == 0);
  prices.erase(prices.begin());
  CHECK(mage.ok("POST", "/rest/V1/products/base-prices", {{"prices", prices}}).empty());
  CHECK(mage.stats()["prices_written"] == 2);

  const HttpResult page = mage.as_admin(
      "GET", "/rest/V1/products?" + sc("[pageSize]=51&") + sc("[currentPage]=1"));
  CHECK(page.status == 400);
  CHECK(Json::parse(page.body)["message"] == "Maximum SearchCriteria pageSize is %max");
  CHECK(mage.ok("GET", "/rest/V1/products?" + sc("[pageSize]=50"))["total_count"].get<int>() >= 3);

  // A bulk item whose own list is over the limit refuses the whole bulk.
  const Json product = {{"sku", "L-1"}, {"name", "Long"}, {"price", 1},
                        {"custom_attributes", {{{"attribute_code", "a"}, {"value", "1"}},
                                               {{"attribute_code", "b"}, {"value", "2"}},
                                               {{"attribute_code", "c"}, {"value", "3"}}}}};
  const HttpResult bulk =
      mage.as_admin("POST", "/rest/async/bulk/V1/products", Json::array({{{"product", product}}}));
  CHECK(bulk.status == 400);
  CHECK(mage.stats()["bulk_operations_accepted"] == 0);
}

TEST_CASE("images: a gallery entry brings its file as base64 content, checked as Magento checks "
          "it, and a saved list replaces the gallery") {
  Mage mage({"--products", "0"});
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(16, 'x');
  auto entry = [&](const std::string& data, const std::string& type, const std::string& name) {
    return Json{{"media_type", "image"}, {"label", name}, {"position", 0}, {"disabled", false},
                {"types", {"image", "small_image", "thumbnail"}},
                {"content", {{"base64_encoded_data", data}, {"type", type}, {"name", name}}}};
  };
  Json product = {{"sku", "IMG-1"}, {"name", "Pictured"}, {"price", 3}, {"attribute_set_id", 4}};
  product["media_gallery_entries"] = {entry(base64(jpeg), "image/jpeg", "Front.jpg"),
                                      entry(base64(jpeg), "image/jpeg", "back.jpg")};
  const Json saved = mage.ok("PUT", "/rest/all/V1/products/IMG-1", {{"product", product}});
  REQUIRE(saved["media_gallery_entries"].size() == 2);
  CHECK(saved["media_gallery_entries"][0]["file"] == "/f/r/front.jpg");
  CHECK(!saved["media_gallery_entries"][0].contains("content"));
  CHECK(mage.stats()["images_uploaded"] == 2);

  auto refused = [&](const Json& bad) {
    Json p = product;
    p["media_gallery_entries"] = {bad};
    const HttpResult r = mage.as_admin("PUT", "/rest/all/V1/products/IMG-1", {{"product", p}});
    CHECK(r.status == 400);
    return Json::parse(r.body)["message"].get<std::string>();
  };
  CHECK(refused(entry("not base64!", "image/jpeg", "a.jpg")) ==
        "The image content must be valid base64 encoded data.");
  CHECK(refused(entry(base64("plain text, no picture"), "image/jpeg", "a.jpg")) ==
        "The image content is invalid. Verify the content and try again.");
  CHECK(refused(entry(base64(jpeg), "image/bmp", "a.jpg")) ==
        "The image MIME type is not valid or not supported.");
  CHECK(refused(entry(base64(jpeg), "image/jpeg", "a/b.jpg")) ==
        "Provided image name contains forbidden characters.");
  // Nothing of those went in; a list of one replaces the gallery.
  CHECK(mage.ok("GET", "/rest/V1/products/IMG-1")["media_gallery_entries"].size() == 2);
  product["media_gallery_entries"] = {entry(base64(jpeg), "image/jpeg", "only.jpg")};
  CHECK(mage.ok("PUT", "/rest/all/V1/products/IMG-1", {{"product", product}})["media_gallery_entries"]
            .size() == 1);
  CHECK(mage.stats()["images_uploaded"] == 3);
}
