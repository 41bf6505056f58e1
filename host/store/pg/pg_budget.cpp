#include "pg_budget.hpp"

#include <spdlog/spdlog.h>

namespace weir::store::pg {

Status PgBudget::ready_locked() {
  if (!connected_) {
    auto c = Conn::connect(url_, "store postgres budget");
    if (!c) return c.status();
    db_ = std::move(c).value();
    connected_ = true;
    Status st = db_.set_session("SET synchronous_commit = off");
    if (!st) return st;
  } else if (!db_.ok()) {
    Status st = db_.reset();
    if (!st) return st;
  }
  if (prepared_for_ == db_.generation()) return Status::ok();
  Status st = db_.prepare("budget_take", "SELECT weir_budget_take($1, $2, $3)");
  if (st) st = db_.prepare("budget_pause", "SELECT weir_budget_pause($1, $2)");
  if (st) prepared_for_ = db_.generation();
  return st;
}

void PgBudget::away_locked(const Status& why) {
  if (!warned_) spdlog::warn("limiter: the cluster's rate budget is out of reach, nothing starts "
                             "until it is back: {}", why.message());
  warned_ = true;
}

std::int64_t PgBudget::take(const std::string& app, std::int64_t increment_ns,
                            std::int64_t tolerance_ns) {
  std::lock_guard lock(mu_);
  Status st = ready_locked();
  if (!st) {
    away_locked(st);
    return -kAwayNs;
  }
  // Microseconds: the increment rounded up and the tolerance down, so the
  // shared bucket is never looser than the rate.
  auto r = db_.run("budget_take", Params()
                                      .text(app)
                                      .i64((increment_ns + 999) / 1000)
                                      .i64(tolerance_ns / 1000));
  if (!r) {
    away_locked(r.status());
    return -kAwayNs;
  }
  if (warned_) spdlog::info("limiter: the cluster's rate budget is back");
  warned_ = false;
  const std::int64_t wait_us = r->i64(0, 0);
  return wait_us * 1000;
}

void PgBudget::pause(const std::string& app, std::int64_t for_ns) {
  std::lock_guard lock(mu_);
  Status st = ready_locked();
  if (st) st = db_.run("budget_pause", Params().text(app).i64((for_ns + 999) / 1000)).status();
  if (!st) spdlog::warn("limiter: {}'s pause could not reach the other hosts: {}", app, st.message());
}

}  // namespace weir::store::pg
