// The host's HTTP client (httpclient/client.hpp) against a real loopback
// server (the host's own http::Server standing in for a shop): each auth
// kind as the remote sees it, a URL outside the app refused, no redirect
// followed, Retry-After pausing the app's limiter, a missing secret named,
// a timeout, and the log line with its secrets redacted.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "apps/app_loader.hpp"
#include "http/http_server.hpp"
#include "httpclient/client.hpp"
#include "httpclient/oauth1.hpp"
#include "limiter/app_limiter.hpp"
#include "unit/log_capture.hpp"

using namespace weir;
using weir::httpclient::AppClient;
using weir::test::LogCapture;

namespace {

// A loopback server that records what it was sent and answers by path.
struct Remote {
  Remote() {
    http::ServerOptions o;
    o.port = 0;
    server = std::make_unique<http::Server>(o, [this](http::Request&& r, http::Respond respond) {
      {
        std::lock_guard lock(mu);
        seen.push_back(r);
      }
      http::Response out;
      if (r.path == "/api/slow") {  // answers after the client's timeout
        std::lock_guard lock(mu);
        later.emplace_back([respond] {
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          respond(http::Response{});
        });
        return;
      }
      if (r.path == "/api/busy") {
        out.status = 429;
        out.headers.emplace_back("Retry-After", "2");
      } else if (r.path == "/api/linked") {  // as WooCommerce does: the query repeated
        const auto q = r.target.find('?');
        out.headers.emplace_back("Link",
                                 "<" + base + "/linked?" +
                                     (q == std::string::npos ? "" : r.target.substr(q + 1)) +
                                     "&page=2>; rel=\"next\"");
      } else if (r.path == "/api/export") {  // a runaway answer: 3 MB of JSON
        out.content_type = "application/json";
        out.body = "[" + std::string(3 << 20, ' ') + "]";
      } else if (r.path == "/api/login") {  // as Magento's admin token: a bare JSON string
        std::lock_guard lock(mu);
        ++logins;
        const auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (body.is_object() && body.value("username", "") == "admin" &&
            body.value("password", "") == "s3cret-pw" && r.header("Authorization").empty()) {
          token = "tok-" + std::to_string(logins);
          out.content_type = "application/json";
          out.body = "\"" + token + "\"";
        } else {
          out.status = 401;
          out.body = R"({"message":"The account sign-in was incorrect."})";
        }
      } else if (r.path.rfind("/api/session/", 0) == 0) {  // needs the current token
        std::lock_guard lock(mu);
        if (token.empty() || r.header("Authorization") != "Bearer " + token) {
          ++refused;
          out.status = 401;
          out.body = R"({"message":"The consumer isn't authorized to access %resources."})";
        } else {
          out.body = "{\"ok\": true}";
        }
      } else if (r.path == "/api/moved") {
        out.status = 302;
        out.headers.emplace_back("Location", "http://127.0.0.1:1/elsewhere");
      } else {
        out.content_type = "application/json";
        out.body = "{\"ok\": true}";
      }
      respond(std::move(out));
    });
    REQUIRE(server->start().is_ok());
    base = "http://" + server->address() + "/api";
  }
  ~Remote() {
    for (auto& t : later) t.join();  // before the server they answer through goes
    server->stop();
  }
  http::Request last() {
    std::lock_guard lock(mu);
    REQUIRE_FALSE(seen.empty());
    return seen.back();
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return seen.size();
  }

  std::unique_ptr<http::Server> server;
  std::string base;
  std::mutex mu;
  std::vector<http::Request> seen;
  std::vector<std::thread> later;  // guarded by mu until the destructor
  int logins = 0, refused = 0;     // guarded by mu
  std::string token;               // guarded by mu: the session /api/login gave last
  void expire() {
    std::lock_guard lock(mu);
    token.clear();
  }
  int count_logins() {
    std::lock_guard lock(mu);
    return logins;
  }
};

apps::App app_of(const std::string& base, const std::string& auth, const std::string& extra = "") {
  auto l = apps::load_app_text(
      "name: shop\ntype: http\nbase_url: " + base + "\nauth: " + auth + "\n" + extra,
      "/tmp/apps/shop.yaml", {});
  for (const auto& e : l.errors) FAIL(e.to_string());
  REQUIRE(l.app);
  return *l.app;
}

httpclient::Response get(AppClient& c, const std::string& target, httpclient::Params query = {}) {
  httpclient::Request r;
  r.target = target;
  r.query = std::move(query);
  auto out = c.send(r);
  INFO(out.error());
  REQUIRE(out.is_ok());
  return std::move(out).value();
}

}  // namespace

TEST_CASE("http client: each auth kind as the remote sees it, secrets read at the request") {
  Remote remote;
  ::setenv("WEIR_TEST_HC_USER", "ck_user", 1);
  ::setenv("WEIR_TEST_HC_PASS", "cs_pass", 1);
  {
    AppClient c(app_of(remote.base,
                       "{kind: basic, username: \"env:WEIR_TEST_HC_USER\", password: "
                       "\"env:WEIR_TEST_HC_PASS\"}"),
                nullptr);
    CHECK(get(c, "products", {{"page", "2"}}).status == 200);
    const auto r = remote.last();
    CHECK(r.path == "/api/products");
    CHECK(r.target == "/api/products?page=2");
    CHECK(r.header("Authorization") == "Basic Y2tfdXNlcjpjc19wYXNz");  // base64("ck_user:cs_pass")
  }
  {
    AppClient c(app_of(remote.base, "{kind: bearer, token: \"env:WEIR_TEST_HC_PASS\"}"), nullptr);
    get(c, "/orders");
    CHECK(remote.last().header("Authorization") == "Bearer cs_pass");
    ::setenv("WEIR_TEST_HC_PASS", "cs_rotated", 1);  // read again at the next request
    get(c, "/orders");
    CHECK(remote.last().header("Authorization") == "Bearer cs_rotated");
  }
  {
    AppClient c(
        app_of(remote.base, "{kind: header, name: X-Api-Key, value: \"env:WEIR_TEST_HC_USER\"}"),
        nullptr);
    get(c, "items");
    CHECK(remote.last().header("X-Api-Key") == "ck_user");
  }
  {
    AppClient c(app_of(remote.base,
                       "{kind: query, params: {consumer_key: \"env:WEIR_TEST_HC_USER\", "
                       "consumer_secret: \"env:WEIR_TEST_HC_PASS\"}}"),
                nullptr);
    LogCapture log;
    get(c, "products", {{"sku", "A B"}});
    CHECK(remote.last().target ==
          "/api/products?sku=A%20B&consumer_key=ck_user&consumer_secret=cs_rotated");
    CHECK_THAT(log.text(), Catch::Contains("consumer_key=REDACTED&consumer_secret=REDACTED") &&
                               !Catch::Contains("cs_rotated") && !Catch::Contains("ck_user"));
  }
  {
    AppClient c(app_of(remote.base,
                       "{kind: oauth1, consumer_key: \"env:WEIR_TEST_HC_USER\", "
                       "consumer_secret: \"env:WEIR_TEST_HC_PASS\"}"),
                nullptr);
    // Following a Link that repeats an earlier signing's oauth_* parameters.
    get(c, remote.base + "/products?page=2&oauth_nonce=old&oauth_signature=old");
    const auto r = remote.last();
    CHECK(r.target == "/api/products?page=2");
    const std::string auth = r.header("Authorization");
    REQUIRE_THAT(auth, Catch::StartsWith("OAuth oauth_consumer_key=\"ck_user\""));
    // The remote checks it as a shop would: sign again with what the header says.
    auto field = [&](const std::string& name) {
      const auto at = auth.find(name + "=\"");
      REQUIRE(at != std::string::npos);
      const auto from = at + name.size() + 2;
      return httpclient::percent_decode(auth.substr(from, auth.find('"', from) - from), false);
    };
    httpclient::OAuth1Credentials creds{"ck_user", "cs_rotated", "", "", "HMAC-SHA256"};
    const auto again = httpclient::oauth1_sign(
        "GET", *httpclient::parse_url("http://" + remote.server->address() + r.target), {}, creds,
        field("oauth_nonce"), std::stoll(field("oauth_timestamp")));
    CHECK(field("oauth_signature") == again.oauth_params.back().second);
  }
  ::unsetenv("WEIR_TEST_HC_USER");
  ::unsetenv("WEIR_TEST_HC_PASS");
}

TEST_CASE("http client: a login session is got once, shared, renewed on a 401 and after its ttl") {
  Remote remote;
  ::setenv("WEIR_TEST_HC_ADMIN", "admin", 1);
  ::setenv("WEIR_TEST_HC_ADMIN_PW", "s3cret-pw", 1);
  const std::string auth =
      "{kind: login, path: login, fields: {username: \"env:WEIR_TEST_HC_ADMIN\", password: "
      "\"env:WEIR_TEST_HC_ADMIN_PW\"}}";
  LogCapture log;
  AppClient c(app_of(remote.base, auth), nullptr);
  for (int i = 0; i < 3; ++i) CHECK(get(c, "session/orders").status == 200);
  CHECK(remote.count_logins() == 1);
  CHECK(remote.last().header("Authorization") == "Bearer tok-1");

  // The server forgets the session (Magento's admin token expires): the
  // 401 makes one login, and the request goes again with the new token.
  remote.expire();
  CHECK(get(c, "session/orders").status == 200);
  CHECK(remote.count_logins() == 2);
  CHECK(remote.last().header("Authorization") == "Bearer tok-2");

  // Eight requests meet an expired session at once: one login serves all.
  remote.expire();
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      httpclient::Request r;
      r.target = "session/products";
      auto out = c.send(r);
      ok += out.is_ok() && out.value().status == 200;
    });
  }
  for (auto& t : callers) t.join();
  CHECK(ok == 8);
  CHECK(remote.count_logins() == 3);

  // Wrong credentials: an error with the remote's words, tried once.
  ::setenv("WEIR_TEST_HC_ADMIN_PW", "wrong", 1);
  remote.expire();
  httpclient::Request r;
  r.target = "session/orders";
  auto refused = c.send(r);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.error(), Catch::Contains("app shop: login (POST login) answered 401") &&
                                  Catch::Contains("The account sign-in was incorrect."));
  CHECK(remote.count_logins() == 4);  // the old session's 401, then one login, not more
  // Neither the password nor a session token is in any log line.
  CHECK_THAT(log.text(), !Catch::Contains("s3cret-pw") && !Catch::Contains("tok-"));

  // With a ttl the session is renewed before the server refuses it.
  ::setenv("WEIR_TEST_HC_ADMIN_PW", "s3cret-pw", 1);
  AppClient timed(app_of(remote.base, auth.substr(0, auth.size() - 1) + ", ttl: 300ms}"), nullptr);
  CHECK(get(timed, "session/a").status == 200);
  const int before = remote.count_logins();
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  CHECK(get(timed, "session/a").status == 200);
  CHECK(remote.count_logins() == before + 1);
  ::unsetenv("WEIR_TEST_HC_ADMIN");
  ::unsetenv("WEIR_TEST_HC_ADMIN_PW");
}

TEST_CASE("http client: refused before sending, no redirect followed, a missing secret named") {
  Remote remote;
  AppClient c(app_of(remote.base, "{kind: bearer, token: \"env:WEIR_TEST_HC_UNSET\"}"), nullptr);
  ::unsetenv("WEIR_TEST_HC_UNSET");
  httpclient::Request r;
  r.target = "products";
  auto missing = c.send(r);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.error() ==
        "app shop: auth.token: environment variable WEIR_TEST_HC_UNSET is not set");
  CHECK(remote.count() == 0);

  AppClient open(app_of(remote.base, "{kind: none}"), nullptr);
  r.target = "http://evil.example/api/products";
  auto outside = open.send(r);
  REQUIRE_FALSE(outside.is_ok());
  CHECK_THAT(outside.error(), Catch::Contains("is outside its base_url"));
  r.target = remote.base + "x/products";  // a sibling path is not inside
  CHECK_FALSE(open.send(r).is_ok());
  CHECK(remote.count() == 0);

  const auto moved = get(open, "moved");
  CHECK(moved.status == 302);  // the answer itself: nothing went to the Location
  CHECK(moved.header("location") == "http://127.0.0.1:1/elsewhere");
  CHECK(remote.count() == 1);
}

TEST_CASE("http client: Retry-After pauses the app's limiter, and a timeout is a transport error") {
  Remote remote;
  auto app = app_of(remote.base, "{kind: none}", "rate: 100/s\ntimeout: 500ms\n");
  auto limiter = std::make_shared<limiter::AppLimiter>("shop", *app.rate, app.concurrency);
  AppClient c(app, limiter);
  const auto busy = get(c, "busy");
  CHECK(busy.status == 429);
  CHECK(busy.retry_after_ms == 2000);
  const auto v = limiter->view();
  CHECK(v.paused_for_ms > 1500);
  CHECK(v.overloads_last_minute == 1);
  CHECK(v.current_per_second == Approx(50.0));
  limiter->stop();  // nothing more waits for the pause
  // A request that finds no budget (stopped, or its wait over) is not an
  // error of the message: it says retry later, and nothing went out.
  const std::size_t before = remote.count();
  const auto later = get(c, "products");
  CHECK(later.retry_later);
  CHECK(later.status == 0);
  CHECK(remote.count() == before);

  AppClient quick(app, nullptr);
  const auto slow = get(quick, "slow");
  CHECK(slow.status == 0);
  CHECK(slow.timed_out);
  CHECK(slow.transport_error == "timed out after 500 ms");
}

TEST_CASE("Retry-After: seconds or an HTTP date") {
  CHECK(httpclient::parse_retry_after("120", 0) == 120000);
  CHECK(httpclient::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000) == 10000);
  CHECK(httpclient::parse_retry_after("soon", 0) == -1);
  CHECK(httpclient::parse_retry_after("", 0) == -1);
}

TEST_CASE(
    "http client: a Link that repeats the auth query gives the plugin no secret, and is followed "
    "without doubling it") {
  Remote remote;
  ::setenv("WEIR_TEST_HC_USER", "ck_user", 1);
  ::setenv("WEIR_TEST_HC_PASS", "cs_pass/+", 1);
  AppClient c(app_of(remote.base,
                     "{kind: query, params: {consumer_key: \"env:WEIR_TEST_HC_USER\", "
                     "consumer_secret: \"env:WEIR_TEST_HC_PASS\"}}"),
              nullptr);
  const auto first = get(c, "linked", {{"per_page", "100"}});
  const std::string link = first.header("link");
  CHECK_THAT(link, Catch::Contains("consumer_key=REDACTED") && Catch::Contains("per_page=100") &&
                       !Catch::Contains("ck_user") && !Catch::Contains("cs_pass"));
  // Following the next page: the host's parameters go once, with their values.
  const std::string next =
      remote.base + "/linked?per_page=100&consumer_key=REDACTED&consumer_secret=REDACTED&page=2";
  get(c, next);
  const std::string target = remote.last().target;
  CHECK(target ==
        "/api/linked?per_page=100&page=2&consumer_key=ck_user&consumer_secret=cs_pass%2F%2B");
  // A secret that is part of "REDACTED" itself still ends (no endless replacing).
  ::setenv("WEIR_TEST_HC_USER", "RED", 1);
  CHECK_THAT(get(c, "linked").header("link"), Catch::Contains("consumer_key=REDACTED"));
  ::unsetenv("WEIR_TEST_HC_USER");
  ::unsetenv("WEIR_TEST_HC_PASS");
}

TEST_CASE(
    "http client: paths that could leave the base, bad methods and the host's headers are refused "
    "before sending") {
  Remote remote;
  AppClient c(app_of(remote.base, "{kind: header, name: X-Api-Key, value: \"env:HOME\"}"), nullptr);
  auto refused = [&](httpclient::Request r) {
    auto out = c.send(r);
    return out.is_ok() ? std::string() : out.error();
  };
  httpclient::Request r;
  for (const std::string& target :
       std::vector<std::string>{"../wp-admin/x", "a/%2e%2E/b", remote.base + "/../../wp-admin/x",
                                "products#frag", "a\\b"}) {
    r.target = target;
    INFO(target);
    CHECK_FALSE(refused(r).empty());
  }
  r.target = "products";
  r.method = "GET /x HTTP/1.1\r\nX:";
  CHECK_THAT(refused(r), Catch::Contains("is not an HTTP method"));
  r.method = "get";  // made upper case
  r.headers = {{"Authorization", "Bearer mine"}};
  CHECK_THAT(refused(r), Catch::Contains("header Authorization is the host's to set"));
  r.headers = {{"x-api-key", "k"}};
  CHECK_THAT(refused(r), Catch::Contains("is the host's to set"));
  r.headers = {{"X-Note", "a\r\nInjected: 1"}};
  CHECK_THAT(refused(r), Catch::Contains("has a line break or NUL"));
  CHECK(remote.count() == 0);
  r.headers = {{"Accept", "application/json"}};
  CHECK(c.send(r).is_ok());
  CHECK(remote.last().method == "GET");
}

TEST_CASE("http client: an answer larger than the app's max_response is not read, and says so") {
  Remote remote;
  auto app = app_of(remote.base, "{kind: none}", "max_response: 1MB\n");
  CHECK(app.max_response == 1 << 20);
  AppClient c(app, nullptr);
  LogCapture logs;
  const auto big = get(c, "export");
  CHECK(big.status == 200);
  CHECK(big.body_too_large);
  CHECK(big.body.empty());
  CHECK(big.transport_error == "the answer's body is larger than 1048576 bytes (max_response of "
                               "app shop); it was not read");
  CHECK_THAT(logs.text(), Catch::Contains("GET " + remote.base + "/export -> 200") &&
                              Catch::Contains("it was not read"));
  // The default (64 MB) takes it; and a bad size is refused where it is written.
  AppClient roomy(app_of(remote.base, "{kind: none}"), nullptr);
  const auto whole = get(roomy, "export");
  CHECK_FALSE(whole.body_too_large);
  CHECK(whole.body.size() == (3u << 20) + 2);
  auto bad = apps::load_app_text("name: shop\ntype: http\nbase_url: http://x\nmax_response: 12\n",
                                 "shop.yaml", {});
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "shop.yaml:4: max_response must be a size from 1KB to 4GB such as 64MB, got '12'");
}

TEST_CASE("http client: an OAuth 1.0a request is signed once its budget came, not before the wait") {
  Remote remote;
  ::setenv("WEIR_TEST_HC_USER", "ck_user", 1);
  ::setenv("WEIR_TEST_HC_PASS", "cs_pass", 1);
  auto app = app_of(remote.base,
                    "{kind: oauth1, consumer_key: \"env:WEIR_TEST_HC_USER\", "
                    "consumer_secret: \"env:WEIR_TEST_HC_PASS\"}",
                    "rate: 1/3s\n");
  auto limiter = std::make_shared<limiter::AppLimiter>("shop", *app.rate, app.concurrency);
  AppClient c(app, limiter);
  get(c, "products");                     // the first goes at once
  const auto asked = std::time(nullptr);  // the second waits about 3 s for its budget
  get(c, "products");
  const std::string auth = remote.last().header("Authorization");
  const auto at = auth.find("oauth_timestamp=\"");
  REQUIRE(at != std::string::npos);
  const long stamp = std::stol(auth.substr(at + 17));
  CHECK(stamp >= asked + 2);  // made after the wait, not when it was asked for
  limiter->stop();
  ::unsetenv("WEIR_TEST_HC_USER");
  ::unsetenv("WEIR_TEST_HC_PASS");
}
