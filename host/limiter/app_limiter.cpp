#include "limiter/app_limiter.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <climits>

#include "adaptive.hpp"
#include "gcra.hpp"

namespace weir::limiter {
namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;

bool is_overload(int status) { return status == 429 || status == 503 || status == 508; }

// try_start_locked's answer when only the shared budget is left to ask.
constexpr std::int64_t kAskShared = INT64_MIN;

// A waiting thread is woken up to the kernel's timer slack late (50 us by
// default); at 500/s with a burst of 1 that lateness is a few percent of the
// budget, lost for good (a late start cannot be made up without breaking
// the window promise). 1 us of slack on threads that wait here; they are
// the host's own (workers, the HTTP client's), so nothing else is touched.
void tighten_timer_slack() {
  thread_local bool done = false;
  if (!done) {
    ::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    done = true;
  }
}

}  // namespace

Permit& Permit::operator=(Permit&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    granted_ns_ = o.granted_ns_;
    o.owner_ = nullptr;
  }
  return *this;
}

void Permit::release() {
  if (owner_) owner_->release();
  owner_ = nullptr;
}

AppLimiter::AppLimiter(std::string app, Rate rate, int concurrency, const Ticker& ticker,
                       std::shared_ptr<SharedBudget> shared)
    : app_(std::move(app)),
      ticker_(ticker),
      shared_(std::move(shared)),
      rate_(rate),
      concurrency_(concurrency),
      bucket_(std::make_unique<Gcra>(rate.interval_ns(), rate.burst)),
      adaptive_(std::make_unique<AdaptiveRate>()) {}

AppLimiter::~AppLimiter() = default;

Attempt AppLimiter::try_start() {
  std::lock_guard lock(mu_);
  const std::int64_t now = ticker_.now_ns();
  Attempt a = try_start_locked(now);
  if (a.wait_ns != kAskShared) return a;
  // Not the hot path (tests, callers that wait themselves): asked under the lock.
  const auto [increment, tolerance] = shared_terms_locked(now);
  const std::int64_t wait = shared_->take(app_, increment, tolerance);
  if (wait != 0) return {false, wait > 0 ? wait : -wait};
  count_start_locked(now);
  return {true, 0};
}

Attempt AppLimiter::try_start_locked(std::int64_t now) {
  if (paused_until_ > now) return {false, paused_until_ - now};
  // The cap first: a request held by it must not use up a rate token.
  if (concurrency_ > 0 && in_flight_ >= concurrency_) return {false, -1};
  if (!rate_.is_unlimited()) {
    if (shared_) return {false, kAskShared};
    bucket_->set(adaptive_->interval_ns(rate_.interval_ns(), now), rate_.burst, now);
    if (const std::int64_t wait = bucket_->take(now); wait > 0) return {false, wait};
  }
  count_start_locked(now);
  return {true, 0};
}

void AppLimiter::count_start_locked(std::int64_t now) {
  ++in_flight_;
  count_second(now, false);
}

std::pair<std::int64_t, std::int64_t> AppLimiter::shared_terms_locked(std::int64_t now) const {
  const std::int64_t interval = rate_.interval_ns();
  // The burst's tolerance in the configured interval: a host whose adaptive
  // rate is lower moves the shared time on further, never tolerates more.
  const std::int64_t burst = std::max<std::int64_t>(rate_.burst, 1);
  const std::int64_t tolerance =
      static_cast<std::int64_t>(std::min<__int128>(__int128(burst - 1) * interval, INT64_MAX / 4));
  return {adaptive_->interval_ns(interval, now), tolerance};
}

void AppLimiter::release() {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  wake_head();
}

void AppLimiter::advance_serving() {
  ++serving_;
  while (abandoned_.erase(serving_) > 0) ++serving_;
}

void AppLimiter::wake_head() {
  if (auto w = waiters_.find(serving_); w != waiters_.end()) w->second->notify_one();
}

std::optional<Permit> AppLimiter::acquire(std::int64_t give_up_ns) {
  tighten_timer_slack();
  std::unique_lock lock(mu_);
  const std::uint64_t ticket = next_ticket_++;
  std::condition_variable turn;
  waiters_[ticket] = &turn;
  const std::int64_t began = ticker_.now_ns();
  auto leave = [&](std::int64_t now) {
    waiters_.erase(ticket);
    waited_ns_ += now - began;
    if (ticket == serving_) {
      advance_serving();
      wake_head();  // the next in line may be free to go
    } else {
      abandoned_.insert(ticket);
    }
  };
  for (;;) {
    std::int64_t now = ticker_.now_ns();
    if (stopped_) {
      leave(now);
      return std::nullopt;
    }
    std::int64_t wait = -1;  // not our turn, or the cap: until something changes
    if (ticket == serving_) {
      Attempt a = try_start_locked(now);
      if (a.wait_ns == kAskShared) {
        // The cluster's budget, one round trip, asked without the mutex:
        // only the head of the line asks, and the slot it may take is held
        // meanwhile so a release cannot let another past the cap.
        const auto [increment, tolerance] = shared_terms_locked(now);
        ++in_flight_;
        lock.unlock();
        const std::int64_t shared_wait = shared_->take(app_, increment, tolerance);
        lock.lock();
        --in_flight_;
        now = ticker_.now_ns();
        if (shared_wait == 0) {
          count_start_locked(now);
          leave(now);
          return Permit(this, now);
        }
        a.wait_ns = shared_wait > 0 ? shared_wait : -shared_wait;
      }
      if (a.started) {
        leave(now);
        return Permit(this, now);
      }
      wait = a.wait_ns;
    }
    if (now >= give_up_ns) {
      leave(now);
      return std::nullopt;
    }
    const std::int64_t until = wait < 0 ? give_up_ns - now : std::min(wait, give_up_ns - now);
    // Woken early when it becomes our turn, or, as the head, by a release,
    // an answer, a reconfiguration or stop; the loop decides again.
    turn.wait_for(lock, std::chrono::nanoseconds(until));
  }
}

void AppLimiter::answered(int status, std::int64_t retry_after_ns) {
  // The whole cluster pauses, not only this host (outside the mutex: a round trip).
  if (shared_ && retry_after_ns > 0) shared_->pause(app_, retry_after_ns);
  {
    std::lock_guard lock(mu_);
    const std::int64_t now = ticker_.now_ns();
    if (is_overload(status)) {
      adaptive_->overloaded(now);
      count_second(now, true);
    }
    if (retry_after_ns > 0) {  // saturating: a huge Retry-After pauses long, never wraps
      const std::int64_t until =
          retry_after_ns > INT64_MAX / 2 - now ? INT64_MAX / 2 : now + retry_after_ns;
      paused_until_ = std::max(paused_until_, until);
    }
  }
  // Nothing to wake: a pause or a lower rate only makes the head wait
  // longer, which it finds out when its timed wait ends.
}

void AppLimiter::configure(Rate rate, int concurrency) {
  std::lock_guard lock(mu_);
  rate_ = rate;
  concurrency_ = concurrency;
  wake_head();  // a higher rate or cap may let it go sooner
}

void AppLimiter::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [ticket, turn] : waiters_) turn->notify_one();
}

void AppLimiter::count_second(std::int64_t now, bool overload) {
  const std::int64_t second = now / kSecondNs;
  Second& s = seconds_[static_cast<std::size_t>(second % 60)];
  if (s.second != second) s = Second{second, 0, 0};
  if (overload)
    ++s.overloads;
  else
    ++s.started;
}

LimiterView AppLimiter::view() const {
  std::lock_guard lock(mu_);
  const std::int64_t now = ticker_.now_ns();
  LimiterView v;
  v.app = app_;
  v.configured = rate_;
  v.current_per_second =
      rate_.per_second() * double(adaptive_->level(now)) / double(AdaptiveRate::kFull);
  v.shared = shared_ && !rate_.is_unlimited();
  v.tokens = rate_.is_unlimited() || v.shared ? -1 : bucket_->tokens(now);  // -1: no bucket here
  v.in_flight = in_flight_;
  v.concurrency = concurrency_;
  v.waiting = static_cast<std::int64_t>(next_ticket_ - serving_ - abandoned_.size());
  const std::int64_t second = now / kSecondNs;
  for (const Second& s : seconds_) {
    if (s.second > second - 60 && s.second <= second) {
      v.started_last_minute += s.started;
      v.overloads_last_minute += s.overloads;
    }
  }
  v.paused_for_ms = paused_until_ > now ? (paused_until_ - now + 999'999) / 1'000'000 : 0;
  v.waited_ns_total = waited_ns_;
  return v;
}

}  // namespace weir::limiter
