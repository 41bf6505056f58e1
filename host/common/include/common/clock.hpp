// Wall-clock milliseconds since the Unix epoch, as stored in the store.
//
// now_ms() is the real clock, for the hot paths (the pump, the store). The
// parts that decide something from "now" (the scheduler's slots, the
// webhook handler's queued count refresh) take a Clock instead, so that a
// test decides what "now" is: SystemClock in the host, ManualClock in tests.
//
// Ticker is the monotonic counterpart, in nanoseconds, for what measures
// intervals rather than dates (the limiter's token bucket): SteadyTicker in
// the host, ManualTicker in tests.
//
// Threads: now_ms()/now_ns() of every clock from any thread; the manual
// ones' set and advance from any thread too (an atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace weir {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. The real one may jump (NTP, an
  // operator), backwards too: users of it say what they do then.
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return weir::now_ms(); }
};

// The real clock, shared (it has no state).
inline const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

// A clock that says what it was told: time moves only when a test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

// Monotonic nanoseconds: never goes back, unrelated to the date.
class Ticker {
 public:
  virtual ~Ticker() = default;
  virtual std::int64_t now_ns() const = 0;
};

class SteadyTicker final : public Ticker {
 public:
  std::int64_t now_ns() const override {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

inline const Ticker& steady_ticker() {
  static const SteadyTicker ticker;
  return ticker;
}

class ManualTicker final : public Ticker {
 public:
  explicit ManualTicker(std::int64_t start_ns = 0) : now_(start_ns) {}
  std::int64_t now_ns() const override { return now_.load(); }
  void set(std::int64_t ns) { now_.store(ns); }
  void advance(std::int64_t ns) { now_.fetch_add(ns); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace weir
