// A host's life in a cluster of hosts sharing one PostgreSQL database, on
// the store's cluster thread and its own connection:
//  - Heartbeat, every lease/3: the host's row and the expiry of every lease
//    it holds move to the database's now + lease. A host that stops (killed,
//    its machine gone, paused past its lease) stops renewing.
//  - Taking over, every lease/3: leases of other hosts whose expiry passed
//    are ready again; those a call had started count an attempt and a crash,
//    as when a host takes back its own at start. So a dead host's messages
//    move on within lease + lease/3 of its last heartbeat. A host that was
//    only paused finds, when it wakes, that the acks of what was taken do
//    not match their fence: its late commit changes nothing of them.
//  - Notifications: a commit that put messages into queues NOTIFYs the
//    queues' ids on channel weir_queues (only while another host runs: the
//    heartbeat query says so); this thread LISTENs and hands other hosts'
//    queues to the engine (watch_queues), which leases from them again.
//    Every queue is handed over once a beat too: a notification can be lost
//    (a reconnect, a commit that failed and was retried).
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "pg_store.hpp"

namespace weir::store::pg {

void PgStore::watch_queues(std::function<void(const std::vector<QueueId>&)> ready) {
  std::lock_guard lock(ready_mu_);  // a delivery under way finishes first
  ready_ = std::move(ready);
}

void PgStore::deliver(const std::vector<QueueId>& queues) {
  if (queues.empty()) return;
  std::lock_guard lock(ready_mu_);
  if (ready_) ready_(queues);
}

void PgStore::start_cluster_thread() {
  cluster_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-pg-hosts");
    cluster_loop();
  });
}

void PgStore::stop_cluster_thread() {
  {
    std::lock_guard lock(cluster_mu_);
    cluster_stop_ = true;
  }
  cluster_cv_.notify_all();
  if (cluster_thread_.joinable()) cluster_thread_.join();
}

Status PgStore::listen() {
  if (!cluster_.ok()) {
    Status st = cluster_.reset();
    if (!st) return st;
  }
  return cluster_.exec("LISTEN weir_queues");
}

std::int64_t boot_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

bool PgStore::leases_held() const { return boot_ms() < held_until_ms_.load(); }

// A renewal that came back after the leases stopped being surely ours opens
// a gap; the first renewal that makes them ours again closes it and counts
// a lapse (a renewal sent before the gap and answered after it proves
// nothing about now, so it cannot close it).
void PgStore::leases_renewed(std::int64_t sent_ms) {
  const std::int64_t was = held_until_ms_.load();
  const std::int64_t done = boot_ms();
  const std::int64_t until = sent_ms + options_.lease_ms * 3 / 4;
  if (was > 0 && done >= was) {
    if (!lease_gap_) gap_began_ms_ = was;
    lease_gap_ = true;
  }
  held_until_ms_.store(until);
  if (lease_gap_ && done < until) {
    lease_gap_ = false;
    lapses_.fetch_add(1);
    spdlog::warn("store: this host renewed its leases {} ms after they were last surely its own; "
                 "it gives back what it holds and leases again (calls already running finish, "
                 "and their results are dropped where another host took the message over)",
                 done - gap_began_ms_);
  }
}

// The host's row and the expiry of its leases, from the database's clock;
// whether another host has heartbeat within a lease.
Status PgStore::heartbeat() {
  const std::int64_t sent = boot_ms();
  auto row = cluster_.query("UPDATE hosts SET heartbeat_ms = weir_now_ms() WHERE id = $1",
                            Params().i64(host_id_));
  if (!row) return row.status();
  // Rows a commit of ours holds right now are skipped, not waited for: the
  // commit acks them or the next beat renews them (waiting could deadlock
  // with that commit, which takes the same rows in another order). The
  // locked rows are then updated by their row ids (a TID scan, or the
  // host's leases filtered by them): linear in the host's leases whatever
  // the statistics say, where a join on the key could be planned as a scan
  // of the whole table per lease.
  auto leases = cluster_.query(
      "UPDATE messages SET lease_until = weir_now_ms() + $2 WHERE ctid = ANY(ARRAY("
      "SELECT ctid FROM messages WHERE lease_host = $1 FOR UPDATE SKIP LOCKED)) AND lease_host = $1",
      Params().i64(host_id_).i64(options_.lease_ms));
  if (!leases) return leases.status();
  leases_renewed(sent);
  auto others = cluster_.query(
      "SELECT count(*) FROM hosts WHERE id <> $1 AND heartbeat_ms > weir_now_ms() - $2",
      Params().i64(host_id_).i64(options_.lease_ms));
  if (!others) return others.status();
  others_running_.store(others->i64(0, 0) > 0, std::memory_order_relaxed);
  return Status::ok();
}

Status PgStore::take_over(std::vector<QueueId>* queues) {
  Status st = cluster_.exec("BEGIN");
  if (!st) return st;
  auto rows = cluster_.query(
      "SELECT queue_id, seq, attempts, started::int::bigint, errors, lease_host FROM messages "
      "WHERE lease_host <> 0 AND lease_host <> $1 AND lease_until < weir_now_ms() "
      "ORDER BY queue_id, seq LIMIT 5000 FOR UPDATE SKIP LOCKED",
      Params().i64(host_id_));
  if (!rows) st = rows.status();
  const std::int64_t now = now_ms();
  std::int64_t started = 0;
  for (int i = 0; st && i < rows->size(); ++i) {
    const QueueId queue = rows->i64(i, 0);
    const std::int64_t seq = rows->i64(i, 1);
    Result<Rows> r = Status::ok();
    if (rows->i64(i, 3) != 0) {  // a call had started it: the host stopped in it
      ++started;
      const Bytes errors = message::append_attempt(
          rows->bytes(i, 4), now, static_cast<std::uint32_t>(rows->i64(i, 2) + 1), "crash",
          "the host running this message (host " + std::to_string(rows->i64(i, 5)) +
              ") stopped renewing its lease");
      r = cluster_.query(
          "UPDATE messages SET attempts = attempts + 1, crashes = crashes + 1, errors = $3, "
          "lease_host = 0, lease_until = 0, started = false WHERE queue_id = $1 AND seq = $2",
          Params().i64(queue).i64(seq).bytes(errors));
    } else {
      r = cluster_.query(
          "UPDATE messages SET lease_host = 0, lease_until = 0, started = false "
          "WHERE queue_id = $1 AND seq = $2",
          Params().i64(queue).i64(seq));
    }
    if (!r) st = r.status();
    if (queues->empty() || queues->back() != queue) queues->push_back(queue);
  }
  if (st && !queues->empty()) {
    std::string payload = "0:";  // from no host: every host looks
    for (QueueId q : *queues) payload += std::to_string(q) + ",";
    auto n = cluster_.query("SELECT pg_notify('weir_queues', $1)::text", Params().text(payload));
    if (!n) st = n.status();
  }
  if (st) st = cluster_.exec("COMMIT");
  if (!st) {
    (void)cluster_.exec("ROLLBACK");
    queues->clear();
    return st;
  }
  if (rows->size() > 0) {
    spdlog::warn("store: took over {} message(s) whose host stopped renewing its lease ({} had "
                 "started in a call and count it as an attempt)",
                 rows->size(), started);
  }
  return Status::ok();
}

void PgStore::cluster_loop() {
  using Clock = std::chrono::steady_clock;
  const auto beat = std::chrono::milliseconds(std::max<std::int64_t>(options_.lease_ms / 3, 100));
  auto next_beat = Clock::now();
  bool listening = false;
  for (;;) {
    {
      std::unique_lock lock(cluster_mu_);
      if (cluster_stop_) return;
    }
    std::vector<QueueId> ready;
    if (!listening) {
      Status st = listen();
      if (st) listening = true;
      else spdlog::warn("store: {}", st.message());
    }
    if (listening && Clock::now() >= next_beat) {
      next_beat = Clock::now() + beat;
      Status st = heartbeat();
      if (st) st = take_over(&ready);
      // Every queue once a beat as well: a notification can be lost (a
      // reconnect, a commit retried after a failure), and a lease that finds
      // nothing costs one round trip a beat.
      if (st) {
        auto all = cluster_.query("SELECT id FROM queues");
        if (all) {
          for (int i = 0; i < all->size(); ++i) ready.push_back(all->i64(i, 0));
        }
        else st = all.status();
      }
      if (!st) {
        spdlog::warn("store: {}", st.message());
        listening = cluster_.ok();
      }
    }
    deliver(ready);
    // Wait for a notification, the next beat or stop (stop is checked at
    // least every 100 ms).
    const auto wait = std::clamp<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(next_beat - Clock::now()).count(), 0,
        100);
    if (listening) {
      pollfd fd{cluster_.socket(), POLLIN, 0};
      ::poll(&fd, 1, static_cast<int>(wait));
      auto payloads = cluster_.notifications();
      if (!payloads) {
        listening = false;
        continue;
      }
      std::vector<QueueId> theirs;
      const std::string mine = std::to_string(host_id_) + ":";
      for (const std::string& p : *payloads) {
        if (p.rfind(mine, 0) == 0) continue;  // our own commit
        const auto colon = p.find(':');
        for (std::size_t at = colon == std::string::npos ? p.size() : colon + 1; at < p.size();) {
          const auto comma = p.find(',', at);
          const std::string id = p.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
          if (!id.empty()) theirs.push_back(std::strtoll(id.c_str(), nullptr, 10));
          at = comma == std::string::npos ? p.size() : comma + 1;
        }
      }
      std::sort(theirs.begin(), theirs.end());
      theirs.erase(std::unique(theirs.begin(), theirs.end()), theirs.end());
      deliver(theirs);
    } else {
      std::unique_lock lock(cluster_mu_);
      cluster_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return cluster_stop_; });
    }
  }
}

}  // namespace weir::store::pg
