// End to end: the application limiter as a shop sees it. A real `weir serve`
// sends testkit.fetch calls through an application to a loopback server that
// records when each request arrived:
//   - isolation: a 1/s application with a full queue holds only its own
//     workers; a core.pass topology beside it keeps its throughput;
//   - exactness: 8 calls in flight against a 50/s application for 10 s: no
//     one-second window at the server holds more than rate + burst, and at
//     least 95% of what the limit allows was sent;
//   - adaptive: a shop that answers 508 (an HTML page) above 20 requests/s
//     gets every message in the end, and fewer 508s after the first seconds;
//   - Retry-After, in seconds and as an HTTP date, pauses the whole
//     application, not only the message that got it.
#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/app_helpers.hpp"
#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/remote.hpp"

using Json = nlohmann::json;
using weir::test::HostProcess;
using weir::test::json_of;
using weir::test::Remote;
using weir::test::WeirHome;
using weir::test::add_app;
using weir::test::app_file;
using weir::test::busiest;
using weir::test::fetch_topology;
using weir::test::ok_answer;
using weir::test::payloads;
using Clock = std::chrono::steady_clock;

namespace {

bool wait_until(const std::function<bool()>& ok, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("limiter: a 1/s application with a full queue does not slow an unrelated topology") {
  Remote remote([](const weir::http::Request&) { return ok_answer(); });
  WeirHome home({"core.so", "testkit.so"});
  add_app(home, "slow", app_file("slow", remote.base(), "1/s", 8));
  home.add_topology("slow.yaml", fetch_topology("slow", "slow", 8));
  home.add_topology("pass.yaml",
                    "name: pass\nnodes:\n  - {id: a, type: core.pass}\n  - {id: b, type: core.pass}\n"
                    "  - {id: c, type: core.pass}\nedges:\n  - a -> b\n  - b -> c\n");
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string batch = payloads(home, "pass.jsonl", 1500);
  const std::string slow_batch = payloads(home, "slow.jsonl", 100);
  // Processes per second through core.pass: the whole batch, started and waited for.
  auto pass_rate = [&] {
    const auto t0 = Clock::now();
    auto r = home.cli("run pass", {"--payloads", batch, "--wait", "--timeout", "120"});
    REQUIRE(r.code == 0);
    return 1500 / seconds_since(t0);
  };
  std::string last_status;
  CAPTURE(last_status);
  auto slow_node = [&](const char* field) {
    const Json status = json_of(home.cli("status", {"--json"}));
    last_status = status.dump();
    for (const auto& t : status["topologies"]) {
      if (t["name"] == "slow") return t["nodes"][0][field].get<int>();
    }
    return -1;
  };
  // Loads the slow app: 100 messages, 8 calls at a time, 8 calls wait for budget.
  auto load = [&] {
    const auto queued = home.cli("run slow", {"--payloads", slow_batch});
    INFO(queued.out);
    REQUIRE(queued.code == 0);
    REQUIRE(wait_until([&] { return slow_node("in_flight") >= 6; }));
  };
  // Unloads it: the app at 1000/s (a reload keeps what was used) drains the
  // queue, then back to 1/s.
  auto unload = [&] {
    add_app(home, "slow", app_file("slow", remote.base(), "1000/s", 8));
    REQUIRE(home.cli("reload").code == 0);
    REQUIRE(wait_until([&] { return slow_node("queued") == 0 && slow_node("in_flight") == 0; }));
    add_app(home, "slow", app_file("slow", remote.base(), "1/s", 8));
    REQUIRE(home.cli("reload").code == 0);
  };
  // Alone and loaded take turns, so neither meets a store thousands of
  // processes bigger than the other did (each run adds 1,500 processes).
  double alone = 0, loaded = 0;
  std::size_t most_slow_requests = 0;
  for (int round = 0; round < 3; ++round) {
    alone = std::max(alone, pass_rate());
    load();
    const std::size_t before = remote.count();
    loaded = std::max(loaded, pass_rate());
    most_slow_requests = std::max(most_slow_requests, remote.count() - before);
    if (round < 2) unload();
  }
  WARN("core.pass processes/s alone " << alone << ", beside the waiting 1/s app " << loaded
                                      << " (" << 100.0 * loaded / alone
                                      << "%); the 1/s app sent at most " << most_slow_requests
                                      << " request(s) during a run");
  // Every loaded run was beside a full queue (the best of three is fair only
  // then): at 1/s the 100 messages last 100 s, a run a few seconds.
  CHECK(most_slow_requests <= 50);
  // Lanes keep the loaded rate near the alone one (102-126% measured on a
  // quiet machine; the WARN above prints it). The bound is coarse on
  // purpose: a shared CI machine moves one run's rate by a third, and
  // without lanes the 8 calls waiting for the 1/s budget hold shared workers
  // and core.pass falls far below half.
  CHECK(loaded >= 0.5 * alone);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("limiter: 8 calls against a 50/s application: no second holds more than rate + burst") {
  Remote remote([](const weir::http::Request&) { return ok_answer(); }, 4);
  WeirHome home({"testkit.so"});
  add_app(home, "shop", app_file("shop", remote.base(), "50/s", 8));
  home.add_topology("pull.yaml", fetch_topology("pull", "shop", 8));
  HostProcess host(home);
  REQUIRE(host.start());
  // More than 10 s can send: the queue never runs dry while we watch.
  const auto queued = home.cli("run pull", {"--payloads", payloads(home, "pull.jsonl", 700)});
  INFO(queued.out);
  REQUIRE(queued.code == 0);
  REQUIRE(wait_until([&] { return remote.count() >= 1; }));
  const auto first = remote.arrivals().front();
  std::this_thread::sleep_until(first + std::chrono::seconds(10));
  std::vector<Clock::time_point> at;
  for (const auto& t : remote.arrivals()) {
    if (t < first + std::chrono::seconds(10)) at.push_back(t);
  }
  // rate x T + burst, with the default burst of 1: 10 s allow 501 starts.
  const std::size_t allowed = 50 * 10 + 1;
  const std::size_t worst_second = busiest(at, std::chrono::seconds(1));
  const std::size_t worst_tenth = busiest(at, std::chrono::milliseconds(100));
  WARN("arrivals in 10 s: " << at.size() << " of " << allowed << " allowed ("
                            << 100.0 * static_cast<double>(at.size()) / allowed
                            << "%); busiest second " << worst_second << ", busiest 100 ms "
                            << worst_tenth);
  CHECK(worst_second <= 50 + 1);
  CHECK(worst_tenth <= 5 + 1);
  CHECK(static_cast<double>(at.size()) >= 0.95 * allowed);
  REQUIRE(host.kill(SIGTERM) == 0);
}

TEST_CASE("limiter: a shop answering 508 above 20/s gets every message, and fewer 508s after a while") {
  // A shared PHP host: more than 20 requests in the last second get its
  // "Resource Limit Is Reached" page (HTML, not JSON).
  std::mutex mu;
  std::deque<Clock::time_point> last_second;
  Remote remote([&](const weir::http::Request&) {
    const auto now = Clock::now();
    bool over = false;
    {
      std::lock_guard lock(mu);
      while (!last_second.empty() && last_second.front() <= now - std::chrono::seconds(1))
        last_second.pop_front();
      last_second.push_back(now);
      over = last_second.size() > 20;
    }
    if (!over) return ok_answer();
    weir::http::Response page;
    page.status = 508;
    page.content_type = "text/html";
    page.body = "<html><head><title>508 Resource Limit Is Reached</title></head><body>Resource "
                "Limit Is Reached</body></html>";
    return page;
  });
  WeirHome home({"testkit.so"});
  add_app(home, "php", app_file("php", remote.base(), "60/s", 4));
  home.add_topology("pull.yaml",
                    fetch_topology("pull", "php", 4,
                                   ", retry: {delay: 200ms, max_delay: 1s, max_attempts: 1000}"));
  HostProcess host(home);
  REQUIRE(host.start());
  const auto t0 = Clock::now();
  auto run = home.cli("run pull", {"--payloads", payloads(home, "php.jsonl", 400), "--wait",
                                   "--timeout", "120"});
  INFO(run.out);
  CHECK(run.code == 0);  // every process completed: every message got its 200 in the end
  const auto seen = remote.seen();
  const auto at = remote.arrivals();
  std::size_t early = 0, early_508 = 0, late = 0, late_508 = 0;
  // The answers are in arrival order; which were 508 is known from the window rule again.
  std::deque<Clock::time_point> window;
  for (const auto& t : at) {
    while (!window.empty() && window.front() <= t - std::chrono::seconds(1)) window.pop_front();
    window.push_back(t);
    const bool was_508 = window.size() > 20;
    if (t < t0 + std::chrono::seconds(3)) {
      ++early;
      early_508 += was_508;
    } else {
      ++late;
      late_508 += was_508;
    }
  }
  const double early_share = early ? static_cast<double>(early_508) / early : 0;
  const double late_share = late ? static_cast<double>(late_508) / late : 0;
  WARN("requests " << at.size() << " for 400 messages; 508 share in the first 3 s "
                   << 100 * early_share << "% (" << early_508 << " of " << early << "), after "
                   << 100 * late_share << "% (" << late_508 << " of " << late << "); took "
                   << seconds_since(t0) << " s");
  CHECK(early_508 > 0);  // the configured 60/s was too much for this shop
  CHECK(late_share < early_share / 2);
  const Json limiters = json_of(home.cli("limiter", {"--json"}))["limiters"];
  REQUIRE(limiters.size() == 1);
  CHECK(limiters[0]["throttled_last_minute"].get<int>() == static_cast<int>(early_508 + late_508));
  // /metrics counts the application's requests by answer class, their
  // durations, the throttled answers and the time calls waited for budget.
  weir::test::HttpClient http;
  const std::string metrics =
      http.get("http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>() +
               "/metrics")
          .body;
  const auto sample = [&](const std::string& name) {
    const auto at = metrics.find("\n" + name + " ");
    INFO(name);
    REQUIRE(at != std::string::npos);
    return std::stod(metrics.substr(at + name.size() + 2));
  };
  const double throttled = static_cast<double>(early_508 + late_508);
  CHECK(sample("weir_app_requests_total{app=\"php\",class=\"2xx\"}") == 400);
  CHECK(sample("weir_app_requests_total{app=\"php\",class=\"5xx\"}") == throttled);
  CHECK(sample("weir_app_throttled_total{app=\"php\"}") == throttled);
  CHECK(sample("weir_app_request_seconds_count{app=\"php\"}") == static_cast<double>(at.size()));
  CHECK(sample("weir_app_request_seconds_bucket{app=\"php\",le=\"+Inf\"}") ==
        static_cast<double>(at.size()));
  CHECK(sample("weir_app_limiter_waits_total{app=\"php\"}") == static_cast<double>(at.size()));
  CHECK(sample("weir_app_limiter_wait_seconds_total{app=\"php\"}") > 1.0);  // it was slowed down
  CHECK(sample("weir_app_rate_per_second{app=\"php\"}") <= 60);
  REQUIRE(host.kill(SIGTERM) == 0);
}

namespace {

// An HTTP date (RFC 9110 IMF-fixdate) `ahead` from now.
std::string http_date(std::chrono::seconds ahead) {
  const std::time_t t = std::time(nullptr) + ahead.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// Sends 429 with `retry_after` to the 5th request, 200 to every other one;
// returns when the 429 went out.
void check_pause(const std::function<std::string()>& retry_after, double at_least_s) {
  std::string sent_value;
  std::atomic<int> n{0};
  std::atomic<bool> sent_429{false};
  Clock::time_point when_429{};
  std::mutex mu;
  Remote remote([&](const weir::http::Request&) {
    if (++n != 5) return ok_answer();
    {
      std::lock_guard lock(mu);
      when_429 = Clock::now();
    }
    sent_429 = true;
    weir::http::Response busy;
    busy.status = 429;
    busy.content_type = "application/json";
    {
      std::lock_guard lock(mu);
      sent_value = retry_after();  // an HTTP date is made when the answer goes out
      busy.headers.emplace_back("Retry-After", sent_value);
    }
    busy.body = R"({"code":"too_many_requests","message":"Slow down"})";
    return busy;
  });
  WeirHome home({"testkit.so"});
  add_app(home, "shop", app_file("shop", remote.base(), "20/s", 4));
  // Two topologies on one app: the pause holds for both, not only the message that got it.
  home.add_topology("a.yaml", fetch_topology("a", "shop", 2));
  home.add_topology("b.yaml", fetch_topology("b", "shop", 2));
  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run a", {"--payloads", payloads(home, "a.jsonl", 40)}).code == 0);
  REQUIRE(home.cli("run b", {"--payloads", payloads(home, "b.jsonl", 40)}).code == 0);
  REQUIRE(wait_until([&] { return sent_429.load(); }));
  REQUIRE(wait_until([&] { return remote.count() >= 10; }));
  std::lock_guard lock(mu);
  const auto at = remote.arrivals();
  // The first request after the 429 came only once the pause was over.
  const auto next = std::upper_bound(at.begin(), at.end(), when_429);
  REQUIRE(next != at.end());
  const double gap = std::chrono::duration<double>(*next - when_429).count();
  WARN("Retry-After: " << sent_value << ": next request " << gap << " s after the 429");
  CHECK(gap >= at_least_s);
  CHECK(gap < at_least_s + 3);
  REQUIRE(host.kill(SIGTERM) == 0);
}

}  // namespace

TEST_CASE("limiter: Retry-After in seconds pauses the whole application") {
  check_pause([] { return std::string("2"); }, 1.9);
}

TEST_CASE("limiter: Retry-After as an HTTP date pauses the whole application") {
  // An HTTP date has whole seconds: 3 s ahead, cut to the second, is a
  // pause of 2 to 3 s (less the moment the answer takes to arrive).
  check_pause([] { return http_date(std::chrono::seconds(3)); }, 1.9);
}
