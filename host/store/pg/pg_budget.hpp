// PgBudget: the cluster's rate budget (common/shared_budget.hpp) in the
// `app_budgets` table, one row per application, on a connection of its own.
//
// Each take is one round trip: `weir_budget_take` (pg_schema.cpp) locks the
// application's row, reads the database's clock and moves the next start
// on. Asynchronous commit on this connection: a grant lost with the server
// only means the next start is allowed a little early after a crash of the
// database, which restarts no request that already started.
//
// When the database cannot be reached nothing is granted: the caller waits
// kAwayNs and asks again (the host cannot commit then either).
//
// Threads: any; one take at a time per host (mu_), which at the rates a shop
// takes (tens per second) costs nothing and keeps one connection.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "common/shared_budget.hpp"
#include "pg_conn.hpp"

namespace weir::store::pg {

class PgBudget final : public SharedBudget {
 public:
  static constexpr std::int64_t kAwayNs = 200'000'000;

  explicit PgBudget(std::string url) : url_(std::move(url)) {}
  std::int64_t take(const std::string& app, std::int64_t increment_ns,
                    std::int64_t tolerance_ns) override;
  void pause(const std::string& app, std::int64_t for_ns) override;

 private:
  Status ready_locked();
  void away_locked(const Status& why);

  const std::string url_;
  std::mutex mu_;
  Conn db_;                          // guarded by mu_
  // guarded by mu_: the session the statements are in (none yet)
  std::uint64_t prepared_for_ = UINT64_MAX;
  bool connected_ = false;           // guarded by mu_
  bool warned_ = false;              // guarded by mu_: said once per outage
};

}  // namespace weir::store::pg
