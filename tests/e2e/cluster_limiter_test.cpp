// End to end: an application's rate limit holds for the whole cluster, not
// per host. Three real `weir serve` hosts on one PostgreSQL database share
// the work of one topology calling a 50/s application (8 calls in flight
// on each host); the loopback server records when each request arrived.
// The limiter's exactness test (limiter_test.cpp), run against the
// cluster: no one-second window holds more than rate + burst, no 100 ms
// window more than 5 + 1, and at least 90% of what the limit allows was
// sent, with every host sending some. Three hosts each keeping their own
// 50/s would send up to 150/s.
//
// A Retry-After one host gets pauses the application on every host.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/app_helpers.hpp"
#include "support/cli_json.hpp"
#include "support/cluster_home.hpp"
#include "support/host_process.hpp"
#include "support/pg_cluster.hpp"
#include "support/remote.hpp"
#include "support/sim_json.hpp"

using weir::test::HostProcess;
using weir::test::PgDatabase;
using weir::test::Remote;
using weir::test::WeirHome;
using weir::test::wait_until;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// What `weir limiter --json` says of `app` on one host.
Json limiter_of(const WeirHome& home, const std::string& app) {
  const Json all = weir::test::json_of(home.cli("limiter", {"--json"}));
  for (const auto& l : all["limiters"]) {
    if (l["app"] == app) return l;
  }
  return Json();
}

struct Cluster {
  explicit Cluster(const std::string& base, const std::string& rate) {
    for (int i = 0; i < 3; ++i) {
      homes.push_back(weir::test::cluster_home(db.url()));
      weir::test::add_app(*homes.back(), "shop", weir::test::app_file("shop", base, rate, 8));
      homes.back()->add_topology("pull.yaml", weir::test::fetch_topology("pull", "shop", 8));
      hosts.push_back(std::make_unique<HostProcess>(*homes.back()));
      REQUIRE(hosts.back()->start());
    }
  }
  ~Cluster() {
    for (auto& h : hosts) h->kill(SIGTERM);
  }
  // Every host's log, for a failure's message.
  std::string logs() const {
    std::string out;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      out += "--- host " + std::to_string(i) + "\n" + hosts[i]->log();
    }
    return out;
  }
  PgDatabase db;
  std::vector<std::unique_ptr<WeirHome>> homes;
  std::vector<std::unique_ptr<HostProcess>> hosts;
};

}  // namespace

TEST_CASE("cluster: 8 calls on each of 3 hosts against a 50/s application: no second holds more than rate + burst") {
  Remote remote([](const weir::http::Request&) { return weir::test::ok_answer(); }, 4);
  Cluster c(remote.base(), "50/s");
  // More than 10 s can send; started on one host, shared by all three.
  auto& home = *c.homes[0];
  const auto queued = home.cli("run pull", {"--payloads", weir::test::payloads(home, "pull.jsonl", 800)});
  INFO(queued.out);
  REQUIRE(queued.code == 0);
  if (!wait_until([&] { return remote.count() >= 1; }, std::chrono::seconds(60))) FAIL(c.logs());
  const auto first = remote.arrivals().front();
  std::this_thread::sleep_until(first + std::chrono::seconds(10));
  std::vector<Clock::time_point> at;
  for (const auto& t : remote.arrivals()) {
    if (t < first + std::chrono::seconds(10)) at.push_back(t);
  }
  // Which hosts sent: each host's limiter counts its own starts.
  std::vector<std::int64_t> started;
  for (const auto& h : c.homes) {
    const Json l = limiter_of(*h, "shop");
    REQUIRE(l.is_object());
    CHECK(l["shared"] == true);
    started.push_back(l["started_last_minute"].get<std::int64_t>());
  }
  const std::size_t allowed = 50 * 10 + 1;  // rate x T + burst (1)
  const std::size_t worst_second = weir::test::busiest(at, std::chrono::seconds(1));
  const std::size_t worst_tenth = weir::test::busiest(at, std::chrono::milliseconds(100));
  WARN("3 hosts, arrivals in 10 s: " << at.size() << " of " << allowed << " allowed ("
                                     << 100.0 * static_cast<double>(at.size()) / allowed
                                     << "%); busiest second " << worst_second
                                     << ", busiest 100 ms " << worst_tenth << "; starts by host "
                                     << started[0] << ", " << started[1] << ", " << started[2]);
  CHECK(worst_second <= 50 + 1);
  CHECK(worst_tenth <= 5 + 1);
  CHECK(static_cast<double>(at.size()) >= 0.9 * allowed);
  for (const auto n : started) CHECK(n > 0);  // every host sent: the budget was shared, not one host's
}

TEST_CASE("cluster: a Retry-After one host gets pauses the application on every host") {
  // The shop answers its 20th request with 429 and Retry-After: 2; every
  // other request is fine.
  std::atomic<int> n{0};
  Remote remote([&](const weir::http::Request&) {
    if (++n != 20) return weir::test::ok_answer();
    weir::http::Response r;
    r.status = 429;
    r.content_type = "application/json";
    r.body = R"({"error": "slow down"})";
    r.headers.emplace_back("Retry-After", "2");
    return r;
  });
  Cluster c(remote.base(), "20/s");
  auto& home = *c.homes[0];
  REQUIRE(home.cli("run pull", {"--payloads", weir::test::payloads(home, "pull.jsonl", 100)}).code == 0);
  if (!wait_until([&] { return remote.count() >= 30; }, std::chrono::seconds(60))) FAIL(c.logs());
  const auto at = remote.arrivals();
  // The 429 went out as the 20th request; the next one, from whichever host,
  // came after the pause (at 20/s it would have been 50 ms later).
  const double gap = std::chrono::duration<double>(at[20] - at[19]).count();
  WARN("next request " << gap << " s after the 429");
  CHECK(gap >= 1.9);
  std::vector<std::int64_t> started;
  for (const auto& h : c.homes) started.push_back(limiter_of(*h, "shop")["started_last_minute"].get<std::int64_t>());
  INFO("starts by host " << started[0] << ", " << started[1] << ", " << started[2]);
  CHECK(std::count_if(started.begin(), started.end(), [](std::int64_t s) { return s > 0; }) >= 2);
}

TEST_CASE("cluster: no database transaction stays open while a plugin call waits on its HTTP request") {
  // The shop takes 1.5 s per request: 24 calls (8 per host) are waiting on
  // it at any time, while the hosts commit, heartbeat, lease and take rate
  // budget around them.
  std::atomic<int> in_flight{0};
  Remote remote(
      [&](const weir::http::Request&) {
        ++in_flight;
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        --in_flight;
        return weir::test::ok_answer();
      },
      32);
  Cluster c(remote.base(), "100/s");
  auto& home = *c.homes[0];
  const std::string lines = weir::test::payloads(home, "pull.jsonl", 120);
  REQUIRE(home.cli("run pull", {"--payloads", lines}).code == 0);
  if (!wait_until([&] { return in_flight.load() >= 8; }, std::chrono::seconds(60))) FAIL(c.logs());
  // For 4 s: the oldest open transaction of any weir session (not this
  // one, not autovacuum's). One held across a call would be over 1 s old
  // before its call ended; weir's own commits last milliseconds.
  const std::string oldest_sql =
      "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start) * 1000), 0)::bigint "
      "FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
      "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL";
  std::int64_t oldest = 0;
  int samples = 0, calls_waiting = 0;
  const auto until = Clock::now() + std::chrono::seconds(4);
  while (Clock::now() < until) {
    const int waiting = in_flight.load();
    oldest = std::max<std::int64_t>(oldest, std::stoll(c.db.value(oldest_sql)));
    ++samples;
    calls_waiting += waiting > 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  WARN(samples << " looks at the database while calls waited on the shop (in " << calls_waiting
               << " of them a call was waiting): the oldest open transaction was " << oldest
               << " ms old");
  CHECK(calls_waiting >= samples * 9 / 10);
  CHECK(oldest < 1000);
  const std::string sessions = c.db.value(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
      "AND backend_type = 'client backend'");
  CHECK(std::stoll(sessions) >= 3 * 3);  // each host's writer, cluster and budget sessions at least
}
