// The scheduler: fires the cron triggers of the installed topologies.
//
// Each trigger's next slot comes from its schedule (cron.hpp) in its time
// zone, counted from the slot it last fired, which the store keeps (the fire
// is recorded in the commit that starts its process, so a crash neither
// repeats nor loses it). At start, a trigger whose next slot passed while
// the host was down fires ONCE, now (not once per missed slot). A trigger
// seen for the first time waits for its first slot.
//
// No overlap: unless the trigger says `overlap: true`, a slot that comes
// while the process of the trigger's last fire is still running is skipped
// (logged and counted; `weir topology ls` shows it), and the next slot is
// computed as usual.
//
// If the starter cannot take the start (disk full, stopping), the slot is
// tried again 5 s later; it was not recorded, so a restart would fire it too.
//
// Reload: add() again replaces the topology's triggers (a trigger that
// keeps its id keeps its last fire and counts), remove() drops them; both
// work before and after start(). A fire already under way finishes.
//
// Two parts, so that the decisions are tested without a thread or a sleep:
// CronTriggers decides and fires (which triggers are due at its clock's
// "now", what their next slot is, fire or skip); Scheduler is only the
// thread that sleeps until the next due time and asks CronTriggers to fire
// what is due. A test drives CronTriggers with a ManualClock
// (common/clock.hpp) and a ProcessStarter of its own.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "engine/process_starter.hpp"
#include "store/store.hpp"
#include "topology/topology.hpp"
#include "triggers/cron.hpp"
#include "triggers/time_zone.hpp"

namespace weir::schedule {

using triggers::CronSchedule;
using triggers::TimeZone;

// A trigger as `weir topology ls` shows it.
struct TriggerView {
  std::string topology;
  std::string trigger;
  std::string schedule;
  std::string timezone;
  bool overlap = false;
  std::int64_t next_ms = 0;       // 0: none (no slot within 5 years)
  std::int64_t last_fire_ms = 0;  // 0: never
  store::ProcessId last_process = 0;
  std::int64_t fired = 0;
  std::int64_t skipped = 0;
};

// The cron triggers and their decisions, at the times `clock` gives; no
// thread of its own.
//
// Threads: add/remove/place from the host's management thread; fire_due
// from one thread at a time (the scheduler's); next_fires from any thread.
// The starter, and the store while firing, are called without the lock
// held; add() and place() note new triggers in the store under it (a
// reload's moment, not the hot path).
class CronTriggers {
 public:
  // `default_zone`: for triggers that name none (weir.yaml `timezone`).
  CronTriggers(store::Store& store, engine::ProcessStarter& starter, TimeZone default_zone,
               const Clock& clock);
  CronTriggers(const CronTriggers&) = delete;
  CronTriggers& operator=(const CronTriggers&) = delete;

  // The topology's triggers (it was validated: schedules and zones parse),
  // in place of any it had. Once placed, a new trigger is placed at once.
  Status add(const topology::Topology& t);
  void remove(const std::string& topology);
  // Gives every trigger its next slot from the store's record of it (a
  // slot missed meanwhile: now); a trigger the store has not seen is noted
  // and waits for its first slot. Once, before the first fire_due().
  Status place();
  // Fires (or skips) every trigger due at the clock's now, the earliest
  // slot first; returns the earliest next slot after that (0: none).
  std::int64_t fire_due();

  std::vector<TriggerView> next_fires() const;

 private:
  struct Entry {
    std::string topology;
    topology::TriggerSpec spec;
    CronSchedule schedule;
    TimeZone zone;
    std::int64_t next_ms = 0;  // 0: never
    std::int64_t retry_slot_ms = 0;  // a slot whose start was refused: fired again at next_ms
    std::int64_t last_fire_ms = 0;
    store::ProcessId last_process = 0;
    std::int64_t fired = 0;
    std::int64_t skipped = 0;
  };

  // Under mu_: the due entry with the earliest slot at `now`, or null.
  std::shared_ptr<Entry> next_due(std::int64_t now) const;
  // Where a new entry starts: from the store's record of its trigger.
  Status place(Entry& e, const std::vector<store::TriggerRecord>& records, std::int64_t now);
  void fire(Entry& e, std::int64_t slot_ms, std::int64_t now);
  // Under mu_: records a skipped slot / the outcome of a fire in `e`.
  void skipped(Entry& e, std::int64_t slot_ms, std::int64_t now);
  void fired(Entry& e, const engine::StartResult& started, std::int64_t slot_ms, std::int64_t now);
  // Under mu_: the entry now in entries_ for (topology, id), or null.
  Entry* find(const std::string& topology, const std::string& id) const;
  // Under mu_: the entry that replaced `e` in a reload, or `e` itself.
  Entry& current(Entry& e) {
    Entry* now = find(e.topology, e.spec.id);
    return now ? *now : e;
  }
  bool still_running(const Entry& e);
  std::int64_t next_slot(const Entry& e, std::int64_t after_ms) const;

  store::Store& store_;
  engine::ProcessStarter& starter_;
  const TimeZone default_zone_;
  const Clock& clock_;
  mutable std::mutex mu_;
  // Shared: a fire in progress keeps its entry even if a reload drops it.
  std::vector<std::shared_ptr<Entry>> entries_;  // guarded by mu_
  bool placed_ = false;                          // guarded by mu_
};

// Runs CronTriggers on its own thread: sleeps until the next due slot (at
// most a minute: the wall clock may jump), or until add() brings an earlier
// one, and fires what is due.
//
// Threads: add/remove/start/stop from the host's management thread;
// next_fires() from any thread; the scheduler runs on its own thread until
// stop().
class Scheduler {
 public:
  Scheduler(store::Store& store, engine::ProcessStarter& starter, TimeZone default_zone,
            const Clock& clock = system_clock());
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Status add(const topology::Topology& t);
  void remove(const std::string& topology) { triggers_.remove(topology); }
  Status start();
  void stop();

  std::vector<TriggerView> next_fires() const { return triggers_.next_fires(); }

 private:
  void run();

  CronTriggers triggers_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool changed_ = false;   // guarded by mu_: add() came while the thread was firing
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace weir::schedule
