// OAuth 1.0a signing (httpclient/oauth1.hpp) against RFC 5849's worked
// examples, and against a second, independent implementation written here
// (its own base string, OpenSSL's HMAC called directly) for HMAC-SHA1 and
// HMAC-SHA256, with URLs that already carry oauth_* parameters.
#include "httpclient/oauth1.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "httpclient/url.hpp"

using namespace weir::httpclient;

namespace {

Url url_of(const std::string& text) {
  auto u = parse_url(text);
  REQUIRE(u.has_value());
  return *u;
}

// The independent one: RFC 5849 3.4 read again and written without the
// host's helpers (its own encoder and decoder, a sorted multiset).
std::string enc(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string dec(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string reference_signature(const std::string& method, const std::string& base_uri,
                                const std::string& query,
                                const std::multimap<std::string, std::string>& oauth,
                                const std::string& consumer_secret, const std::string& token_secret,
                                bool sha1) {
  std::multiset<std::pair<std::string, std::string>> all;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    const std::string part = query.substr(start, amp - start);
    const std::size_t eq = part.find('=');
    const std::string name = dec(part.substr(0, eq));
    if (name.rfind("oauth_", 0) != 0) {
      all.insert({enc(name), enc(eq == std::string::npos ? "" : dec(part.substr(eq + 1)))});
    }
    start = amp + 1;
  }
  for (const auto& [k, v] : oauth) all.insert({enc(k), enc(v)});
  std::string normalized;
  for (const auto& [k, v] : all) normalized += (normalized.empty() ? "" : "&") + k + "=" + v;
  const std::string base = method + "&" + enc(base_uri) + "&" + enc(normalized);
  const std::string key = enc(consumer_secret) + "&" + enc(token_secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(sha1 ? EVP_sha1() : EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac, &len);
  unsigned char b64[128];
  const int n = EVP_EncodeBlock(b64, mac, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

std::string param(const OAuth1Signed& s, const std::string& name) {
  for (const auto& [k, v] : s.oauth_params) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("RFC 5849 1.2: the photos example signs to MdpQcU8iPSUjWoN/UDMsK2sui9I=") {
  OAuth1Credentials c{"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk",
                      "pfkkdhi9sl3r4s00", "HMAC-SHA1"};
  const auto s =
      oauth1_sign("GET", url_of("http://photos.example.net/photos?file=vacation.jpg&size=original"),
                  {}, c, "chapoH", 137131202);
  CHECK(s.base_string ==
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%"
        "3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_"
        "timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal");
  CHECK(param(s, "oauth_signature") == "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
  CHECK_THAT(s.authorization,
             Catch::StartsWith("OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\"") &&
                 Catch::Contains("oauth_signature=\"MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D\""));
  CHECK(s.url.text() == "http://photos.example.net/photos?file=vacation.jpg&size=original");
}

TEST_CASE("RFC 5849 3.4.1.1: the base string of the request with a form body, byte for byte") {
  OAuth1Credentials c{"9djdj82h48djs9d2", "j49sk3j29djd", "kkk9d7dh3k39sjv7", "dh893hdasih9",
                      "HMAC-SHA1"};
  const auto s =
      oauth1_sign("POST", url_of("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"),
                  {{"c2", ""}, {"a3", "2 q"}}, c, "7d8f3e4a", 137131201);
  CHECK(
      s.base_string ==
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%"
      "25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%"
      "26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%"
      "3Dkkk9d7dh3k39sjv7");
}

TEST_CASE(
    "signatures agree with an independent implementation, SHA1 and SHA256, oauth_* in the URL "
    "stripped") {
  const std::vector<std::string> urls = {
      "https://shop.example.com/wp-json/wc/v3/products?per_page=100&page=2&orderby=id",
      "https://Shop.Example.com:443/wp-json/wc/v3/products?search=caf%C3%A9+cr%C3%A8me&sku=A%2FB",
      "http://shop.example.com:8080/rest/V1/products?searchCriteria[pageSize]=50&x=",
      // A Link header of a signed request repeats its oauth_* parameters.
      "https://shop.example.com/wp-json/wc/v3/orders?page=3&oauth_consumer_key=ck_old&oauth_nonce=x"
      "&oauth_signature=abc%3D&oauth_timestamp=1&oauth_signature_method=HMAC-SHA1&per_page=50"};
  for (const std::string method : {"HMAC-SHA1", "HMAC-SHA256"}) {
    for (const auto& text : urls) {
      for (bool token : {false, true}) {
        OAuth1Credentials c{"ck_4f2a", "cs_9e&1 x", token ? "tok" : "", token ? "ts+1" : "",
                            method};
        const Url u = url_of(text);
        const auto s = oauth1_sign("get", u, {}, c, "n0nce", 1700000000);
        std::multimap<std::string, std::string> oauth = {{"oauth_consumer_key", "ck_4f2a"},
                                                         {"oauth_nonce", "n0nce"},
                                                         {"oauth_signature_method", method},
                                                         {"oauth_timestamp", "1700000000"}};
        if (token) oauth.insert({"oauth_token", "tok"});
        std::string base_uri = u.base();
        INFO(text << " " << method << " token " << token);
        CHECK(param(s, "oauth_signature") == reference_signature("GET", base_uri, u.query, oauth,
                                                                 "cs_9e&1 x", token ? "ts+1" : "",
                                                                 method == "HMAC-SHA1"));
        CHECK(s.url.query.find("oauth_") == std::string::npos);
      }
    }
  }
  // The stripped URL keeps the other parameters as they were written.
  const auto s = oauth1_sign("GET", url_of(urls[3]), {}, OAuth1Credentials{"k", "s"}, "n", 1);
  CHECK(s.url.text() == "https://shop.example.com/wp-json/wc/v3/orders?page=3&per_page=50");
}

TEST_CASE("URLs: base string URI rules, an app's base, redaction") {
  CHECK(url_of("HTTP://Example.COM:80/a?b=1").base() == "http://example.com/a");
  CHECK(url_of("https://example.com:8443").base() == "https://example.com:8443/");
  CHECK_FALSE(parse_url("ftp://example.com").has_value());
  CHECK_FALSE(parse_url("https://user:pw@example.com/").has_value());
  CHECK_FALSE(parse_url("https://example.com:99999/").has_value());
  const Url base = url_of("https://shop.example.com/wp-json/wc/v3");
  CHECK(is_within(url_of("https://shop.example.com/wp-json/wc/v3/products?page=2"), base));
  CHECK(is_within(url_of("https://shop.example.com:443/wp-json/wc/v3"), base));
  CHECK_FALSE(is_within(url_of("https://shop.example.com/wp-json/wc/v3x/products"), base));
  CHECK_FALSE(is_within(url_of("http://shop.example.com/wp-json/wc/v3/products"), base));
  CHECK_FALSE(is_within(url_of("https://evil.example.com/wp-json/wc/v3/products"), base));
  CHECK(redacted(url_of("https://s.example/p?consumer_key=ck_1&page=2&oauth_signature=x&api=k"),
                 {"api"}) ==
        "https://s.example/p?consumer_key=REDACTED&page=2&oauth_signature=REDACTED&api=REDACTED");
  CHECK(parse_query("a=1&b=x+y&c=%2F&d") ==
        Params{{"a", "1"}, {"b", "x y"}, {"c", "/"}, {"d", ""}});
  CHECK(build_query({{"a b", "1/2"}, {"c", "é"}}) == "a%20b=1%2F2&c=%C3%A9");
}
