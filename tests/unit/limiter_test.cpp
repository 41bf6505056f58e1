// The limiter (host/limiter/): the rate syntax, the exact token bucket, the
// adaptive rate and one application's budget, at times a ManualTicker sets,
// so every figure is exact; acquire()'s waiting on the real clock.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "limiter/adaptive.hpp"
#include "limiter/app_limiter.hpp"
#include "limiter/gcra.hpp"
#include "limiter/rate.hpp"
#include "limiter/window_check.hpp"

using namespace weir;
using namespace weir::limiter;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000 * kMs;

Rate rate_of(const char* text, std::int64_t burst = 1) {
  std::string error;
  auto r = parse_rate(text, &error);
  INFO(error);
  REQUIRE(r.has_value());
  r->burst = burst;
  return *r;
}

}  // namespace

TEST_CASE("rates are written as count/unit or count/duration") {
  CHECK(rate_of("5/s").interval_ns() == 200 * kMs);
  CHECK(rate_of("300/min").interval_ns() == 200 * kMs);
  CHECK(rate_of("1/2s").interval_ns() == 2 * kSec);
  CHECK(rate_of("10/500ms").interval_ns() == 50 * kMs);
  CHECK(rate_of("2/h").interval_ns() == 1800 * kSec);
  CHECK(rate_of("3/s").interval_ns() == 333'333'334);  // rounded up: stricter, never looser
  CHECK(format_rate(rate_of("300/min")) == "300/min");
  CHECK(format_rate(rate_of("1/2s")) == "1/2s");
  for (const char* bad : {"5", "0/s", "-1/s", "5/fortnight", "5/", "/s", "1.5/s", "5/2d"}) {
    std::string error;
    CHECK_FALSE(parse_rate(bad, &error).has_value());
    CHECK_THAT(error, Catch::Contains(bad));
  }
}

TEST_CASE("the token bucket starts full, then lets one request per interval") {
  Gcra b(200 * kMs, 3);
  CHECK(b.tokens(0) == 3);
  CHECK(b.take(0) == 0);
  CHECK(b.take(0) == 0);
  CHECK(b.take(0) == 0);
  CHECK(b.take(0) == 200 * kMs);  // empty: the next token in one interval
  CHECK(b.tokens(0) == 0);
  CHECK(b.take(150 * kMs) == 50 * kMs);
  CHECK(b.take(200 * kMs) == 0);
  CHECK(b.take(200 * kMs) == 200 * kMs);
  CHECK(b.tokens(10 * kSec) == 3);  // a quiet spell fills it, no more than full
}

TEST_CASE("no window of any length holds more than rate x T + burst, however requests come") {
  std::mt19937_64 random(42);
  for (const char* text : {"5/s", "50/s", "500/s", "3/s", "7/2s"}) {
    for (std::int64_t burst : {1, 4}) {
      const Rate r = rate_of(text, burst);
      Gcra b(r.interval_ns(), r.burst);
      std::vector<std::int64_t> starts;
      std::int64_t now = 0;
      // Callers asking at random moments, often far more than the rate.
      std::uniform_int_distribution<std::int64_t> gap(0, r.interval_ns() / 3);
      while (now < 20 * kSec) {
        now += gap(random);
        if (b.take(now) == 0) starts.push_back(now);
      }
      INFO(text << " burst " << burst);
      CHECK(worst_window_excess(starts, r) <= 0);
    }
  }
}

TEST_CASE("callers that come back when told start nearly every request the rate allows") {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> late(0,
                                                   20'000);  // up to 20 us late, as a woken thread
  for (const char* text : {"5/s", "50/s", "500/s"}) {
    const Rate r = rate_of(text);
    Gcra b(r.interval_ns(), r.burst);
    std::vector<std::int64_t> starts;
    std::int64_t now = 0;
    while (now < 20 * kSec) {
      const std::int64_t wait = b.take(now);
      if (wait == 0) starts.push_back(now);
      now += wait + late(random);
    }
    INFO(text);
    CHECK(worst_window_excess(starts, r) <= 0);
    CHECK(double(starts.size()) >= 0.99 * (r.per_second() * 20.0 + 1));
  }
}

TEST_CASE("the window check catches a start too many, by a nanosecond") {
  const Rate r = rate_of("5/s");
  std::vector<std::int64_t> even;
  for (int i = 0; i < 10; ++i) even.push_back(i * 200 * kMs);
  CHECK(worst_window_excess(even, r) <= 0);
  even.insert(even.begin() + 5, 900 * kMs);  // two starts 100 ms apart
  CHECK(worst_window_excess(even, r) == 1);
  std::vector<std::int64_t> close = {0, 200 * kMs - 1};  // one nanosecond early is too early
  CHECK(worst_window_excess(close, r) == 1);
  close.back() = 200 * kMs;
  CHECK(worst_window_excess(close, r) == 0);
  CHECK(busiest_window(even, kSec) == 6);  // 0..800 and the extra 900, within [0, 1 s)
  CHECK(busiest_window({0, kSec, 2 * kSec}, kSec) == 1);  // half-open windows
}

TEST_CASE("overload answers halve the rate at most once a second, down to a sixteenth") {
  constexpr std::int64_t kFull = AdaptiveRate::kFull;
  AdaptiveRate a;
  CHECK(a.level(0) == kFull);
  CHECK(a.overloaded(1 * kSec));
  CHECK(a.level(1 * kSec) == kFull / 2);
  CHECK_FALSE(a.overloaded(1 * kSec + 500 * kMs));  // the same burst of answers
  CHECK(a.level(1 * kSec + 500 * kMs) == kFull / 2);
  for (int i = 2; i < 10; ++i) a.overloaded(i * kSec);
  CHECK(a.level(10 * kSec) == kFull / 16);
  CHECK(a.interval_ns(200 * kMs, 10 * kSec) == 16 * 200 * kMs);
}

TEST_CASE(
    "the rate climbs back a tenth a second after ten quiet seconds, never above the configured") {
  constexpr std::int64_t kFull = AdaptiveRate::kFull;
  constexpr std::int64_t kTenth = kFull / 10;
  AdaptiveRate a;
  a.overloaded(0);
  CHECK(a.level(10 * kSec) == kFull / 2);
  CHECK(a.level(10 * kSec + 999 * kMs) == kFull / 2);
  CHECK(a.level(11 * kSec) == kFull / 2 + kTenth);
  CHECK(a.level(13 * kSec + 500 * kMs) == kFull / 2 + 3 * kTenth);
  // At 14 s it has climbed a fourth tenth; the overload halves that, and
  // the quiet starts again.
  a.overloaded(14 * kSec);
  CHECK(a.level(14 * kSec) == (kFull / 2 + 4 * kTenth) / 2);
  CHECK(a.level(24 * kSec) == (kFull / 2 + 4 * kTenth) / 2);
  CHECK(a.level(25 * kSec) == (kFull / 2 + 4 * kTenth) / 2 + kTenth);
  CHECK(a.level(100 * kSec) == kFull);
}

TEST_CASE("an application's budget: the concurrency cap takes no rate token") {
  ManualTicker t(0);
  AppLimiter app("shop", rate_of("5/s", 2), 1, t);
  const Attempt first = app.try_start();
  CHECK(first.started);
  const Attempt capped = app.try_start();
  CHECK_FALSE(capped.started);
  CHECK(capped.wait_ns == -1);  // only the cap holds it
  app.release();
  CHECK(app.try_start().started);  // the burst's second token was still there
  app.release();
  const Attempt rated = app.try_start();
  CHECK_FALSE(rated.started);
  CHECK(rated.wait_ns == 200 * kMs);
}

TEST_CASE("Retry-After pauses every request of the application, and overloads slow it") {
  ManualTicker t(100 * kSec);
  AppLimiter app("shop", rate_of("10/s"), 0, t);
  REQUIRE(app.try_start().started);
  app.release();
  app.answered(429, 3 * kSec);
  app.answered(503);  // the same moment's answers halve it once
  const Attempt paused = app.try_start();
  CHECK_FALSE(paused.started);
  CHECK(paused.wait_ns == 3 * kSec);
  LimiterView v = app.view();
  CHECK(v.paused_for_ms == 3000);
  CHECK(v.overloads_last_minute == 2);
  CHECK(v.current_per_second == Approx(5.0));
  t.advance(3 * kSec);
  CHECK(app.try_start().started);  // the pause is over
  app.release();
  const Attempt next = app.try_start();
  CHECK_FALSE(next.started);
  CHECK(next.wait_ns == 200 * kMs);  // at the halved rate
  app.answered(200);
  v = app.view();
  CHECK(v.current_per_second == Approx(5.0));
  CHECK(v.started_last_minute == 2);
  CHECK(v.overloads_last_minute == 2);
  t.advance(61 * kSec);
  CHECK(app.view().started_last_minute == 0);  // a minute later, forgotten
}

TEST_CASE("reconfiguring keeps what was used and applies the new rate at once") {
  ManualTicker t(0);
  AppLimiter app("shop", rate_of("1/s"), 0, t);
  REQUIRE(app.try_start().started);
  CHECK(app.try_start().wait_ns == 1 * kSec);
  app.configure(rate_of("10/s"), 0);
  // What was used stays used, counted in the new rate: the one request
  // made is one interval of 10/s ahead.
  CHECK(app.try_start().wait_ns == 100 * kMs);
  t.advance(100 * kMs);
  CHECK(app.try_start().started);
  app.release();
  CHECK(app.try_start().wait_ns == 100 * kMs);
}

TEST_CASE("acquire waits on the real clock, in order, and gives up or stops cleanly") {
  AppLimiter app("shop", rate_of("20/s"), 0);
  const std::int64_t now = steady_ticker().now_ns();
  REQUIRE(app.acquire(now + 1 * kSec).has_value());  // the full bucket's token
  {
    AppLimiter slow("erp", rate_of("1/10s"), 0);
    REQUIRE(slow.try_start().started);
    CHECK_FALSE(slow.acquire(steady_ticker().now_ns()).has_value());  // the deadline has passed
  }
  // Four callers at once: one every 50 ms (the times are taken after each
  // wakes, so only the span is checked; the spacing is exact above).
  std::vector<std::int64_t> started(4, 0);
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      auto p = app.acquire(steady_ticker().now_ns() + 5 * kSec);
      if (p) started[static_cast<std::size_t>(i)] = steady_ticker().now_ns();
    });
  }
  for (auto& c : callers) c.join();
  std::sort(started.begin(), started.end());
  REQUIRE(started.front() > 0);
  CHECK(started.back() - started.front() >= 3 * 50 * kMs - 10 * kMs);
  CHECK(app.view().waiting == 0);
  // A caller that gives up does not hold the ones behind it: the patient
  // one, queued after it, is served once the next token comes.
  AppLimiter paced("erp", rate_of("1/100ms"), 0);
  REQUIRE(paced.try_start().started);
  std::thread impatient([&] { CHECK_FALSE(paced.acquire(steady_ticker().now_ns() + 20 * kMs)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // queued second (not a check)
  std::optional<Permit> served;
  std::thread patient([&] { served = paced.acquire(steady_ticker().now_ns() + 5 * kSec); });
  impatient.join();
  patient.join();
  CHECK(served.has_value());
  paced.stop();  // and after stop nobody is served
  CHECK_FALSE(paced.acquire(steady_ticker().now_ns() + kSec).has_value());
}

TEST_CASE("an overload answer with a burst does not hand out tokens already spent") {
  ManualTicker t(0);
  AppLimiter app("shop", rate_of("10/s", 5), 0, t);
  for (int i = 0; i < 5; ++i) REQUIRE(app.try_start().started);
  for (int i = 0; i < 5; ++i) app.release();
  app.answered(429);  // the rate halves: the five spent stay spent
  CHECK_FALSE(app.try_start().started);
  // And with overloads coming at random, the configured promise still holds.
  std::mt19937_64 random(11);
  AppLimiter busy("erp", rate_of("20/s", 4), 0, t);
  std::vector<std::int64_t> starts;
  for (int step = 0; step < 20000; ++step) {
    t.advance(std::uniform_int_distribution<std::int64_t>(0, 20 * kMs)(random));
    if (busy.try_start().started) {
      starts.push_back(t.now_ns());
      busy.release();
    }
    if (random() % 50 == 0) busy.answered(503);
  }
  CHECK(worst_window_excess(starts, rate_of("20/s", 4)) <= 0);
}

TEST_CASE("a Retry-After far in the future pauses long and never wraps around") {
  ManualTicker t(5 * kSec);
  AppLimiter app("shop", rate_of("10/s"), 0, t);
  app.answered(503, INT64_MAX);
  const Attempt a = app.try_start();
  CHECK_FALSE(a.started);
  CHECK(a.wait_ns > 1000 * kSec);
}

TEST_CASE("an app without a rate: no bucket, yet the concurrency cap and Retry-After still hold") {
  ManualTicker t(0);
  AppLimiter app("erp", Rate::unlimited(), 2, t);
  CHECK(app.try_start().started);
  CHECK(app.try_start().started);  // as fast as asked ...
  CHECK(app.try_start().wait_ns == -1);  // ... up to the cap
  app.release();
  app.release();
  app.answered(503, 2 * kSec);
  CHECK(app.try_start().wait_ns == 2 * kSec);
  t.advance(2 * kSec);
  CHECK(app.try_start().started);
  CHECK(app.view().tokens == -1);
  CHECK(format_rate(Rate::unlimited()) == "none");
}
