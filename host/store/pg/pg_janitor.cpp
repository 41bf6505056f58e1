#include "pg_janitor.hpp"

#include <pthread.h>

#include <chrono>
#include <vector>

#include <spdlog/spdlog.h>

namespace weir::store::pg {

void PgJanitor::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-pg-vacuum");
    run();
  });
}

void PgJanitor::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PgJanitor::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(kEveryMs), [&] { return stopping_; })) {
        return;
      }
    }
    Status st = pass();
    if (!st) spdlog::warn("store: vacuuming the queue tables: {}", st.message());
    // libpq may call a connection whose server went away fine until a
    // statement finds out: after any failure the next pass starts afresh.
    fresh_session_ = !st;
  }
}

Status PgJanitor::pass() {
  if (!connected_) {
    auto c = Conn::connect(url_, "store postgres vacuum");
    if (!c) return c.status();
    db_ = std::move(c).value();
    connected_ = true;
  } else if (!db_.ok() || fresh_session_) {
    Status st = db_.reset();
    if (!st) return st;
  }
  auto mine = db_.query("SELECT pg_try_advisory_lock(7735004)::int::bigint");
  if (!mine) return mine.status();
  if (mine->i64(0, 0) == 0) return Status::ok();  // another host does it now
  auto dead = db_.query(
      "SELECT relname::text FROM pg_stat_user_tables WHERE relname IN "
      "('messages', 'delayed', 'queues', 'processes', 'app_budgets', 'hosts') AND n_dead_tup > $1",
      Params().i64(kDeadRows));
  Status st = dead.status();
  std::vector<std::string> tables;
  for (int i = 0; st && i < dead->size(); ++i) tables.push_back(dead->text(i, 0));
  for (const std::string& t : tables) {
    if (!st) break;
    // Not in a transaction (VACUUM refuses one); a table another vacuum
    // holds is skipped, not waited for.
    st = db_.exec("VACUUM (SKIP_LOCKED) " + t);
    if (st) ++vacuums_;
  }
  (void)db_.query("SELECT pg_advisory_unlock(7735004)");
  return st;
}

}  // namespace weir::store::pg
