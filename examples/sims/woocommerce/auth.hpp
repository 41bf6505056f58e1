// WooCommerce's REST authentication (WC_REST_Authentication), one key pair.
//
// Over HTTPS (here: --https-terminated) the consumer key and secret may come
// as consumer_key/consumer_secret query parameters or as HTTP Basic. Over
// plain HTTP WooCommerce does not even look at those: only OAuth 1.0a
// "one-legged" signatures are read (query parameters or an "OAuth"
// Authorization header), so a Basic request is simply anonymous and gets
// the endpoint's 401 (woocommerce_rest_cannot_view, ...).
//
// The OAuth check follows RFC 5849 section 3.4: the signature base string
// is METHOD & encode(base URL) & encode(sorted, encoded parameters), the
// key is consumer_secret + "&", HMAC-SHA1 or HMAC-SHA256. Then the
// timestamp must be within 15 minutes of now, either way, and the nonce
// unused. Used nonces are kept as WooCommerce keeps them: one per
// timestamp, so a second request with the same timestamp replaces the
// first one's nonce (which may then be used again).
//
// Thread-safe (the nonce store has its own mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "rest_reply.hpp"
#include "sim_http.hpp"

namespace weir::sims::woo {

struct Credentials {
  std::string consumer_key = "ck_test";
  std::string consumer_secret = "cs_test";
};

class Authenticator {
 public:
  Authenticator(Credentials credentials, bool https)
      : creds_(std::move(credentials)), https_(https) {}

  enum class Outcome { kAuthenticated, kAnonymous, kFailed };
  struct Result {
    Outcome outcome = Outcome::kAnonymous;
    std::optional<RestError> error;  // kFailed
  };
  Result authenticate(const Request& req, std::int64_t now);

  bool https() const { return https_; }

 private:
  Result basic(const Request& req);
  Result oauth(const Request& req, std::int64_t now);
  bool signature_matches(const Request& req,
                         const std::map<std::string, std::string>& params) const;

  Credentials creds_;
  bool https_;
  std::mutex mu_;
  std::map<std::int64_t, std::string> nonces_;  // timestamp -> nonce; guarded by mu_
};

// Standard base64 (for Basic credentials and signatures).
std::string base64_encode(const std::string& raw);
std::optional<std::string> base64_decode(const std::string& text);
// Raw HMAC of `data` under `key`; `algorithm` "sha1" or "sha256".
std::string hmac(const std::string& algorithm, const std::string& key, const std::string& data);

}  // namespace weir::sims::woo
