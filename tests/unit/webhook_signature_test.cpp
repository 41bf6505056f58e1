// Webhook signature checks (webhooks/signature.cpp) and the signature settings
// of a webhook trigger (topology/trigger_reader.cpp). MACs to compare with
// are computed here with OpenSSL directly, not with the host's code.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "webhooks/signature.hpp"
#include "topology/trigger_reader.hpp"

using weir::topology::WebhookSpec;

namespace {

std::string hex_hmac_sha256(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    out += buf;
  }
  return out;
}

WebhookSpec github() {
  WebhookSpec w;
  w.signature = "hmac";
  w.header = "X-Hub-Signature-256";
  w.encoding = "hex";
  w.prefix = "sha256=";
  return w;
}

// The errors of reading `yaml` as `trigger:`.
std::vector<std::string> trigger_errors(const std::string& yaml) {
  std::vector<std::string> errors;
  weir::topology::read_triggers(YAML::Load(yaml), false, 1,
                                [&](int, const std::string& m) { errors.push_back(m); });
  return errors;
}

}  // namespace

TEST_CASE("a signature matches only the body it was made for, with the right secret") {
  const std::string body = R"({"action": "opened"})";
  const std::string good = "sha256=" + hex_hmac_sha256("gh-secret", body);
  CHECK(weir::webhooks::signature_matches(github(), "gh-secret", good, body));
  CHECK_FALSE(weir::webhooks::signature_matches(github(), "gh-secret", good, body + " "));
  CHECK_FALSE(weir::webhooks::signature_matches(github(), "other", good, body));
  CHECK_FALSE(weir::webhooks::signature_matches(github(), "gh-secret", good.substr(1), body));
}

TEST_CASE("an empty secret, header or computed MAC never matches") {
  const std::string body = R"({"id": 1})";
  // A MAC made with an empty key is a valid HMAC; it must still not pass.
  CHECK_FALSE(
      weir::webhooks::signature_matches(github(), "", "sha256=" + hex_hmac_sha256("", body), body));
  CHECK_FALSE(weir::webhooks::signature_matches(github(), "gh-secret", "", body));
  // No MAC can be computed (an algorithm the host does not know): a header
  // holding only the prefix is not prefix + "".
  WebhookSpec unknown = github();
  unknown.algorithm = "md5";
  CHECK(weir::webhooks::hmac_signature("md5", "hex", "gh-secret", body).empty());
  CHECK_FALSE(weir::webhooks::signature_matches(unknown, "gh-secret", "sha256=", body));
  WebhookSpec bare = unknown;
  bare.prefix.clear();
  CHECK_FALSE(weir::webhooks::signature_matches(bare, "gh-secret", "", body));
}

TEST_CASE("a webhook's signature header must be an HTTP header name") {
  CHECK(trigger_errors("webhook: {signature: hmac, header: X-Hub-Signature-256, "
                       "secret_env: S}")
            .empty());
  auto errors = trigger_errors("webhook: {signature: hmac, header: 'X Hub: sig', secret_env: S}");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("webhook.header 'X Hub: sig' is not an HTTP header name"));
}

TEST_CASE("hmac settings on a webhook of another scheme are an error, not ignored") {
  auto errors =
      trigger_errors("webhook: {signature: woocommerce, header: X-Signature, secret_env: S}");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("webhook.header is for signature: hmac (this one is "
                                        "woocommerce)"));
  errors = trigger_errors("webhook: {signature: none, prefix: 'sha256='}");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("webhook.prefix is for signature: hmac"));
}

TEST_CASE("a webhook's secret is one reference: env:NAME or file:PATH, from the topology's directory") {
  auto read = [](const std::string& yaml, std::vector<std::string>* errors) {
    return weir::topology::read_triggers(
        YAML::Load(yaml), false, 1,
        [&](int, const std::string& m) { errors->push_back(m); }, "/etc/weir/topologies");
  };
  std::vector<std::string> errors;
  auto t = read("webhook: {signature: woocommerce, secret: env:WC_SECRET}", &errors);
  CHECK(errors.empty());
  REQUIRE(t.size() == 1);
  CHECK(t[0].webhook->secret_env == "WC_SECRET");
  t = read("webhook: {signature: woocommerce, secret: 'file:secrets/wc'}", &errors);
  CHECK(errors.empty());
  CHECK(t[0].webhook->secret_file == "/etc/weir/topologies/secrets/wc");
  t = read("webhook: {signature: woocommerce, secret: 'file:/run/secrets/wc'}", &errors);
  CHECK(t[0].webhook->secret_file == "/run/secrets/wc");
  CHECK(errors.empty());

  // The secret itself written in its place: refused, and never repeated.
  read("webhook: {signature: woocommerce, secret: 'ck_9f8e7d6c5b4a'}", &errors);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("by reference: env:NAME or file:PATH") &&
                            !Catch::Contains("ck_9f8e7d6c5b4a"));
  errors.clear();
  read("webhook: {signature: woocommerce, secret: 'env:9lives'}", &errors);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("a variable name"));
  errors.clear();
  read("webhook: {signature: woocommerce, secret: env:A, secret_env: B}", &errors);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("give one of secret, secret_env or secret_file"));
}

TEST_CASE("a secret pasted into secret_env is refused without being repeated") {
  auto errors = trigger_errors("webhook: {signature: woocommerce, secret_env: 'cs_9f8e+7d/6c'}");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("must name an environment variable") &&
                            !Catch::Contains("cs_9f8e"));
  CHECK(trigger_errors("webhook: {signature: woocommerce, secret_env: WC_SECRET_2}").empty());
}
