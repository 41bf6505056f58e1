// OAuth 1.0a request signing (RFC 5849), one-legged as shops use it: the
// consumer key and secret, and for Magento's integrations a token and its
// secret too. HMAC-SHA1 or HMAC-SHA256.
//
// The signature base string (RFC 5849 3.4.1): the method in upper case, the
// base string URI (scheme and host in lower case, the default port left
// out, no query) and the normalized parameters: every query parameter of
// the URL (form-decoded), the oauth_* protocol parameters, and the body's
// parameters when it is a form (application/x-www-form-urlencoded); each
// name and value percent-encoded (RFC 3986), sorted by name then value,
// joined with '=' and '&'. The key: encoded consumer secret '&' encoded
// token secret (empty when there is no token).
//
// oauth_* parameters already in the URL (a Link header of a signed request
// repeats them) are stripped first: the request is signed afresh, and the
// URL to send is the one without them. A pure function, any thread.
#pragma once

#include <cstdint>
#include <string>

#include "httpclient/url.hpp"

namespace weir::httpclient {

struct OAuth1Credentials {
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;                             // "" : none (WooCommerce)
  std::string token_secret;                      // with token
  std::string signature_method = "HMAC-SHA256";  // or "HMAC-SHA1"
};

struct OAuth1Signed {
  Url url;  // the URL to send: its oauth_* parameters gone
  std::string
      authorization;        // the Authorization header's value: OAuth oauth_consumer_key="...", ...
  Params oauth_params;      // the protocol parameters, oauth_signature included
  std::string base_string;  // what was signed (for tests and debugging; holds no secret)
};

// `form_body`: the body's parameters when it is a form, else empty.
// `nonce` and `timestamp` are the caller's (random, and seconds since the
// epoch), so tests can sign the RFC's examples exactly.
OAuth1Signed oauth1_sign(const std::string& method, const Url& url, const Params& form_body,
                         const OAuth1Credentials& credentials, const std::string& nonce,
                         std::int64_t timestamp);

}  // namespace weir::httpclient
