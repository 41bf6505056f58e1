// AppCounters: what an application's requests did since the host started,
// for /metrics (weir_app_* families): requests by status class, how long
// they took, throttled answers, and the time calls waited for the
// application's limiter. One per application, kept across reloads of its
// file (AppClients), written by every request through it.
//
// Threads: any; every field is an atomic, read without a lock by scrapes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace weir::httpclient {

struct AppCounters {
  // Answers by class: [0] no answer (timeout, refused connection),
  // [1]..[5] 1xx..5xx, [6] not sent (no budget in time, host stopping).
  static constexpr std::array<const char*, 7> kClasses = {"none", "1xx", "2xx", "3xx",
                                                          "4xx",  "5xx", "not_sent"};
  // Request durations, seconds (a Prometheus histogram's upper bounds).
  static constexpr std::array<double, 10> kBounds = {0.01, 0.05, 0.1, 0.25, 0.5,
                                                     1,    2.5,  5,   10,   30};

  std::array<std::atomic<std::uint64_t>, kClasses.size()> by_class{};
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};  // the last: +Inf
  std::atomic<std::uint64_t> duration_count{0};
  std::atomic<std::uint64_t> duration_sum_us{0};
  std::atomic<std::uint64_t> throttled{0};  // 429, 503, 508
  std::atomic<std::uint64_t> limiter_waits{0};
  std::atomic<std::uint64_t> limiter_wait_ns{0};

  static std::size_t class_of(int status, bool sent) {
    if (!sent) return 6;
    if (status < 100 || status > 599) return 0;
    return static_cast<std::size_t>(status / 100);
  }
  void answered(int status, bool sent, std::int64_t duration_ms) {
    by_class[class_of(status, sent)].fetch_add(1, std::memory_order_relaxed);
    if (status == 429 || status == 503 || status == 508) {
      throttled.fetch_add(1, std::memory_order_relaxed);
    }
    if (!sent) return;
    std::size_t i = 0;
    const double seconds = static_cast<double>(duration_ms) / 1000;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    duration_count.fetch_add(1, std::memory_order_relaxed);
    duration_sum_us.fetch_add(static_cast<std::uint64_t>(duration_ms > 0 ? duration_ms : 0) * 1000,
                              std::memory_order_relaxed);
  }
  void waited(std::int64_t ns) {
    limiter_waits.fetch_add(1, std::memory_order_relaxed);
    limiter_wait_ns.fetch_add(static_cast<std::uint64_t>(ns > 0 ? ns : 0),
                              std::memory_order_relaxed);
  }
};

// A copy of one application's counters, for a scrape.
struct AppFigures {
  std::string app;
  std::array<std::uint64_t, AppCounters::kClasses.size()> by_class{};
  std::array<std::uint64_t, AppCounters::kBounds.size() + 1> buckets{};  // not cumulative
  std::uint64_t duration_count = 0;
  std::uint64_t duration_sum_us = 0;
  std::uint64_t throttled = 0;
  std::uint64_t limiter_waits = 0;
  std::uint64_t limiter_wait_ns = 0;
};

inline AppFigures figures_of(const std::string& app, const AppCounters& c) {
  AppFigures f;
  f.app = app;
  for (std::size_t i = 0; i < f.by_class.size(); ++i) f.by_class[i] = c.by_class[i].load();
  for (std::size_t i = 0; i < f.buckets.size(); ++i) f.buckets[i] = c.buckets[i].load();
  f.duration_count = c.duration_count.load();
  f.duration_sum_us = c.duration_sum_us.load();
  f.throttled = c.throttled.load();
  f.limiter_waits = c.limiter_waits.load();
  f.limiter_wait_ns = c.limiter_wait_ns.load();
  return f;
}

}  // namespace weir::httpclient
