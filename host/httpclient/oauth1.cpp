#include "httpclient/oauth1.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace weir::httpclient {
namespace {

std::string base64(const unsigned char* data, unsigned int len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

OAuth1Signed oauth1_sign(const std::string& method, const Url& url, const Params& form_body,
                         const OAuth1Credentials& c, const std::string& nonce,
                         std::int64_t timestamp) {
  OAuth1Signed out;
  out.url = url;
  // The URL's own parameters, without any oauth_* a previous signing left.
  Params query;
  for (auto& p : parse_query(url.query)) {
    if (p.first.rfind("oauth_", 0) != 0) query.push_back(std::move(p));
  }
  // The query as sent keeps its parameters' order and encoding, minus oauth_*.
  out.url.query = rewrite_query(url.query, [](const std::string& name, const std::string& part) {
    return name.rfind("oauth_", 0) == 0 ? std::nullopt : std::optional<std::string>(part);
  });

  out.oauth_params = {{"oauth_consumer_key", c.consumer_key},
                      {"oauth_nonce", nonce},
                      {"oauth_signature_method", c.signature_method},
                      {"oauth_timestamp", std::to_string(timestamp)}};
  // oauth_version is optional (RFC 5849 3.1) and left out, as in the RFC's examples.
  if (!c.token.empty()) out.oauth_params.emplace_back("oauth_token", c.token);

  std::vector<std::pair<std::string, std::string>> encoded;
  const std::array<const Params*, 3> sets = {&query, &form_body, &out.oauth_params};
  for (const Params* set : sets) {
    for (const auto& [k, v] : *set) encoded.emplace_back(percent_encode(k), percent_encode(v));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) normalized += (normalized.empty() ? "" : "&") + k + "=" + v;
  Url base_uri = url;
  base_uri.query.clear();
  out.base_string =
      upper(method) + "&" + percent_encode(base_uri.base()) + "&" + percent_encode(normalized);

  const std::string key = percent_encode(c.consumer_secret) + "&" + percent_encode(c.token_secret);
  const EVP_MD* md = c.signature_method == "HMAC-SHA1" ? EVP_sha1() : EVP_sha256();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(out.base_string.data()), out.base_string.size(), mac,
       &len);
  out.oauth_params.emplace_back("oauth_signature", base64(mac, len));

  out.authorization = "OAuth ";
  for (std::size_t i = 0; i < out.oauth_params.size(); ++i) {
    const auto& [k, v] = out.oauth_params[i];
    out.authorization += (i ? ", " : "") + percent_encode(k) + "=\"" + percent_encode(v) + "\"";
  }
  return out;
}

}  // namespace weir::httpclient
