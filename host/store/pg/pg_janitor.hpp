// PgJanitor: keeps the dead rows of queue churn in check, on a thread and a
// connection of its own.
//
// Every hop leaves dead rows behind in `messages` (the insert's row is
// updated by the lease and by note_call, then deleted), and `processes`,
// `queues` and `delayed` are updated by every commit. Autovacuum alone did
// not keep up (measured with bench_hop --soak, ~10k hop transfers/s on one
// database): with the server's defaults (a look every minute, vacuum
// throttled by its cost delay) `messages` held 3.5 million dead rows for
// 3,500 live ones after two minutes, 212,000 pages (1.7 GB), and throughput
// fell by a quarter. So the janitor looks every few seconds at the
// statistics of those tables and VACUUMs (unthrottled, SKIP_LOCKED) each
// whose dead rows passed a threshold. One host of a cluster at a time does
// it: the pass runs only while this host holds the session advisory lock
// 7735004, taken with try. Autovacuum stays on (it also freezes and
// analyzes); the per-table settings in pg_schema.cpp make it eager too.
//
// Threads: start/stop from the owner; the rest on the janitor's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.hpp"
#include "pg_conn.hpp"

namespace weir::store::pg {

class PgJanitor {
 public:
  static constexpr std::int64_t kEveryMs = 5000;
  static constexpr std::int64_t kDeadRows = 20000;  // a table with more is vacuumed

  explicit PgJanitor(std::string url) : url_(std::move(url)) {}
  ~PgJanitor() { stop(); }
  PgJanitor(const PgJanitor&) = delete;
  PgJanitor& operator=(const PgJanitor&) = delete;

  void start();
  void stop();
  // One look, and the vacuums it calls for (tests, and the thread).
  Status pass();
  std::int64_t vacuums() const { return vacuums_; }  // on the janitor's thread, or after stop

 private:
  void run();

  const std::string url_;
  Conn db_;
  bool connected_ = false;
  bool fresh_session_ = false;  // reconnect before the next pass (the last one failed)
  std::int64_t vacuums_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace weir::store::pg
