// AppLimiter: one application's budget, shared by every node and topology
// of the host that talks to it. Three things hold a request back:
//  - the rate: an exact token bucket (gcra.hpp): in no window of any length
//    T do more than rate x T + burst requests start;
//  - the application's own word: an overload answer (429, 503, 508) lowers
//    the rate for a while (adaptive.hpp), and a Retry-After pauses every
//    request of the application until then, not only the one that got it;
//  - concurrency: at most that many requests in flight (a Permit each).
// Waiters are served in the order they came (a ticket each), so a busy node
// cannot starve another node of the same application.
//
// Time comes from a Ticker (common/clock.hpp): try_start() decides at the
// ticker's now and never blocks, so tests drive it with a ManualTicker;
// acquire() is the blocking form the HTTP client uses.
//
// With a SharedBudget (several hosts on one PostgreSQL store), the rate is
// the cluster's: the bucket is the shared one, asked by the caller whose
// turn it is outside the mutex (one round trip), with the adaptive rate's
// interval as its increment and the configured burst as its tolerance, so
// a host slowed by overload answers only takes less. A Retry-After pauses
// the application on every host. Concurrency stays per host.
//
// Threads: every member from any thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/clock.hpp"
#include "common/shared_budget.hpp"
#include "limiter/rate.hpp"

namespace weir::limiter {

class Gcra;
class AdaptiveRate;
class AppLimiter;

// One request's place in flight; releases it when destroyed.
class Permit {
 public:
  Permit() = default;
  Permit(AppLimiter* owner, std::int64_t granted_ns) : owner_(owner), granted_ns_(granted_ns) {}
  Permit(Permit&& o) noexcept : owner_(o.owner_), granted_ns_(o.granted_ns_) { o.owner_ = nullptr; }
  Permit& operator=(Permit&& o) noexcept;
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;
  ~Permit() { release(); }
  void release();
  // The ticker's time at which the limiter let it start: the times the
  // promise is about (the caller resumes a little later).
  std::int64_t granted_ns() const { return granted_ns_; }

 private:
  AppLimiter* owner_ = nullptr;
  std::int64_t granted_ns_ = 0;
};

// What `weir limiter` shows of one application.
struct LimiterView {
  std::string app;
  Rate configured;
  double current_per_second = 0;  // configured, or lower after overload answers
  std::int64_t tokens = 0;        // requests that could start now (-1: no rate, no bucket)
  std::int64_t in_flight = 0;
  int concurrency = 0;
  std::int64_t waiting = 0;  // callers in acquire()
  std::int64_t started_last_minute = 0;
  std::int64_t overloads_last_minute = 0;  // 429 / 503 / 508 answers
  std::int64_t paused_for_ms = 0;          // Retry-After still to run (0: not paused)
  std::int64_t waited_ns_total = 0;        // time callers spent in acquire()
  bool shared = false;                     // the rate is the cluster's (tokens then -1)
};

struct Attempt {
  bool started = false;      // counted: a rate token and a concurrency slot are taken
  std::int64_t wait_ns = 0;  // else: how long until the rate allows one;
                             // -1: only the concurrency cap holds it (wait for a release)
};

class AppLimiter {
 public:
  // concurrency 0: no cap. `shared`: the cluster's budget, or null.
  AppLimiter(std::string app, Rate rate, int concurrency, const Ticker& ticker = steady_ticker(),
             std::shared_ptr<SharedBudget> shared = nullptr);
  ~AppLimiter();
  AppLimiter(const AppLimiter&) = delete;
  AppLimiter& operator=(const AppLimiter&) = delete;

  // Starts a request at the ticker's now if rate, pause and concurrency let
  // it, taking a slot that release() gives back. Ignores the queue of
  // acquire() callers: for tests and for callers that do their own waiting.
  Attempt try_start();
  void release();

  // Waits its turn until a request may start, then returns its Permit.
  // Nullopt when `give_up_ns` (ticker time) comes first, or on stop().
  std::optional<Permit> acquire(std::int64_t give_up_ns);

  // The answer a request got: 429, 503 and 508 are overload answers.
  // `retry_after_ns` > 0: nothing of this application starts before then.
  void answered(int status, std::int64_t retry_after_ns = 0);

  // After a reload of the application's file: what was used stays used.
  void configure(Rate rate, int concurrency);
  // Wakes every waiter; acquire() returns nullopt from now on.
  void stop();

  LimiterView view() const;

 private:
  Attempt try_start_locked(std::int64_t now);
  // The shared budget's terms at `now`: {increment, tolerance}.
  std::pair<std::int64_t, std::int64_t> shared_terms_locked(std::int64_t now) const;
  void count_start_locked(std::int64_t now);
  // The next ticket is served, skipping those whose callers gave up.
  void advance_serving();
  // Wakes the caller whose turn it is (only that one: the others have
  // nothing to decide until their turn, and waking all of them on every
  // start cost more CPU than the request).
  void wake_head();
  void count_second(std::int64_t now, bool overload);

  const std::string app_;
  const Ticker& ticker_;
  const std::shared_ptr<SharedBudget> shared_;
  mutable std::mutex mu_;
  Rate rate_;                               // guarded by mu_
  int concurrency_ = 0;                     // guarded by mu_
  std::unique_ptr<Gcra> bucket_;            // guarded by mu_
  std::unique_ptr<AdaptiveRate> adaptive_;  // guarded by mu_
  std::int64_t in_flight_ = 0;              // guarded by mu_
  std::int64_t paused_until_ = 0;           // guarded by mu_ (ticker ns; 0: never paused)
  std::uint64_t next_ticket_ = 0;           // guarded by mu_
  std::uint64_t serving_ = 0;               // guarded by mu_
  std::set<std::uint64_t> abandoned_;       // guarded by mu_: tickets given up before their turn
  std::map<std::uint64_t, std::condition_variable*> waiters_;  // guarded by mu_: by ticket
  bool stopped_ = false;                                       // guarded by mu_
  std::int64_t waited_ns_ = 0;                                 // guarded by mu_
  // Starts and overload answers per second of the last minute (ring by second).
  struct Second {
    std::int64_t second = -1;
    std::int64_t started = 0;
    std::int64_t overloads = 0;
  };
  mutable std::array<Second, 60> seconds_{};  // guarded by mu_
};

}  // namespace weir::limiter
