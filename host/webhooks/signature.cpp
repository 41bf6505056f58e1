#include "signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace weir::webhooks {

std::string hmac_signature(const std::string& algorithm, const std::string& encoding,
                           const std::string& secret, const std::string& body) {
  const EVP_MD* md = algorithm == "sha1"     ? EVP_sha1()
                     : algorithm == "sha256" ? EVP_sha256()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (!md) return "";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(md, secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len)) {
    return "";
  }
  if (encoding == "hex") {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[mac[i] >> 4];
      out += kHex[mac[i] & 15];
    }
    return out;
  }
  std::string out(4 * ((len + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool signature_matches(const topology::WebhookSpec& w, const std::string& secret,
                       const std::string& given, const std::string& body) {
  if (secret.empty() || given.empty()) return false;
  const bool woo = w.signature == "woocommerce";
  const std::string mac =
      hmac_signature(woo ? "sha256" : w.algorithm, woo ? "base64" : w.encoding, secret, body);
  if (mac.empty()) return false;
  const std::string expected = (woo ? "" : w.prefix) + mac;
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

}  // namespace weir::webhooks
