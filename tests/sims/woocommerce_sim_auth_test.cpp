// weir-sim-woocommerce's authentication, checked with signatures this file
// computes itself (OpenSSL, RFC 5849), not with the simulator's code.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/sim_process.hpp"

using weir::test::HttpClient;
using weir::test::HttpResult;
using weir::test::SimProcess;
using Json = nlohmann::json;

namespace {

std::string pct(const std::string& s) {
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

std::string b64(const unsigned char* data, unsigned len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct OAuth {
  std::string method = "HMAC-SHA1";
  std::string key = "ck_test";
  std::string secret = "cs_test";
  std::string nonce = "n0nce";
  long timestamp = static_cast<long>(std::time(nullptr));
};

// The URL of a one-legged OAuth 1.0a GET: `params` plus the oauth_*
// parameters, signed over METHOD&url&sorted-parameters with secret + "&".
std::string signed_url(const std::string& base,
                       const std::vector<std::pair<std::string, std::string>>& params,
                       const OAuth& o) {
  auto all = params;
  all.emplace_back("oauth_consumer_key", o.key);
  all.emplace_back("oauth_nonce", o.nonce);
  all.emplace_back("oauth_signature_method", o.method);
  all.emplace_back("oauth_timestamp", std::to_string(o.timestamp));
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : all) enc.emplace_back(pct(k), pct(v));
  std::sort(enc.begin(), enc.end());
  std::string normalized;
  for (const auto& [k, v] : enc) normalized += (normalized.empty() ? "" : "&") + k + "=" + v;
  const std::string text = "GET&" + pct(base) + "&" + pct(normalized);
  const std::string hmac_key = o.secret + "&";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(o.method == "HMAC-SHA1" ? EVP_sha1() : EVP_sha256(), hmac_key.data(),
       static_cast<int>(hmac_key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), md, &len);
  return base + "?" + normalized + "&oauth_signature=" + pct(b64(md, len));
}

}  // namespace

TEST_CASE(
    "over plain HTTP Basic and query keys are refused with 401 and OAuth 1.0a signatures are "
    "accepted") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "12"});
  REQUIRE(shop.start());
  HttpClient http;
  const std::string base = shop.base() + "/wp-json/wc/v3/products";

  const HttpResult basic =
      http.send("GET", base, "", {{"Authorization", "Basic Y2tfdGVzdDpjc190ZXN0"}});
  CHECK(basic.status == 401);
  CHECK(Json::parse(basic.body)["code"] == "woocommerce_rest_cannot_view");
  CHECK(http.get(base + "?consumer_key=ck_test&consumer_secret=cs_test").status == 401);

  OAuth o;
  const HttpResult sha1 = http.get(signed_url(base, {{"per_page", "5"}}, o));
  CHECK(sha1.status == 200);
  CHECK(Json::parse(sha1.body).size() == 5);
  o.method = "HMAC-SHA256";
  o.nonce = "other";
  CHECK(http.get(signed_url(base, {{"per_page", "5"}, {"search", "steel chair"}}, o)).status ==
        200);

  SECTION("a reused nonce is 401") {
    o.nonce = "once";
    REQUIRE(http.get(signed_url(base, {}, o)).status == 200);
    const HttpResult again = http.get(signed_url(base, {}, o));
    CHECK(again.status == 401);
    CHECK(Json::parse(again.body)["message"] == "Invalid nonce - nonce has already been used.");
  }
  SECTION("a timestamp 16 minutes off is 401") {
    o.nonce = "late";
    o.timestamp -= 16 * 60;
    const HttpResult late = http.get(signed_url(base, {}, o));
    CHECK(late.status == 401);
    CHECK(Json::parse(late.body)["message"] == "Invalid timestamp.");
  }
  SECTION("a wrong secret is 401 woocommerce_rest_authentication_error") {
    o.nonce = "wrong";
    o.secret = "cs_nope";
    const HttpResult bad = http.get(signed_url(base, {}, o));
    CHECK(bad.status == 401);
    CHECK(Json::parse(bad.body)["code"] == "woocommerce_rest_authentication_error");
  }
}

TEST_CASE("the Link header repeats the oauth parameters of the request") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "30"});
  REQUIRE(shop.start());
  HttpClient http;
  OAuth o;
  o.nonce = "linknonce";
  const HttpResult r =
      http.get(signed_url(shop.base() + "/wp-json/wc/v3/products", {{"per_page", "10"}}, o));
  REQUIRE(r.status == 200);
  const std::string link = r.header("link");
  CHECK(link.find("oauth_nonce=linknonce") != std::string::npos);
  CHECK(link.find("oauth_consumer_key=ck_test") != std::string::npos);
  CHECK(link.find("oauth_signature_method=HMAC-SHA1") != std::string::npos);
  CHECK(link.find("oauth_signature=") != std::string::npos);
  CHECK(link.find("page=2") != std::string::npos);
}

TEST_CASE("behind an HTTPS-terminating proxy Basic and query keys work and a wrong secret is 401") {
  SimProcess shop("weir-sim-woocommerce", {"--products", "3", "--https-terminated",
                                           "--consumer-key", "ck_a", "--consumer-secret", "cs_b"});
  REQUIRE(shop.start());
  HttpClient http;
  const std::string status = shop.base() + "/wp-json/wc/v3/system_status";
  CHECK(http.send("GET", status, "", {{"Authorization", "Basic Y2tfYTpjc19i"}}).status ==
        200);  // ck_a:cs_b
  CHECK(http.get(status + "?consumer_key=ck_a&consumer_secret=cs_b").status == 200);
  const HttpResult bad = http.get(status + "?consumer_key=ck_a&consumer_secret=cs_x");
  CHECK(bad.status == 401);
  CHECK(Json::parse(bad.body)["message"] == "Consumer secret is invalid.");
  CHECK(http.get(status).status == 401);
}
