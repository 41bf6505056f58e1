#include "schedule/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <weir/payload.hpp>

#include "common/clock.hpp"

namespace weir::schedule {
namespace {

constexpr std::int64_t kRetryStartMs = 5000;

// "2026-11-26T02:00:00Z": part of a fire's correlation id.
std::string utc_text(std::int64_t ms) {
  const triggers::LocalTime t = triggers::to_local(ms / 1000, 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

}  // namespace

CronTriggers::CronTriggers(store::Store& store, engine::ProcessStarter& starter,
                           TimeZone default_zone, const Clock& clock)
    : store_(store), starter_(starter), default_zone_(std::move(default_zone)), clock_(clock) {}

Status CronTriggers::add(const topology::Topology& t) {
  std::vector<std::shared_ptr<Entry>> fresh;
  for (const auto& spec : t.triggers) {
    if (spec.cron.empty()) continue;  // a webhook (webhooks/receiver.hpp)
    auto schedule = CronSchedule::parse(spec.cron);
    if (!schedule) return schedule.status().prefixed("topology " + t.name + " trigger " + spec.id);
    TimeZone zone = default_zone_;
    if (!spec.timezone.empty()) {
      auto z = TimeZone::load(spec.timezone);
      if (!z) return z.status().prefixed("topology " + t.name + " trigger " + spec.id);
      zone = *z;
    }
    fresh.push_back(std::make_shared<Entry>(Entry{t.name, spec, *schedule, zone}));
  }
  bool placed = false;
  {
    std::lock_guard lock(mu_);
    placed = placed_;
  }
  std::vector<store::TriggerRecord> records;
  if (placed && !fresh.empty()) {
    auto r = store_.triggers();
    if (!r) return r.status().prefixed("scheduler");
    records = std::move(r).value();
  }
  const std::int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  for (auto& e : fresh) {
    if (!placed) continue;  // place() places them
    // A trigger that keeps its id keeps what this scheduler knows of it
    // (the store's record may lag a fire whose commit is under way).
    const Entry* old = find(e->topology, e->spec.id);
    if (!old) {
      Status st = place(*e, records, now);
      if (!st) return st;
      continue;
    }
    e->last_fire_ms = old->last_fire_ms;
    e->last_process = old->last_process;
    e->fired = old->fired;
    e->skipped = old->skipped;
    const bool same = e->spec.cron == old->spec.cron && e->zone.name() == old->zone.name();
    e->next_ms = same ? old->next_ms : next_slot(*e, std::max(old->last_fire_ms, now));
    if (same) e->retry_slot_ms = old->retry_slot_ms;
  }
  std::erase_if(entries_, [&](const auto& e) { return e->topology == t.name; });
  entries_.insert(entries_.end(), fresh.begin(), fresh.end());
  return Status::ok();
}

CronTriggers::Entry* CronTriggers::find(const std::string& topology, const std::string& id) const {
  for (const auto& e : entries_) {
    if (e->topology == topology && e->spec.id == id) return e.get();
  }
  return nullptr;
}

void CronTriggers::remove(const std::string& topology) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const auto& e) { return e->topology == topology; });
}

std::int64_t CronTriggers::next_slot(const Entry& e, std::int64_t after_ms) const {
  return e.schedule.next_after(after_ms, e.zone).value_or(0);
}

Status CronTriggers::place(Entry& e, const std::vector<store::TriggerRecord>& records,
                           std::int64_t now) {
  auto r = std::find_if(records.begin(), records.end(), [&](const store::TriggerRecord& r) {
    return r.topology == e.topology && r.trigger == e.spec.id;
  });
  std::int64_t since = now;  // first seen: wait for the first slot
  if (r != records.end()) {
    e.last_fire_ms = r->last_fire_ms;
    e.last_process = r->last_process;
    e.fired = r->fired;
    e.skipped = r->skipped;
    since = r->last_fire_ms ? r->last_fire_ms : r->first_seen_ms;
  } else {
    Status st = store_.note_trigger(e.topology, e.spec.id, 0);
    if (!st) return st;
  }
  e.next_ms = next_slot(e, since);
  if (e.next_ms != 0 && e.next_ms <= now) {
    spdlog::info("scheduler: {}/{} missed its slot at {} while it was not running; firing once "
                 "now",
                 e.topology, e.spec.id, utc_text(e.next_ms));
    e.next_ms = now;  // fires at once, counted from now
  }
  return Status::ok();
}

Status CronTriggers::place() {
  auto records = store_.triggers();
  if (!records) return records.status().prefixed("scheduler");
  const std::int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    Status st = place(*e, *records, now);
    if (!st) return st;
  }
  placed_ = true;
  return Status::ok();
}

bool CronTriggers::still_running(const Entry& e) {
  if (e.spec.overlap || e.last_process == 0) return false;
  auto p = store_.process(e.last_process);
  return p && p->has_value() && (*p)->state == store::ProcessState::running;
}

std::shared_ptr<CronTriggers::Entry> CronTriggers::next_due(std::int64_t now) const {
  std::shared_ptr<Entry> due;
  for (const auto& e : entries_) {
    if (e->next_ms != 0 && e->next_ms <= now && (!due || e->next_ms < due->next_ms)) due = e;
  }
  return due;
}

std::int64_t CronTriggers::fire_due() {
  std::unique_lock lock(mu_);
  for (;;) {
    const std::int64_t now = clock_.now_ms();
    const std::shared_ptr<Entry> due = next_due(now);  // held: a reload may drop it meanwhile
    if (!due) break;
    const std::int64_t slot = due->retry_slot_ms ? due->retry_slot_ms : due->next_ms;
    lock.unlock();
    fire(*due, slot, now);
    lock.lock();
  }
  std::int64_t earliest = 0;
  for (const auto& e : entries_) {
    if (e->next_ms != 0 && (earliest == 0 || e->next_ms < earliest)) earliest = e->next_ms;
  }
  return earliest;
}

// Called without mu_ held for the store and starter calls; the caller holds
// a reference to `e`, so a reload that drops it meanwhile does no harm.
void CronTriggers::fire(Entry& e, std::int64_t slot_ms, std::int64_t now) {
  if (still_running(e)) {
    spdlog::warn("scheduler: {}/{} skipped its slot at {}: its last run (process {}) is still "
                 "going (set overlap: true to allow)",
                 e.topology, e.spec.id, utc_text(slot_ms), e.last_process);
    Status st = store_.note_trigger(e.topology, e.spec.id, slot_ms);
    if (!st) spdlog::error("scheduler: {}", st.message());
    std::lock_guard lock(mu_);
    skipped(current(e), slot_ms, now);  // e, or what a reload replaced it with
    return;
  }
  engine::StartRequest req{payload::from_json(e.spec.payload), {},
                           e.spec.id + "@" + utc_text(slot_ms), e.spec.id, slot_ms,
                           e.spec.start};
  // Across a cluster: an @every slot is each host's own; one per half interval.
  if (e.schedule.is_interval()) req.fire_gap_ms = std::max<std::int64_t>(1, e.schedule.interval().count() / 2);
  auto started = starter_.start_processes(e.topology, {std::move(req)});
  std::lock_guard lock(mu_);
  fired(current(e), started, slot_ms, now);
}

void CronTriggers::skipped(Entry& e, std::int64_t slot_ms, std::int64_t now) {
  ++e.skipped;
  e.retry_slot_ms = 0;
  e.last_fire_ms = slot_ms;
  e.next_ms = next_slot(e, std::max(slot_ms, now));
}

void CronTriggers::fired(Entry& e, const engine::StartResult& started, std::int64_t slot_ms,
                         std::int64_t now) {
  if (!started || started->empty()) {
    spdlog::error("scheduler: {}/{} could not start its run for {}: {}; trying again in {} s",
                  e.topology, e.spec.id, utc_text(slot_ms),
                  started ? "no process" : started.error(), kRetryStartMs / 1000);
    e.retry_slot_ms = slot_ms;  // the same slot, again: its correlation id names it
    e.next_ms = now + kRetryStartMs;
    return;
  }
  e.retry_slot_ms = 0;
  if (started->front() == 0) {  // another host of the cluster fired this slot
    e.last_fire_ms = slot_ms;
    e.next_ms = next_slot(e, std::max(slot_ms, now));
    spdlog::info("scheduler: {}/{} slot {} was fired by another host", e.topology, e.spec.id,
                 utc_text(slot_ms));
    return;
  }
  e.last_process = started->front();
  e.last_fire_ms = slot_ms;
  ++e.fired;
  e.next_ms = next_slot(e, std::max(slot_ms, now));
  spdlog::info("scheduler: {}/{} fired for {}: process {}", e.topology, e.spec.id,
               utc_text(slot_ms), e.last_process);
}

std::vector<TriggerView> CronTriggers::next_fires() const {
  std::lock_guard lock(mu_);
  std::vector<TriggerView> out;
  for (const auto& p : entries_) {
    const Entry& e = *p;
    out.push_back(TriggerView{e.topology, e.spec.id, e.spec.cron, e.zone.name(), e.spec.overlap,
                              e.next_ms, e.last_fire_ms, e.last_process, e.fired, e.skipped});
  }
  return out;
}

Scheduler::Scheduler(store::Store& store, engine::ProcessStarter& starter, TimeZone default_zone,
                     const Clock& clock)
    : triggers_(store, starter, std::move(default_zone), clock), clock_(clock) {}

Scheduler::~Scheduler() { stop(); }

Status Scheduler::add(const topology::Topology& t) {
  Status st = triggers_.add(t);
  {
    std::lock_guard lock(mu_);
    changed_ = true;  // its slot may come before the one the thread sleeps for
  }
  wake_.notify_all();
  return st;
}

Status Scheduler::start() {
  Status st = triggers_.place();
  if (!st) return st;
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    changed_ = false;
    lock.unlock();
    const std::int64_t next = triggers_.fire_due();
    lock.lock();
    if (stopping_ || changed_) continue;
    // Until the earliest slot, at most a minute (the wall clock may jump).
    const std::int64_t now = clock_.now_ms();
    const std::int64_t wait = next == 0 ? 60000 : std::min<std::int64_t>(next - now, 60000);
    wake_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(wait, 1)),
                   [&] { return stopping_ || changed_; });
  }
}

}  // namespace weir::schedule
