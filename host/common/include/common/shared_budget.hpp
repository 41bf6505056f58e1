// SharedBudget: an application's rate budget that several hosts share, so
// that a shop limited to 5/s gets at most 5/s from the whole cluster, not
// 5/s from each host. The PostgreSQL store keeps one per application (a
// row, the database's clock: store/pg/pg_budget.cpp); a store of one host
// has none, and each AppLimiter keeps its own bucket.
//
// The budget is the same exact bucket as the local one (limiter/gcra.hpp),
// one number per application: the theoretical time of the next start. A
// take moves it on by `increment` when `next - now <= tolerance`. Every
// take is one round trip under the row's lock, with `now` read after the
// lock is held, so the starts the budget grants are spaced by the
// increment in the database's clock whichever host asks.
//
// Threads: every member from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace weir {

class SharedBudget {
 public:
  virtual ~SharedBudget() = default;

  // One start of `app`'s requests. 0: granted (counted). > 0: the
  // nanoseconds until one may start (nothing counted). < 0: the budget
  // could not be reached (the database is away): nothing is granted; ask
  // again after that many nanoseconds (negated).
  virtual std::int64_t take(const std::string& app, std::int64_t increment_ns,
                            std::int64_t tolerance_ns) = 0;

  // A Retry-After the application answered: no host starts a request of
  // `app` before `for_ns` from now. Best effort (the host that got the
  // answer pauses itself in any case).
  virtual void pause(const std::string& app, std::int64_t for_ns) = 0;
};

}  // namespace weir
