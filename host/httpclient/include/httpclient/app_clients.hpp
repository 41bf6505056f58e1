// AppClients: the host's client and limiter for each application in effect.
// A reload hands it the apps now in effect: a new app gets a client and a
// limiter (every app has one: without a rate it still caps requests in
// flight and keeps Retry-After pauses); a changed one a new client (new URL,
// auth, timeout) and its same limiter reconfigured, so what was used of its
// budget stays used; a removed one's limiter is stopped (its waiters give up). Requests already
// under way finish with the client they had (shared_ptr).
//
// Threads: every member from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "apps/app.hpp"
#include "httpclient/client.hpp"
#include "limiter/app_limiter.hpp"

namespace weir::httpclient {

class AppClients {
 public:
  ~AppClients();
  // The cluster's rate budget (PostgreSQL store), before the first update;
  // null (the default): each limiter keeps its own bucket.
  void share_budget(std::shared_ptr<SharedBudget> shared);
  void update(const std::vector<apps::App>& in_effect);
  // Null when no such app is in effect.
  std::shared_ptr<AppClient> client(const std::string& app) const;
  // Each app's limiter figures.
  std::vector<limiter::LimiterView> limiters() const;
  // Each app's request counters since the start (/metrics), by name.
  std::vector<AppFigures> figures() const;
  void stop();  // every limiter: waiters give up

  // `weir apps check`: the app type's cheap authenticated request (for
  // `http`: GET settings.check_path, default the base_url itself).
  struct Check {
    bool ok = false;
    int status = 0;
    std::int64_t ms = 0;
    std::string url;    // redacted
    std::string error;  // the remote's own words, or why nothing was sent
  };
  // Waits at most kCheckBudgetWaitMs for the app's limiter, then up to the
  // app's timeout for the answer.
  Check check(const std::string& app) const;
  static constexpr std::int64_t kCheckBudgetWaitMs = 10'000;

 private:
  struct Entry {
    std::shared_ptr<AppClient> client;
    std::shared_ptr<limiter::AppLimiter> limiter;
    std::shared_ptr<AppCounters> counters;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> apps_;      // guarded by mu_
  std::shared_ptr<SharedBudget> shared_;  // guarded by mu_
};

}  // namespace weir::httpclient
