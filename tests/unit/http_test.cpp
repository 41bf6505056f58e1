// The HTTP server (host/http/http_server): real sockets on loopback, libcurl
// as the client, and a raw socket where curl would not send what we need
// (garbage, HTTP/1.0, a chunked body, a request that never ends).
//
// Every server binds port 0, so tests never collide with each other or with
// a running host.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.hpp"
#include "support/http_client.hpp"
#include "unit/running_server.hpp"

using namespace weir::http;
using weir::test::HttpClient;
using weir::test::Running;
using weir::test::text;
using weir::test::HttpResult;
using namespace std::chrono_literals;

namespace {


ServerOptions loopback(std::size_t max_body = 1024 * 1024) {
  ServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.max_body = max_body;
  o.header_timeout = 2000ms;
  o.body_timeout = 2000ms;
  o.idle_timeout = 2000ms;
  return o;
}

// Sends `bytes` on a fresh connection and returns everything the server
// sends back until it closes; `closed` tells whether it did within `wait`.
std::string exchange_raw(std::uint16_t port, const std::string& bytes, bool* closed = nullptr,
                         std::chrono::milliseconds wait = 3000ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(wait.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((wait.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
  std::string got;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  if (closed) *closed = n == 0;
  ::close(fd);
  return got;
}

}  // namespace

TEST_CASE("a GET round trip carries the request and the answer both ways") {
  Request seen;
  Running s(loopback(), [&](Request&& req, Respond respond) {
    seen = std::move(req);
    Response r = text(200, "hello");
    r.content_type = "application/x-test";
    r.headers = {{"Retry-After", "7"}, {"X-Answer", "42"}};
    respond(std::move(r));
  });
  HttpClient client;
  const HttpResult got = client.send("GET", s.url("/hello"), "", {{"X-Custom", "abc"}});
  INFO(got.error);
  CHECK(got.status == 200);
  CHECK(got.body == "hello");
  CHECK(got.header("content-type") == "application/x-test");
  CHECK(got.header("content-length") == "5");
  CHECK(got.header("retry-after") == "7");
  CHECK(got.header("x-answer") == "42");
  CHECK(got.header("server") == "weir");
  CHECK(seen.method == "GET");
  CHECK(seen.target == "/hello");
  CHECK(seen.path == "/hello");
  CHECK(seen.header("x-custom") == "abc");
  CHECK(seen.body.empty());
  CHECK(seen.remote.rfind("127.0.0.1:", 0) == 0);
  CHECK(seen.remote.size() > std::string("127.0.0.1:").size());
}

TEST_CASE("a POST body arrives and returns byte for byte with a NUL in it") {
  const std::string body("before\0after\xff\x01 end", 18);
  REQUIRE(body.size() == 18);
  Request seen;
  Running s(loopback(), [&](Request&& req, Respond respond) {
    seen = req;
    respond(text(200, std::move(req.body)));
  });
  HttpClient client;
  const HttpResult got =
      client.post(s.url("/echo"), body, {{"Content-Type", "application/octet-stream"}});
  CHECK(got.status == 200);
  CHECK(got.body == body);
  CHECK(seen.method == "POST");
  CHECK(seen.body == body);
  CHECK(seen.header("content-length") == "18");
  CHECK(seen.header("content-type") == "application/octet-stream");
}

TEST_CASE("header names arrive in lower case and lookup ignores case") {
  Request seen;
  Running s(loopback(), [&](Request&& req, Respond respond) {
    seen = std::move(req);
    respond(text(204, ""));
  });
  HttpClient client;
  const HttpResult got =
      client.send("GET", s.url("/"), "", {{"X-WC-Webhook-Signature", "sig=="}, {"X-Twice", "one"}});
  CHECK(got.status == 204);
  CHECK(seen.headers.count("x-wc-webhook-signature") == 1);
  CHECK(seen.headers.count("X-WC-Webhook-Signature") == 0);
  CHECK(seen.header("X-WC-WEBHOOK-SIGNATURE") == "sig==");
  CHECK(seen.header("x-wc-webhook-signature") == "sig==");
  CHECK(seen.header("X-Missing") == "");
  for (const auto& [name, value] : seen.headers) {
    for (char c : name) CHECK_FALSE(std::isupper(static_cast<unsigned char>(c)));
  }
}

TEST_CASE("the path is the target without its query") {
  Request seen;
  Running s(loopback(), [&](Request&& req, Respond respond) {
    seen = std::move(req);
    respond(text(200, "ok"));
  });
  HttpClient client;
  CHECK(client.get(s.url("/hooks/shop/created?x=1&y=two")).status == 200);
  CHECK(seen.target == "/hooks/shop/created?x=1&y=two");
  CHECK(seen.path == "/hooks/shop/created");
}

TEST_CASE("the handler chooses the status such as 404 for an unknown path") {
  Running s(loopback(), [](Request&& req, Respond respond) {
    if (req.path == "/healthz") return respond(text(200, "ok\n"));
    respond(text(404, "no such path: " + req.path + "\n"));
  });
  HttpClient client;
  const HttpResult ok = client.get(s.url("/healthz"));
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok\n");
  const HttpResult missing = client.get(s.url("/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.body == "no such path: /nope\n");
}

TEST_CASE("a response given later from another thread arrives") {
  std::mutex mu;
  std::vector<std::thread> responders;  // guarded by mu
  Running s(loopback(), [&](Request&& req, Respond respond) {
    std::lock_guard lock(mu);
    responders.emplace_back([respond, body = req.body] {
      std::this_thread::sleep_for(100ms);
      respond(text(202, "later: " + body));
    });
  });
  HttpClient client;
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResult got = client.post(s.url("/slow"), "abc");
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(got.status == 202);
  CHECK(got.body == "later: abc");
  CHECK(took >= 100ms);
  // The same kept-alive connection serves the next request.
  const HttpResult again = client.post(s.url("/slow"), "def");
  CHECK(again.body == "later: def");
  std::lock_guard lock(mu);
  for (auto& t : responders) t.join();
}

TEST_CASE("concurrent keep-alive clients each get their own answers") {
  constexpr int kClients = 8;
  constexpr int kRequests = 50;
  std::mutex mu;
  std::set<std::string> remotes;         // guarded by mu
  std::set<std::thread::id> io_threads;  // guarded by mu
  Running s(loopback(), [&](Request&& req, Respond respond) {
    {
      std::lock_guard lock(mu);
      remotes.insert(req.remote);
      io_threads.insert(std::this_thread::get_id());
    }
    respond(text(200, req.target + " " + req.body));
  });
  std::atomic<int> right{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client;
      for (int i = 0; i < kRequests; ++i) {
        const std::string target = "/c/" + std::to_string(c) + "/" + std::to_string(i);
        const std::string body = "body " + std::to_string(c * 1000 + i);
        const HttpResult got = client.post(s.url(target), body);
        if (got.status == 200 && got.body == target + " " + body) ++right;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(right == kClients * kRequests);
  std::lock_guard lock(mu);
  CHECK(remotes.size() == kClients);  // one kept-alive connection per client
  CHECK(io_threads.size() <= 2);      // never more threads than `threads`
}

TEST_CASE("a body over max_body gets 413 and never reaches the handler") {
  std::atomic<int> calls{0};
  Running s(loopback(1024), [&](Request&&, Respond respond) {
    ++calls;
    respond(text(200, "ok"));
  });
  HttpClient client;
  const HttpResult just_over = client.post(s.url("/in"), std::string(1025, 'x'));
  INFO(just_over.error);
  CHECK(just_over.status == 413);
  CHECK(just_over.body.find("1024") != std::string::npos);
  // Far larger than the socket buffers: still an answer, not a reset.
  const HttpResult huge = client.post(s.url("/in"), std::string(4 * 1024 * 1024, 'x'));
  INFO(huge.error);
  CHECK(huge.status == 413);
  CHECK(calls == 0);
  // The server still serves the next request (on a new connection).
  CHECK(client.post(s.url("/in"), "small").status == 200);
  CHECK(calls == 1);
}

TEST_CASE("a body of exactly max_body is accepted") {
  std::size_t got_size = 0;
  Running s(loopback(1024), [&](Request&& req, Respond respond) {
    got_size = req.body.size();
    respond(text(200, "ok"));
  });
  HttpClient client;
  CHECK(client.post(s.url("/in"), std::string(1024, 'y')).status == 200);
  CHECK(got_size == 1024);
}

TEST_CASE("a chunked body over max_body gets 413") {
  std::atomic<int> calls{0};
  Running s(loopback(1500), [&](Request&&, Respond respond) {
    ++calls;
    respond(text(200, "ok"));
  });
  const std::string chunk = "400\r\n" + std::string(1024, 'z') + "\r\n";
  const std::string request = "POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              chunk + chunk + "0\r\n\r\n";
  bool closed = false;
  const std::string got = exchange_raw(s.server.port(), request, &closed);
  CHECK(got.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(closed);
  CHECK(calls == 0);
  // One chunk fits.
  const std::string one =
      "POST /in HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunk + "0\r\n\r\n";
  CHECK(exchange_raw(s.server.port(), one).rfind("HTTP/1.1 200", 0) == 0);
  CHECK(calls == 1);
}

TEST_CASE("a malformed request gets 400 and the connection closes") {
  std::atomic<int> calls{0};
  Running s(loopback(), [&](Request&&, Respond respond) {
    ++calls;
    respond(text(200, "ok"));
  });
  bool closed = false;
  const std::string got = exchange_raw(s.server.port(), "GARBAGE\r\n\r\n", &closed);
  CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(closed);
  CHECK(calls == 0);
}

TEST_CASE("an HTTP/1.0 request is answered and then the connection closes") {
  Running s(loopback(), [](Request&&, Respond respond) { respond(text(200, "old")); });
  bool closed = false;
  const std::string got = exchange_raw(s.server.port(), "GET /old HTTP/1.0\r\n\r\n", &closed);
  CHECK(got.rfind("HTTP/1.0 200", 0) == 0);
  CHECK(got.size() >= 3);
  CHECK(got.substr(got.size() - 3) == "old");
  CHECK(closed);
}

TEST_CASE("a HEAD request gets the headers and no body") {
  Running s(loopback(), [](Request&& req, Respond respond) {
    respond(text(200, req.method == "HEAD" ? "hello" : "wrong"));
  });
  bool closed = false;
  const std::string got = exchange_raw(
      s.server.port(), "HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &closed);
  CHECK(got.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(got.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(got.size() >= 4);
  CHECK(got.substr(got.size() - 4) == "\r\n\r\n");
  CHECK(closed);
}

TEST_CASE("Connection close from the client is honoured") {
  Running s(loopback(), [](Request&&, Respond respond) { respond(text(200, "bye")); });
  HttpClient client;
  const HttpResult got = client.send("GET", s.url("/"), "", {{"Connection", "close"}});
  CHECK(got.status == 200);
  CHECK(got.header("connection") == "close");
  bool closed = false;
  exchange_raw(s.server.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &closed);
  CHECK(closed);
}

TEST_CASE("a request not finished within its timeouts is closed") {
  std::atomic<int> calls{0};
  ServerOptions o = loopback();
  o.body_timeout = 200ms;
  o.min_body_rate = 0;
  Running s(o, [&](Request&&, Respond respond) {
    ++calls;
    respond(text(200, "ok"));
  });
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  const std::string got =
      exchange_raw(s.server.port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
                   &closed, 2000ms);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(closed);
  CHECK(got.empty());
  CHECK(took >= 150ms);
  CHECK(took < 1500ms);
  CHECK(calls == 0);
}

TEST_CASE("a client that expects 100-continue is told to go on at once") {
  Running s(loopback(), [](Request&& req, Respond respond) {
    respond(text(200, std::to_string(req.body.size())));
  });
  const std::string body(4000, 'e');
  std::string answer;
  CURL* curl = curl_easy_init();
  REQUIRE(curl);
  const std::string url = s.url("/continue");
  curl_slist* headers = curl_slist_append(nullptr, "Expect: 100-continue");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 3000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  const auto t0 = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(curl);
  const auto took = std::chrono::steady_clock::now() - t0;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  CHECK(code == CURLE_OK);
  CHECK(status == 200);
  CHECK(answer == "4000");
  CHECK(took < 1500ms);  // curl did not sit out its 3 s wait for "100 Continue"
}

TEST_CASE("port 0 binds a real port and address names it") {
  Server server(loopback(), [](Request&&, Respond respond) { respond(text(200, "ok")); });
  REQUIRE(server.start().is_ok());
  CHECK(server.port() != 0);
  CHECK(server.address() == "127.0.0.1:" + std::to_string(server.port()));
  HttpClient client;
  CHECK(client.get("http://" + server.address() + "/").status == 200);
  server.stop();
  server.stop();  // twice is fine, and so is the destructor after it
}

TEST_CASE("binding a port already in use fails naming the address") {
  Running first(loopback(), [](Request&&, Respond respond) { respond(text(200, "first")); });
  ServerOptions o = loopback();
  o.port = first.server.port();
  Server second(o, [](Request&&, Respond respond) { respond(text(200, "second")); });
  const weir::Status s = second.start();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message() == "127.0.0.1:" + std::to_string(o.port) + ": address already in use");
  second.stop();
  // The first server is unharmed.
  HttpClient client;
  CHECK(client.get(first.url("/")).body == "first");
}

TEST_CASE("a bad address fails naming it") {
  ServerOptions o = loopback();
  o.address = "not-an-ip";
  Server server(o, [](Request&&, Respond) {});
  const weir::Status s = server.start();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().rfind("not-an-ip:0: ", 0) == 0);
}

TEST_CASE("a Respond dropped without a call answers 500") {
  Running s(loopback(), [](Request&& req, Respond respond) {
    if (req.path == "/answered") respond(text(200, "fine"));
    // Otherwise `respond` goes out of scope uncalled.
  });
  HttpClient client;
  const HttpResult dropped = client.get(s.url("/dropped"));
  CHECK(dropped.status == 500);
  CHECK(dropped.body == "no response\n");
  // The same connection goes on: the normal path still works.
  const HttpResult answered = client.get(s.url("/answered"));
  CHECK(answered.status == 200);
  CHECK(answered.body == "fine");
}

TEST_CASE("a Respond called twice sends the first answer only") {
  Running s(loopback(), [](Request&&, Respond respond) {
    Respond copy = respond;
    respond(text(200, "first"));
    copy(text(500, "second"));
  });
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    const HttpResult got = client.get(s.url("/"));
    CHECK(got.status == 200);
    CHECK(got.body == "first");
  }
}

TEST_CASE(
    "stop with a response pending neither hangs nor crashes and the late Respond is dropped") {
  std::mutex mu;
  Respond kept;  // guarded by mu
  std::promise<void> called;
  std::atomic<int> calls{0};
  auto server = std::make_unique<Server>(loopback(), [&](Request&&, Respond respond) {
    std::lock_guard lock(mu);
    kept = std::move(respond);
    if (++calls == 1) called.set_value();
  });
  REQUIRE(server->start().is_ok());
  const std::string url = "http://" + server->address() + "/pending";
  HttpResult result;
  std::thread client([&] { result = HttpClient().get(url); });
  REQUIRE(called.get_future().wait_for(3s) == std::future_status::ready);

  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  client.join();
  CHECK(result.status == 0);  // the connection closed unanswered
  const int calls_at_stop = calls;

  std::lock_guard lock(mu);
  kept(text(200, "too late"));  // after stop(): nothing happens
  server.reset();
  kept(text(200, "later still"));  // after the server is gone: still nothing
  kept = nullptr;                  // dropping it does not answer 500 anywhere either
  CHECK(calls == calls_at_stop);
}
