// The host's routes (http/router.hpp), driven as the server drives them:
// which handler gets a path, what a page answers to each method, what an
// unknown path is told, and where the server's own refusals are counted.
#include "http/router.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using weir::http::Request;
using weir::http::Response;
using weir::http::Router;

namespace {

struct Routed {
  Router router;
  std::vector<std::string> hooked;  // paths the prefix handler got
  std::vector<int> refused;
  int pages = 0;

  Routed() {
    router.prefix(
        "/hooks/", "/hooks/<topology>/<trigger>",
        [this](Request&& r, weir::http::Respond respond) {
          hooked.push_back(r.method + " " + r.path);
          respond(weir::http::text_response(202, "taken"));
        },
        [this](int status) { refused.push_back(status); });
    router.page("/metrics", [this] {
      ++pages;
      return weir::http::text_response(200, "weir_up 1");
    });
    router.page("/healthz", [] { return weir::http::text_response(200, "ok"); });
  }

  Response ask(const std::string& method, const std::string& path) {
    Request r;
    r.method = method;
    r.target = r.path = path;
    std::optional<Response> answer;
    router.handle(std::move(r), [&](Response out) { answer = std::move(out); });
    REQUIRE(answer.has_value());
    return *answer;
  }
};

}  // namespace

TEST_CASE("a prefix route takes every method on its paths, a page only GET and HEAD") {
  Routed r;
  CHECK(r.ask("POST", "/hooks/orders/created").status == 202);
  CHECK(r.ask("GET", "/hooks/orders/created").status == 202);  // the handler answers 405 itself
  CHECK(r.hooked ==
        std::vector<std::string>{"POST /hooks/orders/created", "GET /hooks/orders/created"});
  CHECK(r.ask("GET", "/metrics").body == "weir_up 1\n");
  CHECK(r.ask("HEAD", "/metrics").status == 200);
  const Response post = r.ask("POST", "/metrics");
  CHECK(post.status == 405);
  CHECK(post.headers == std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}});
  CHECK(r.pages == 2);  // the POST never ran the page
}

TEST_CASE("an unknown path is a 404 that lists what the host serves, whatever the method") {
  Routed r;
  for (const char* method : {"GET", "POST"}) {
    const Response missing = r.ask(method, "/hook/orders");  // not under /hooks/
    CHECK(missing.status == 404);
    CHECK(missing.body ==
          "no such path: /hook/orders (weir serves /hooks/<topology>/<trigger>, /metrics, "
          "/healthz)\n");
  }
  CHECK(r.ask("GET", "/metrics/x").status == 404);  // a page is its exact path
  CHECK(r.hooked.empty());
}

TEST_CASE("the server's own refusals count with the route whose path they were for") {
  Routed r;
  r.router.refused("/hooks/orders/created", 413);
  r.router.refused("/metrics", 400);  // a page has no counter: ignored
  r.router.refused("", 400);          // the request line was never read
  CHECK(r.refused == std::vector<int>{413});
}
