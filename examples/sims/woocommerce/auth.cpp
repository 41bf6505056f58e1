#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace weir::sims::woo {

std::string base64_encode(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) --size;
  out.resize(size);
  return out;
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

RestError auth_error(std::string code, std::string message) {
  return make_error(401, std::move(code), std::move(message));
}

}  // namespace

Authenticator::Result Authenticator::authenticate(const Request& req, std::int64_t now) {
  if (https_) {
    Result r = basic(req);
    if (r.outcome == Outcome::kAuthenticated) return r;
    Result o = oauth(req, now);
    if (o.outcome == Outcome::kAnonymous && r.error) return r;  // the secret was wrong
    return o;
  }
  return oauth(req, now);
}

Authenticator::Result Authenticator::basic(const Request& req) {
  std::string key, secret;
  if (!req.param("consumer_key").empty() && !req.param("consumer_secret").empty()) {
    key = req.param("consumer_key");
    secret = req.param("consumer_secret");
  } else {
    const std::string h = req.header("authorization");
    if (h.rfind("Basic ", 0) == 0) {
      if (auto decoded = base64_decode(h.substr(6))) {
        const auto colon = decoded->find(':');
        if (colon != std::string::npos) {
          key = decoded->substr(0, colon);
          secret = decoded->substr(colon + 1);
        }
      }
    }
  }
  if (key.empty() || secret.empty() || !same(key, creds_.consumer_key)) return {};
  if (!same(secret, creds_.consumer_secret)) {
    return {Outcome::kFailed,
            auth_error("woocommerce_rest_authentication_error", "Consumer secret is invalid.")};
  }
  return {Outcome::kAuthenticated, std::nullopt};
}

Authenticator::Result Authenticator::oauth(const Request& req, std::int64_t now) {
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : req.query) params[k] = v;  // PHP's $_GET: the last repeat wins
  const std::string h = req.header("authorization");
  if (h.rfind("OAuth ", 0) == 0) {
    static const std::regex kPair(R"re((oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*)))re");
    for (std::sregex_iterator it(h.begin(), h.end(), kPair), end; it != end; ++it) {
      params[(*it)[1]] = url_decode((*it)[2].matched ? (*it)[2].str() : (*it)[3].str(), true);
    }
  }
  static const char* kRequired[] = {"oauth_consumer_key", "oauth_timestamp", "oauth_nonce",
                                    "oauth_signature", "oauth_signature_method"};
  std::string missing;
  int given = 0;
  for (const char* name : kRequired) {
    auto it = params.find(name);
    if (it == params.end() || it->second.empty()) {
      missing += (missing.empty() ? "" : ", ") + std::string(name);
    } else {
      ++given;
    }
  }
  if (given == 0) return {};
  if (!missing.empty()) {
    const bool one = missing.find(',') == std::string::npos;
    return {Outcome::kFailed,
            auth_error("woocommerce_rest_authentication_missing_parameter",
                       std::string(one ? "Missing OAuth parameter " : "Missing OAuth parameters ") +
                           missing)};
  }
  if (!same(params["oauth_consumer_key"], creds_.consumer_key)) {
    return {Outcome::kFailed,
            auth_error("woocommerce_rest_authentication_error", "Consumer key is invalid.")};
  }
  const std::string method = params["oauth_signature_method"];
  if (method != "HMAC-SHA1" && method != "HMAC-SHA256") {
    return {Outcome::kFailed, auth_error("woocommerce_rest_authentication_error",
                                         "Invalid signature - signature method is invalid.")};
  }
  if (!signature_matches(req, params)) {
    return {Outcome::kFailed, auth_error("woocommerce_rest_authentication_error",
                                         "Invalid signature - provided signature does not match.")};
  }
  const std::int64_t ts = std::strtoll(params["oauth_timestamp"].c_str(), nullptr, 10);
  constexpr std::int64_t kWindow = 15 * 60;
  if (ts < now - kWindow || ts > now + kWindow) {
    return {Outcome::kFailed,
            auth_error("woocommerce_rest_authentication_error", "Invalid timestamp.")};
  }
  std::lock_guard lock(mu_);
  const std::string& nonce = params["oauth_nonce"];
  for (const auto& [t, n] : nonces_) {
    if (n == nonce) {
      return {Outcome::kFailed, auth_error("woocommerce_rest_authentication_error",
                                           "Invalid nonce - nonce has already been used.")};
    }
  }
  nonces_[ts] = nonce;
  nonces_.erase(nonces_.begin(), nonces_.lower_bound(now - kWindow));
  return {Outcome::kAuthenticated, std::nullopt};
}

bool Authenticator::signature_matches(const Request& req,
                                      const std::map<std::string, std::string>& params) const {
  // RFC 5849 3.4.1.2: scheme://host/path as the site's URL has it; the
  // path as sent (still percent-encoded), without the query.
  const std::string raw_path = req.target.substr(0, req.target.find('?'));
  const std::string base_url = (https_ ? "https://" : "http://") + req.header("host") + raw_path;
  // 3.4.1.3.2: encode names and values, sort, join with '=' and '&'.
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : params) {
    if (k != "oauth_signature") encoded.emplace_back(url_encode(k), url_encode(v));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) normalized += (normalized.empty() ? "" : "&") + k + "=" + v;
  const std::string base = req.method + "&" + url_encode(base_url) + "&" + url_encode(normalized);
  const std::string algorithm =
      params.at("oauth_signature_method") == "HMAC-SHA1" ? "sha1" : "sha256";
  const std::string expected = base64_encode(
      hmac(algorithm, creds_.consumer_secret + "&", base));  // WooCommerce: not encoded
  // WooCommerce turns spaces back into '+' (an unencoded '+' read as a
  // space) and decodes once more.
  std::string given = params.at("oauth_signature");
  std::replace(given.begin(), given.end(), ' ', '+');
  return same(expected, url_decode(given, false));
}

}  // namespace weir::sims::woo
