#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <vector>

namespace weir::sims::mage {

std::string base64_encode(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64url_encode(const std::string& raw) {
  std::string s = base64_encode(raw);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string hmac(const std::string& algorithm, const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* evp = algorithm == "sha1" ? EVP_sha1() : EVP_sha256();
  HMAC(evp, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

namespace {

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Authenticator::Authenticator(Credentials c) : creds_(std::move(c)) {
  jwt_key_ = "weir-sim-magento-jwt:" + creds_.admin_password;
}

std::optional<std::string> Authenticator::issue_admin_token(const std::string& user,
                                                            const std::string& password,
                                                            std::int64_t now) {
  if (user != creds_.admin_user || !same(password, creds_.admin_password)) return std::nullopt;
  std::lock_guard lock(mu_);
  ++issued_;
  const std::string header = base64url_encode(R"({"kid":"1","alg":"HS256"})");
  const std::string payload =
      base64url_encode("{\"uid\":1,\"utypid\":2,\"iat\":" + std::to_string(now) +
                       ",\"exp\":" + std::to_string(now + creds_.admin_token_lifetime) +
                       ",\"jti\":" + std::to_string(issued_) + "}");
  const std::string signature = base64url_encode(hmac("sha256", jwt_key_, header + "." + payload));
  const std::string token = header + "." + payload + "." + signature;
  admin_tokens_[token] = now + creds_.admin_token_lifetime;
  return token;
}

void Authenticator::expire_admin_tokens() {
  std::lock_guard lock(mu_);
  for (auto& [token, expiry] : admin_tokens_) expiry = 0;
}

std::pair<Identity, std::optional<MageError>> Authenticator::identify(const Request& req,
                                                                      const std::string& site,
                                                                      std::int64_t now) {
  const std::string h = req.header("authorization");
  if (h.rfind("OAuth ", 0) == 0) {
    if (auto e = verify_oauth(req, site, now)) return {Identity{}, e};
    return {Identity{UserType::kIntegration, 1}, std::nullopt};
  }
  // TokenUserContext: exactly "<type> <token>", type bearer (any case).
  const auto space = h.find(' ');
  if (space == std::string::npos || h.find(' ', space + 1) != std::string::npos) return {};
  std::string type = h.substr(0, space);
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  if (type != "bearer") return {};
  const std::string token = h.substr(space + 1);
  if (same(token, creds_.access_token)) {
    if (!creds_.integration_bearer) return {};
    return {Identity{UserType::kIntegration, 1}, std::nullopt};
  }
  std::lock_guard lock(mu_);
  auto it = admin_tokens_.find(token);
  if (it == admin_tokens_.end() || it->second <= now) return {};
  return {Identity{UserType::kAdmin, 1}, std::nullopt};
}

std::optional<MageError> Authenticator::verify_oauth(const Request& req, const std::string& site,
                                                     std::int64_t now) {
  // Parameters: the header's oauth_* (decoded) and the query's, all of them.
  std::vector<std::pair<std::string, std::string>> params(req.query.begin(), req.query.end());
  std::map<std::string, std::string> oauth;
  const std::string h = req.header("authorization");
  static const std::regex kPair(R"re(([A-Za-z_]+)\s*=\s*"([^"]*)")re");
  for (std::sregex_iterator it(h.begin() + 6, h.end(), kPair), end; it != end; ++it) {
    const std::string name = (*it)[1];
    if (name == "realm") continue;
    const std::string value = url_decode((*it)[2].str(), false);
    oauth[name] = value;
    params.emplace_back(name, value);
  }
  auto invalid_input = [](std::string message, Json p) {
    return error(400, std::move(message), p);
  };
  if (oauth.count("oauth_version") && oauth["oauth_version"] != "1.0") {
    return invalid_input("The \"%1\" Oauth version isn't supported.",
                         Json::array({oauth["oauth_version"]}));
  }
  for (const char* name : {"oauth_consumer_key", "oauth_signature", "oauth_signature_method",
                           "oauth_nonce", "oauth_timestamp", "oauth_token"}) {
    if (oauth[name].empty()) {
      return invalid_input("\"%fieldName\" is required. Enter and try again.",
                           Json{{"fieldName", name}});
    }
  }
  const std::string method = oauth["oauth_signature_method"];
  if (method != "HMAC-SHA1" && method != "HMAC-SHA256") {
    return invalid_input("Signature method %1 is not supported", Json::array({method}));
  }
  if (!same(oauth["oauth_consumer_key"], creds_.consumer_key)) {
    return error(401, "A consumer having the specified key does not exist");
  }
  {
    std::lock_guard lock(mu_);
    const std::int64_t ts = std::strtoll(oauth["oauth_timestamp"].c_str(), nullptr, 10);
    if (ts <= 0 || ts > now + 600) {
      return invalid_input("The timestamp is invalid. Verify and try again.", nullptr);
    }
    if (!nonces_.insert(oauth["oauth_nonce"]).second) {
      return error(401, "The nonce is already being used by the consumer with ID %1.",
                   Json::array({"1"}));
    }
  }
  if (!same(oauth["oauth_token"], creds_.access_token)) {
    return error(401, "Specified token does not exist");
  }
  // RFC 5849 3.4.1: base string over the method, the URL without its query
  // and the sorted, encoded parameters (the signature itself left out).
  const std::string raw_path = req.target.substr(0, req.target.find('?'));
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : params) {
    if (k != "oauth_signature") encoded.emplace_back(url_encode(k), url_encode(v));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) normalized += (normalized.empty() ? "" : "&") + k + "=" + v;
  const std::string base =
      req.method + "&" + url_encode(site + raw_path) + "&" + url_encode(normalized);
  const std::string key =
      url_encode(creds_.consumer_secret) + "&" + url_encode(creds_.access_token_secret);
  const std::string expected =
      base64_encode(hmac(method == "HMAC-SHA1" ? "sha1" : "sha256", key, base));
  if (!same(expected, oauth["oauth_signature"])) {
    return error(401, "The signature is invalid. Verify and try again.");
  }
  return std::nullopt;
}

}  // namespace weir::sims::mage
