// The HTTP server under abuse (host/http/http_server): slow clients, too
// many connections, bodies that fill memory, no file descriptors left. Real
// sockets on loopback; raw ones where a client must misbehave, libcurl for
// the legitimate client that must still be served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
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
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {


ServerOptions options() {
  ServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.header_timeout = 5000ms;
  o.body_timeout = 5000ms;
  o.idle_timeout = 5000ms;
  return o;
}

// Polls `done` until it holds or `timeout` passes.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A client socket that misbehaves on purpose: sends what it is told, when
// it is told.
class Raw {
 public:
  Raw() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {}
  explicit Raw(std::uint16_t port) : Raw() { connect(port); }
  ~Raw() {
    if (fd_ >= 0) ::close(fd_);
  }
  Raw(Raw&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Raw(const Raw&) = delete;

  bool connect(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What arrives until the peer closes or `wait` passes.
  std::string read(std::chrono::milliseconds wait = 3000ms) {
    std::string got;
    const auto deadline = Clock::now() + wait;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return got;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return got;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  // One response's head and body of `length` bytes at most, without waiting for a close.
  std::string read_response(std::chrono::milliseconds wait = 3000ms) {
    std::string got;
    const auto deadline = Clock::now() + wait;
    while (Clock::now() < deadline) {
      const auto end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = got.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(got.substr(cl + 16));
        if (got.size() >= end + 4 + length) return got;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return got;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  // True once the server has closed (reads EOF or a reset); waits up to `wait`.
  bool closed_by_server(std::chrono::milliseconds wait) {
    read(wait);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

std::string post_head(std::size_t length, const std::string& path = "/in") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

}  // namespace

TEST_CASE(
    "at max_connections a new client is served and the connection idle the longest makes room") {
  std::mutex mu;
  std::vector<std::string> notes;  // guarded by mu
  ServerOptions o = options();
  o.max_connections = 4;
  o.on_note = [&](NoteLevel, const std::string& note) {
    std::lock_guard lock(mu);
    notes.push_back(note);
  };
  Running s(o, [](Request&&, Respond respond) { respond(text(200, "served")); });
  {
    std::lock_guard lock(mu);
    REQUIRE_FALSE(notes.empty());
    CHECK_THAT(notes.front(), Catch::StartsWith("at most 4 connections"));
  }
  std::vector<Raw> silent;
  for (int i = 0; i < 4; ++i) {
    silent.emplace_back(s.server.port());
    REQUIRE(eventually([&] { return s.server.stats().connections == silent.size(); }));
  }
  HttpClient client;
  const auto got = client.get(s.url("/"));
  INFO(got.error);
  CHECK(got.status == 200);
  CHECK(got.body == "served");
  const ServerStats stats = s.server.stats();
  CHECK(stats.max_connections == 4);
  CHECK(stats.connections <= 4);
  CHECK(stats.closed_for_room == 1);
  CHECK(silent[0].closed_by_server(2000ms));  // the oldest
  CHECK_FALSE(silent[3].closed_by_server(200ms));
  std::lock_guard lock(mu);
  CHECK_THAT(notes.back(), Catch::Contains("to make room for a new client"));
}

TEST_CASE("a connection whose request is with the handler is never closed to make room") {
  std::promise<Respond> held;
  std::atomic<bool> first{true};
  ServerOptions o = options();
  o.max_connections = 2;
  Running s(o, [&](Request&& req, Respond respond) {
    if (req.path == "/hold" && first.exchange(false)) return held.set_value(std::move(respond));
    respond(text(200, "quick"));
  });
  Raw busy(s.server.port());
  REQUIRE(busy.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto respond = held.get_future();
  REQUIRE(respond.wait_for(3s) == std::future_status::ready);
  Raw idle(s.server.port());
  REQUIRE(eventually([&] { return s.server.stats().connections == 2; }));

  HttpClient client;
  CHECK(client.get(s.url("/quick")).status == 200);
  CHECK(idle.closed_by_server(2000ms));
  respond.get()(text(200, "held"));
  const std::string answer = busy.read_response();
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(answer, Catch::EndsWith("held"));
}

TEST_CASE("hundreds of slow clients over max_connections leave room for a legitimate one") {
  ServerOptions o = options();
  o.max_connections = 64;
  Running s(o, [](Request&& req, Respond respond) { respond(text(200, "ok " + req.body)); });
  std::vector<Raw> slow;
  for (int i = 0; i < 400; ++i) {
    Raw& r = slow.emplace_back(s.server.port());
    // Half never finish their headers, half never send the body they declare.
    r.send(i % 2 ? "POST /in HTTP/1.1\r\nHost: x\r\n" : post_head(1000));
  }
  HttpClient client;
  const auto got = client.post(s.url("/in"), "legit");
  INFO(got.error);
  CHECK(got.status == 200);
  CHECK(got.body == "ok legit");
  CHECK(s.server.stats().connections <= 64);
  CHECK(s.server.stats().closed_for_room >= 400 - 64);
}

TEST_CASE("headers that trickle in past header_timeout are closed, progress or not") {
  std::atomic<int> calls{0};
  ServerOptions o = options();
  o.header_timeout = 300ms;
  Running s(o, [&](Request&&, Respond respond) {
    ++calls;
    respond(text(200, "ok"));
  });
  Raw r(s.server.port());
  const auto t0 = Clock::now();
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {  // a byte every 50 ms, for up to 5 s
    r.send(i == 0 ? "GET / HTTP/1.1\r\n" : "X");
    closed = r.closed_by_server(50ms);
  }
  CHECK(closed);
  CHECK(Clock::now() - t0 < 3s);
  CHECK(calls == 0);
  // (counted as the server's read ends, which may be just after the client saw it)
  CHECK(eventually([&] { return s.server.stats().timed_out == 1; }));
}

TEST_CASE(
    "a stalled body is closed after body_timeout and a slow steady one gets the time it needs") {
  std::atomic<int> calls{0};
  ServerOptions o = options();
  o.body_timeout = 300ms;
  o.min_body_rate = 1000;  // bytes per second: each 100 bytes buy 100 ms more
  Running s(o, [&](Request&& req, Respond respond) {
    ++calls;
    respond(text(200, std::to_string(req.body.size())));
  });
  SECTION("stalled") {
    Raw r(s.server.port());
    r.send(post_head(1000) + std::string(10, 'b'));
    const auto t0 = Clock::now();
    CHECK(r.closed_by_server(5000ms));
    CHECK(Clock::now() - t0 < 3s);
    CHECK(calls == 0);
  }
  SECTION("steady: 1000 bytes at 1000 bytes/s, longer than body_timeout") {
    Raw r(s.server.port());
    r.send(post_head(1000));
    for (int i = 0; i < 10; ++i) {
      std::this_thread::sleep_for(80ms);  // the pace under test, not a wait for an event
      REQUIRE(r.send(std::string(100, 'b')));
    }
    CHECK_THAT(r.read_response(), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(calls == 1);
  }
}

TEST_CASE(
    "a kept-alive connection is closed after idle_timeout, a new silent one after header_timeout") {
  ServerOptions o = options();
  o.idle_timeout = 300ms;
  o.header_timeout = 600ms;
  Running s(o, [](Request&&, Respond respond) { respond(text(200, "ok")); });
  Raw kept(s.server.port());
  REQUIRE(kept.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_THAT(kept.read_response(), Catch::StartsWith("HTTP/1.1 200"));
  const auto t0 = Clock::now();
  CHECK(kept.closed_by_server(5000ms));
  const auto idle_for = Clock::now() - t0;
  CHECK(idle_for < 3s);

  Raw silent(s.server.port());
  CHECK(silent.closed_by_server(5000ms));
  CHECK(eventually([&] { return s.server.stats().timed_out == 2; }));
}

TEST_CASE(
    "bodies beyond max_buffered across connections get 503 with Retry-After, and the room comes "
    "back") {
  std::atomic<int> calls{0};
  ServerOptions o = options();
  o.max_body = 32 * 1024;
  o.max_buffered = 64 * 1024;
  std::mutex mu;
  std::vector<int> refused;  // guarded by mu
  o.on_refused = [&](const std::string&, int status) {
    std::lock_guard lock(mu);
    refused.push_back(status);
  };
  Running s(o, [&](Request&& req, Respond respond) {
    ++calls;
    respond(text(200, std::to_string(req.body.size())));
  });
  // Two bodies of 30,000 bytes, 25,000 of each sent: 50,000 bytes held.
  Raw a(s.server.port()), b(s.server.port());
  a.send(post_head(30000) + std::string(25000, 'a'));
  b.send(post_head(30000) + std::string(25000, 'b'));
  REQUIRE(eventually([&] { return s.server.stats().buffered == 50000; }));

  // 20,000 more do not fit in 65,536: refused before the body is read.
  Raw c(s.server.port());
  c.send(post_head(20000));
  const std::string answer = c.read_response();
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 503"));
  CHECK_THAT(answer, Catch::Contains("Retry-After: 1"));
  CHECK_THAT(answer, Catch::Contains("http.max_buffered"));
  CHECK(c.closed_by_server(3000ms));
  // A chunked body has no length to check first: refused once it does not fit.
  Raw chunked(s.server.port());
  chunked.send("POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 4; ++i) chunked.send("1388\r\n" + std::string(5000, 'c') + "\r\n");
  CHECK_THAT(chunked.read_response(), Catch::StartsWith("HTTP/1.1 503"));
  // A small one still fits.
  HttpClient client;
  CHECK(client.post(s.url("/in"), std::string(100, 's')).body == "100");

  // A's body completes: its bytes are the handler's now, no longer held.
  a.send(std::string(5000, 'a'));
  CHECK_THAT(a.read_response(), Catch::EndsWith("30000"));
  REQUIRE(eventually([&] { return s.server.stats().buffered == 25000; }));
  CHECK(client.post(s.url("/in"), std::string(20000, 'r')).body == "20000");
  {
    Raw gone = std::move(b);  // B leaves halfway: its bytes go with it
  }
  CHECK(eventually([&] { return s.server.stats().buffered == 0; }));
  CHECK(s.server.stats().refused_buffered == 2);
  CHECK(calls == 3);
  std::lock_guard lock(mu);
  CHECK(refused == std::vector<int>{503, 503});
}

TEST_CASE(
    "accept survives running out of file descriptors and then serves the clients that waited") {
  Running s(options(), [](Request&&, Respond respond) { respond(text(200, "ok")); });
  std::vector<Raw> waiting(3);  // their descriptors exist before the limit drops
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  struct Restore {
    rlimit limit;
    ~Restore() { ::setrlimit(RLIMIT_NOFILE, &limit); }
  } restore{saved};
  // The lowest free descriptor number: from it on, nothing can be opened.
  const int lowest_free = ::dup(0);
  REQUIRE(lowest_free >= 0);
  ::close(lowest_free);
  rlimit none = saved;
  none.rlim_cur = static_cast<rlim_t>(lowest_free);
  const int lowered = ::setrlimit(RLIMIT_NOFILE, &none);
  // No assertion runs while no descriptor can be opened: a sanitizer's
  // runtime may need one to check a type (UBSan's vptr check then reports
  // Catch's own expression object). What is seen is kept, and checked after.
  bool connected = true;
  for (Raw& r : waiting) connected = r.connect(s.server.port()) && connected;  // no new descriptor
  const bool failing = eventually([&] { return s.server.stats().accept_errors >= 2; });
  // It keeps trying, resting between tries (100 ms) instead of spinning.
  const auto errors = s.server.stats().accept_errors;
  const auto t0 = Clock::now();
  const bool retrying = eventually([&] { return s.server.stats().accept_errors >= errors + 3; });
  const auto tries = s.server.stats().accept_errors - errors;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  const int restored = ::setrlimit(RLIMIT_NOFILE, &saved);

  REQUIRE(restored == 0);
  REQUIRE(lowered == 0);
  REQUIRE(connected);
  REQUIRE(failing);
  REQUIRE(retrying);
  CHECK(tries <= static_cast<std::uint64_t>(ms / 50 + 2));
  for (Raw& r : waiting) {
    REQUIRE(r.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_THAT(r.read_response(), Catch::StartsWith("HTTP/1.1 200"));
  }
}

TEST_CASE("the connection cap stays under the file-descriptor limit") {
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max > (1u << 24)) {
    WARN("no finite hard limit on open files here; nothing to check");
    return;
  }
  // The server raises the soft limit to the hard one; its cap is what that leaves.
  ServerOptions o = options();
  o.max_connections = static_cast<std::size_t>(saved.rlim_max) + 1000;
  Running s(o, [](Request&&, Respond respond) { respond(text(200, "ok")); });
  const std::size_t cap = s.server.stats().max_connections;
  CHECK(cap < o.max_connections);
  CHECK(cap + kReservedFds <= static_cast<std::size_t>(saved.rlim_max));
  rlimit now{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &now) == 0);
  CHECK(now.rlim_cur == saved.rlim_max);
}
