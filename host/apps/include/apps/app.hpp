// Applications: one configured outside system (a shop, an ERP) per YAML
// file in weir.yaml's `apps_dir`, which nodes name with `app: NAME` and the
// host's HTTP client talks to. The host holds the secrets (by reference
// only) and applies the authentication, the limiter and the timeouts, so a
// connector never sees a secret.
//
//   name: eshop                     # required: [a-z0-9_-], unique across apps_dir
//   type: http                      # required: http (built in) or a type a plugin declares
//   base_url: https://shop.example.com/wp-json/wc/v3   # required: http:// or https://
//   description: the WooCommerce shop
//   auth:                           # default: none
//     kind: query                   # none | basic | bearer | header | query | oauth1 | login
//     params: {consumer_key: "env:WC_KEY", consumer_secret: "file:secrets/wc"}
//     # basic:  username, password           bearer: token
//     # header: name (the header), value     query:  params (name -> secret)
//     # oauth1: consumer_key, consumer_secret, token, token_secret (both or neither),
//     #         signature_method: HMAC-SHA256 (default) | HMAC-SHA1
//     # login:  a session token got by logging in (Magento's admin token, an
//     #         OAuth 2 client-credentials grant): POST `path` (from base_url)
//     #         with `fields` (name -> secret) as JSON, or as a form with
//     #         `format: form`, plus plain `extra` fields; the token is the
//     #         answer's whole body (a JSON string or text) or its field
//     #         `token: access_token`; sent as "Authorization: <scheme> <token>"
//     #         (scheme default Bearer); renewed after `ttl` (optional) and
//     #         whenever the app answers 401 (the request is then sent once more)
//   rate: 5/s                       # default: none (limiter/rate.hpp: 5/s, 300/min, 1/2s)
//   burst: 1                        # default 1: requests that may start together
//   concurrency: 4                  # default 4: requests in flight at most
//   timeout: 30s                    # default 30s: one request, connect to last byte
//   max_response: 64MB              # default 64MB: a larger answer's body is not read
//                                   #   (the call gets the status and an error saying so)
//   retry: {max_attempts: 5}        # the policy shape of nodes (common/retry_policy.hpp)
//   tls: {ca_file: certs/shop.pem}  # default: the system's CAs; `insecure: true` turns
//                                   #   verification off, and is logged at every start
//   settings: {...}                 # the type's own (to be checked against its schema once
//                                   # plugins declare types); http: check_path, the GET
//                                   # `weir apps check` makes (default: base_url itself)
//
// Every secret is a reference (`env:NAME` or `file:PATH`, a relative path
// from the app file's directory): a value that is not one is an error that
// does not repeat it.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/retry_policy.hpp"
#include "common/secret_source.hpp"
#include "limiter/rate.hpp"

namespace weir::apps {

struct AuthSpec {
  enum class Kind { none, basic, bearer, header, query, oauth1, login };
  Kind kind = Kind::none;
  // By role: basic: username, password; bearer: token; header: value;
  // oauth1: consumer_key, consumer_secret, token, token_secret; query: each
  // parameter by its name.
  std::map<std::string, SecretRef> secrets;
  std::string header;                            // header: the header's name
  std::string signature_method = "HMAC-SHA256";  // oauth1
  // login: the secrets are the fields sent to log in.
  std::string login_path;
  bool login_form = false;                        // format: form (else json)
  std::map<std::string, std::string> extra;  // plain fields (grant_type: ...)
  std::string token_field;                         // "": the whole body is the token
  std::string scheme = "Bearer";
  std::optional<std::chrono::milliseconds> ttl;   // renew after; unset: only on a 401
};

const char* to_string(AuthSpec::Kind kind);

struct TlsSpec {
  std::string ca_file;    // "" : the system's CAs
  bool insecure = false;  // no verification at all (spelled out, logged at every start)
};

struct App {
  std::string name;
  std::string type;
  std::string base_url;  // without a trailing '/'
  std::string description;
  AuthSpec auth;
  std::optional<limiter::Rate> rate;  // unset: no rate limit (burst is in Rate)
  int concurrency = 4;
  std::chrono::milliseconds timeout{30000};
  std::int64_t max_response = std::int64_t{64} << 20;  // bytes of one answer's body
  RetryOverrides retry;
  TlsSpec tls;
  nlohmann::json settings = nlohmann::json::object();
  std::string check_target;  // its type's check request (`weir apps check`); "" base_url
  std::string file;          // where it was read
  int line = 0;              // of `name`
  std::string content_hash;  // of the file's bytes (a changed file is a new version)
};

}  // namespace weir::apps
