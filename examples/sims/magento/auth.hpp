// Who a request is, as Magento's webapi user contexts decide it.
//
// - Admin tokens (POST /V1/integration/admin/token): since 2.4.4 Magento
//   issues JWTs (HS256) by default; here too, with the admin's id, the
//   issue time and the expiry (--admin-token-lifetime-seconds, default 4 h).
//   A request with "Authorization: Bearer <token>" whose token is unknown,
//   malformed or expired is simply anonymous (TokenUserContext swallows the
//   error), so the route's ACL check answers 401 "The consumer isn't
//   authorized to access %resources.".
// - Integration OAuth 1.0a (OauthUserContext): an "Authorization: OAuth ..."
//   header with the consumer key and the access token, signed with
//   HMAC-SHA1 or HMAC-SHA256 under consumer_secret&token_secret over the
//   method, scheme://host/path and every parameter (header oauth_* and the
//   query). Failures are errors, not anonymity: a missing parameter or an
//   unsupported method/version is a 400 (OauthInputException), an unknown
//   consumer or token, a reused nonce or a bad signature a 401. Timestamps
//   are only refused when more than 600 s in the future (Magento keeps no
//   lower bound; its nonce table stops replays).
// - The integration's access token as a bearer token works only with
//   --integration-bearer (oauth/consumer/enable_integration_as_bearer,
//   off by default since 2.4.4); otherwise it is anonymous.
//
// Thread-safe (one mutex over tokens and nonces).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "errors.hpp"
#include "sim_http.hpp"

namespace weir::sims::mage {

struct Credentials {
  std::string admin_user = "admin";
  std::string admin_password = "admin123";
  std::int64_t admin_token_lifetime = 14400;  // seconds
  std::string consumer_key = "ck_mage";
  std::string consumer_secret = "cs_mage";
  std::string access_token = "at_mage";
  std::string access_token_secret = "ats_mage";
  bool integration_bearer = false;
};

enum class UserType { kAnonymous = 0, kIntegration = 1, kAdmin = 2 };

struct Identity {
  UserType type = UserType::kAnonymous;
  std::int64_t user_id = 0;  // admin id 1, integration id 1
};

class Authenticator {
 public:
  explicit Authenticator(Credentials c);

  // The admin token for a username and password, or the 401 Magento gives.
  std::optional<std::string> issue_admin_token(const std::string& user, const std::string& password,
                                               std::int64_t now);
  // Every admin token issued so far expires now.
  void expire_admin_tokens();

  // The caller of `req`. `site` is "http://host:port" as the request named
  // it (OAuth signs over it). An error: the OAuth header was there and bad.
  std::pair<Identity, std::optional<MageError>> identify(const Request& req,
                                                         const std::string& site, std::int64_t now);

 private:
  std::optional<MageError> verify_oauth(const Request& req, const std::string& site,
                                        std::int64_t now);

  Credentials creds_;
  std::string jwt_key_;
  std::mutex mu_;
  std::map<std::string, std::int64_t> admin_tokens_;  // token -> expiry; guarded by mu_
  std::int64_t issued_ = 0;                           // guarded by mu_
  std::set<std::string> nonces_;                      // guarded by mu_
};

// Crypto pieces (OpenSSL), also used by the control and the tests' mirror.
std::string base64_encode(const std::string& raw);
std::string base64url_encode(const std::string& raw);
std::string hmac(const std::string& algorithm, const std::string& key, const std::string& data);

}  // namespace weir::sims::mage
