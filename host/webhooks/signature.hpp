// Webhook signatures: an HMAC of the raw body under the trigger's secret,
// as WooCommerce (base64 HMAC-SHA256 in X-WC-Webhook-Signature) and other
// senders (their header, algorithm, encoding and prefix) make it.
#pragma once

#include <string>

#include "topology/topology.hpp"

namespace weir::webhooks {

// HMAC-<algorithm> ("sha1", "sha256", "sha512") of `body` with `secret`,
// encoded as "base64" or "hex". Empty if the algorithm is unknown.
std::string hmac_signature(const std::string& algorithm, const std::string& encoding,
                           const std::string& secret, const std::string& body);

// Does `given` (the request's signature header) sign `body` with `secret`
// under `w`'s scheme? Compared in constant time. Never when the secret, the
// header or the computed MAC is empty: a header holding only `w.prefix`
// must not match a MAC that could not be computed.
bool signature_matches(const topology::WebhookSpec& w, const std::string& secret,
                       const std::string& given, const std::string& body);

}  // namespace weir::webhooks
