// Application files (apps/app_loader.hpp), from real files in a temporary
// apps directory: what each key becomes, and every mistake an operator
// makes reported at its file:line without repeating a secret.
#include "apps/app_loader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

using namespace weir;
using weir::test::TempDir;

namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& yaml) {
  const std::string path = dir.file(name);
  std::ofstream(path) << yaml;
  return path;
}

// Every error as "line: message", in order.
std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : apps::load_app_text(yaml, "/etc/weir/apps/shop.yaml", {}).errors) {
    out.push_back(std::to_string(e.line) + ": " + e.message);
  }
  return out;
}

}  // namespace

TEST_CASE("an application file: every key and what it becomes") {
  TempDir dir;
  const std::string path = write(dir, "shop.yaml", R"(name: eshop
type: http
base_url: https://shop.example.com/wp-json/wc/v3/
description: the WooCommerce shop
auth:
  kind: query
  params: {consumer_key: "env:WC_KEY", consumer_secret: "file:secrets/wc"}
rate: 300/min
burst: 3
concurrency: 2
timeout: 20s
retry: {max_attempts: 7}
tls: {ca_file: certs/shop.pem}
settings: {version: 3, stock: {warehouse: main}}
)");
  auto loaded = apps::load_app_file(path, {});
  for (const auto& e : loaded.errors) FAIL(e.to_string());
  REQUIRE(loaded.app);
  const apps::App& a = *loaded.app;
  CHECK(a.name == "eshop");
  CHECK(a.type == "http");
  CHECK(a.base_url == "https://shop.example.com/wp-json/wc/v3");  // no trailing '/'
  CHECK(a.auth.kind == apps::AuthSpec::Kind::query);
  CHECK(a.auth.secrets.at("consumer_key").kind == SecretRef::Kind::env);
  CHECK(a.auth.secrets.at("consumer_key").name == "WC_KEY");
  CHECK(a.auth.secrets.at("consumer_secret").name == dir.file("secrets/wc"));
  REQUIRE(a.rate);
  CHECK(a.rate->interval_ns() == 200'000'000);
  CHECK(a.rate->burst == 3);
  CHECK(a.concurrency == 2);
  CHECK(a.timeout == std::chrono::seconds(20));
  CHECK(a.retry.max_attempts == 7);
  CHECK(a.tls.ca_file == dir.file("certs/shop.pem"));
  CHECK_FALSE(a.tls.insecure);
  CHECK(a.settings["stock"]["warehouse"] == "main");
  CHECK(a.file == path);
  CHECK(a.line == 1);
  CHECK(a.content_hash.size() == 64);
}

TEST_CASE("each auth kind takes its own keys, secrets by reference") {
  auto ok = [](const std::string& auth) {
    auto l = apps::load_app_text("name: a\ntype: http\nbase_url: http://erp.local\nauth: " + auth,
                                 "/etc/weir/apps/a.yaml", {});
    for (const auto& e : l.errors) FAIL_CHECK(e.to_string());
    return l.app ? l.app->auth : apps::AuthSpec{};
  };
  CHECK(ok("{kind: basic, username: \"env:U\", password: \"env:P\"}").secrets.size() == 2);
  CHECK(ok("{kind: bearer, token: \"file:/run/secrets/t\"}").secrets.at("token").name ==
        "/run/secrets/t");
  const auto header = ok("{kind: header, name: X-Api-Key, value: \"env:K\"}");
  CHECK(header.header == "X-Api-Key");
  const auto oauth =
      ok("{kind: oauth1, consumer_key: \"env:CK\", consumer_secret: \"env:CS\", "
         "token: \"env:AT\", token_secret: \"env:ATS\", signature_method: HMAC-SHA1}");
  CHECK(oauth.kind == apps::AuthSpec::Kind::oauth1);
  CHECK(oauth.secrets.size() == 4);
  CHECK(oauth.signature_method == "HMAC-SHA1");
  CHECK(ok("{kind: none}").kind == apps::AuthSpec::Kind::none);
  const auto login = ok("{kind: login, path: integration/admin/token, fields: {username: "
                        "\"env:MU\", password: \"file:/run/secrets/mp\"}, ttl: 4h}");
  CHECK(login.kind == apps::AuthSpec::Kind::login);
  CHECK(login.login_path == "integration/admin/token");
  CHECK(login.secrets.size() == 2);
  CHECK(login.ttl == std::chrono::hours(4));
  CHECK(login.scheme == "Bearer");
  CHECK_FALSE(login.login_form);
  const auto grant = ok("{kind: login, path: /oauth/token, format: form, extra: {grant_type: "
                        "client_credentials}, fields: {client_id: \"env:CI\", client_secret: "
                        "\"env:CS\"}, token: access_token}");
  CHECK(grant.login_form);
  CHECK(grant.extra.at("grant_type") == "client_credentials");
  CHECK(grant.token_field == "access_token");
}

TEST_CASE("mistakes in an application file are reported at their line") {
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\nrat: 5/s\n") ==
        std::vector<std::string>{
            "4: unknown top-level key 'rat' (did you mean rate? allowed: name, type, base_url, "
            "description, auth, rate, burst, concurrency, timeout, retry, tls, settings, max_response)"});
  CHECK(errors_of("name: a\ntype: woocommerse\nbase_url: https://x.example\n") ==
        std::vector<std::string>{"2: unknown application type 'woocommerse' (known: http)"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: shop.example.com\n") ==
        std::vector<std::string>{"3: base_url must be an http:// or https:// URL with a host (and "
                                 "a port from 1 to 65535, if any), got 'shop.example.com'"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\nrate: 5/fortnight\n")
            .at(0)
            .starts_with("4: rate: '5/fortnight': after '/' comes"));
  CHECK(errors_of("type: http\n") ==
        std::vector<std::string>{"1: missing required key 'name' at the top level",
                                 "1: missing required key 'base_url' at the top level"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\n"
                  "auth: {kind: oauth1, consumer_key: \"env:CK\", consumer_secret: \"env:CS\", "
                  "token: \"env:AT\"}\n") ==
        std::vector<std::string>{
            "4: auth of kind oauth1 takes token and token_secret together, or neither"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\n"
                  "auth: {kind: bearer}\n") ==
        std::vector<std::string>{"4: auth of kind bearer needs 'token'"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\n"
                  "auth: {kind: bearer, tokn: \"env:T\", token: \"env:T\"}\n") ==
        std::vector<std::string>{"4: auth of kind bearer has no key 'tokn' (did you mean token? "
                                 "allowed: kind, token)"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\n"
                  "auth: {kind: login, fields: {password: hunter2}, format: xml, ttl: soon}\n") ==
        std::vector<std::string>{
            "4: auth.fields.password: a secret is given by reference: env:NAME or file:PATH, "
            "never the secret itself (the value is not shown here, in case it is one)",
            "4: auth.format must be json or form, got 'xml'",
            "4: auth.ttl must be a duration such as 4h or 55m, got 'soon'",
            "4: auth of kind login needs 'path'"});
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://x.example\ntls: {insecure: yes}\n") ==
        std::vector<std::string>{"4: tls.insecure must be true or false, got 'yes'"});
}

TEST_CASE("a secret written in place of its reference is refused and never repeated") {
  const auto errors = errors_of(
      "name: a\ntype: http\nbase_url: https://x.example\n"
      "auth:\n  kind: basic\n  username: \"env:WC_KEY\"\n"
      "  password: cs_51f0a9d7e3b2\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("7: auth.password: a secret is given by reference"));
  CHECK(errors[0].find("cs_51f0a9d7e3b2") == std::string::npos);
}

TEST_CASE("an apps directory: names unique across files, a missing directory is no apps") {
  TempDir dir;
  CHECK(apps::load_app_directory(dir.file("nowhere"), {}).errors.empty());
  write(dir, "a.yaml", "name: shop\ntype: http\nbase_url: https://a.example\n");
  write(dir, "b.yml", "\nname: shop\ntype: http\nbase_url: https://b.example\n");
  write(dir, "c.yaml", "name: erp\ntype: http\nbase_url: ftp://c.example\n");
  write(dir, ".d.yaml.swp", "not yaml: [");
  auto load = apps::load_app_directory(dir.path().string(), {});
  REQUIRE(load.apps.size() == 1);
  CHECK(load.apps[0].base_url == "https://a.example");
  REQUIRE(load.errors.size() == 2);
  CHECK(load.errors[0].to_string() == dir.file("b.yml") +
                                          ":2: application name 'shop' is already used by " +
                                          dir.file("a.yaml") + ":1");
  CHECK(load.errors[1].file == dir.file("c.yaml"));
  // The invalid file's name is known, so a reload can keep the running "erp".
  CHECK(std::count(load.names_by_file.begin(), load.names_by_file.end(),
                   std::make_pair(dir.file("c.yaml"), std::string("erp"))) == 1);
}

TEST_CASE("a rescan of the apps directory: new, changed, kept while invalid, removed") {
  TempDir dir;
  const std::string shop =
      write(dir, "shop.yaml", "name: shop\ntype: http\nbase_url: https://a.example\n");
  const std::string erp =
      write(dir, "erp.yaml", "name: erp\ntype: http\nbase_url: https://erp.example\n");
  const std::string pim =
      write(dir, "pim.yaml", "name: pim\ntype: http\nbase_url: https://pim.example\n");
  const auto first = apps::load_app_directory(dir.path().string(), {});
  REQUIRE(first.apps.size() == 3);
  auto r = apps::rescan_apps({}, first);
  CHECK(r.added == std::vector<std::string>{"erp", "pim", "shop"});

  // shop changed, erp broken (its running version stays), pim removed, crm new.
  write(dir, "shop.yaml", "name: shop\ntype: http\nbase_url: https://b.example\n");
  write(dir, "erp.yaml", "name: erp\ntype: http\nbase_url: https://erp.example\nrate: fast\n");
  std::filesystem::remove(pim);
  write(dir, "crm.yaml", "name: crm\ntype: http\nbase_url: https://crm.example\n");
  r = apps::rescan_apps(first.apps, apps::load_app_directory(dir.path().string(), {}));
  CHECK(r.changed == std::vector<std::string>{"shop"});
  CHECK(r.kept == std::vector<std::string>{"erp"});
  CHECK(r.removed == std::vector<std::string>{"pim"});
  CHECK(r.added == std::vector<std::string>{"crm"});
  REQUIRE(r.in_effect.size() == 3);
  CHECK(r.in_effect[0].name == "crm");
  CHECK(r.in_effect[1].name == "erp");
  CHECK(r.in_effect[1].rate == std::nullopt);  // the running version, not the broken edit
  CHECK(r.in_effect[2].base_url == "https://b.example");
}

TEST_CASE("a base_url with user:password@ is refused without showing it, a bad port named") {
  const auto errors = errors_of("name: a\ntype: http\nbase_url: https://ck_1:cs_2@shop.example\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("3: base_url must not carry user:password@"));
  CHECK(errors[0].find("cs_2") == std::string::npos);
  CHECK(errors_of("name: a\ntype: http\nbase_url: https://shop.example:99999/api\n") ==
        std::vector<std::string>{"3: base_url must be an http:// or https:// URL with a host (and "
                                 "a port from 1 to 65535, if any), got "
                                 "'https://shop.example:99999/api'"});
}

TEST_CASE("app files: what the fuzzer found is refused, and no secret is echoed") {
  // A pasted WooCommerce URL with its keys in the query: refused, not shown.
  auto errors = errors_of(
      "name: a\ntype: http\nbase_url: https://shop.example/wp-json/wc/v3?consumer_key=ck_0123456789"
      "&consumer_secret=cs_0123456789abcdef\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("3: base_url must not have a query"));
  CHECK(errors[0].find("cs_0123456789abcdef") == std::string::npos);
  // A bare token where auth goes: refused, not shown.
  errors = errors_of("name: a\ntype: http\nbase_url: http://a\nauth: Sup3rS3cretTokenValue42\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("Sup3rS3cretTokenValue42") == std::string::npos);
  // A header name that is not a token (a CR/LF or ':' would inject a header).
  CHECK(errors_of("name: a\ntype: http\nbase_url: http://a\nauth: {kind: header, name: \"X-A:b\", "
                  "value: \"env:A\"}\n") ==
        std::vector<std::string>{"4: auth.name must be an HTTP header name such as X-Api-Key "
                                 "(letters, digits and !#$%&'*+-.^_`|~)"});
  // No host, a host with ':', control bytes.
  for (const char* url : {"http://:1", "http://a:b:80/", "\"http://a\\x01\""}) {
    INFO(url);
    CHECK(errors_of(std::string("name: a\ntype: http\nbase_url: ") + url + "\n").size() == 1);
  }
  // A key twice inside auth (YAML would let the last one win silently).
  CHECK(errors_of("name: a\ntype: http\nbase_url: http://a\nauth: {kind: bearer, token: \"env:A\", "
                  "token: \"env:B\"}\n") ==
        std::vector<std::string>{"4: key 'token' appears twice in auth (first at line 4)"});
  // IPv6 with a port is fine.
  CHECK(errors_of("name: a\ntype: http\nbase_url: http://[::1]:8080/api\n").empty());
}
