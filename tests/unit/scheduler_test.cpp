// The scheduler's decisions (CronTriggers), at times a ManualClock decides,
// with a real SQLite store and a starter that records each start and commits
// it to that store (recording_starter.hpp). No thread and no sleep: "now" is
// what the test sets, and fire_due() fires what is due at it.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "common/clock.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "schedule/scheduler.hpp"
#include "unit/log_capture.hpp"
#include "unit/recording_starter.hpp"

using namespace weir;
using schedule::CronTriggers;
using schedule::Scheduler;
using triggers::TimeZone;
using schedule::TriggerView;
using weir::test::LogCapture;
using weir::test::RecordingStarter;
using weir::test::TempDir;

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;

// UTC milliseconds of a calendar time.
std::int64_t utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return ((triggers::days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * kMinute + s * kSecond;
}

topology::TriggerSpec cron(const std::string& id, const std::string& schedule,
                           bool overlap = false, const std::string& zone = "") {
  topology::TriggerSpec t;
  t.id = id;
  t.cron = schedule;
  t.overlap = overlap;
  t.timezone = zone;
  return t;
}

topology::Topology topology_with(const std::string& name,
                                 std::vector<topology::TriggerSpec> triggers) {
  topology::Topology t;
  t.name = name;
  t.triggers = std::move(triggers);
  return t;
}

// A store, a starter and a clock that outlive the CronTriggers made on them
// (a new CronTriggers on the same store is a host restarted).
struct World {
  World() { open(); }
  // The host stopped and starts again: the store is opened afresh from its
  // file, with a new starter (what it was asked before is forgotten).
  void open() {
    starter.reset();
    store.reset();
    auto s = store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db"), true, 0});
    INFO(s.error());
    REQUIRE(s.is_ok());
    store = std::move(s).value();
    starter = std::make_unique<RecordingStarter>(*store);
  }
  std::unique_ptr<CronTriggers> triggers(std::vector<topology::Topology> topologies) {
    auto t = std::make_unique<CronTriggers>(*store, *starter, TimeZone::utc(), clock);
    for (const auto& top : topologies) REQUIRE(t->add(top).is_ok());
    REQUIRE(t->place().is_ok());
    return t;
  }
  store::TriggerRecord record(const std::string& topology, const std::string& trigger) {
    for (const auto& r : store->triggers().value()) {
      if (r.topology == topology && r.trigger == trigger) return r;
    }
    FAIL("the store has no record of " << topology << "/" << trigger);
    return {};
  }

  TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RecordingStarter> starter;
  ManualClock clock{utc(2030, 1, 1, 10, 0, 30)};
};

TriggerView view_of(const CronTriggers& t, const std::string& topology, const std::string& id) {
  for (const auto& v : t.next_fires()) {
    if (v.topology == topology && v.trigger == id) return v;
  }
  FAIL("no trigger " << topology << "/" << id);
  return {};
}

}  // namespace

TEST_CASE("a new trigger waits for its first slot and fires once at it") {
  World w;
  auto t = w.triggers({topology_with("ticks", {cron("cron", "*/5 * * * *")})});
  CHECK(view_of(*t, "ticks", "cron").next_ms == utc(2030, 1, 1, 10, 5));
  CHECK(view_of(*t, "ticks", "cron").fired == 0);
  CHECK(t->fire_due() == utc(2030, 1, 1, 10, 5));  // nothing due yet
  CHECK(w.starter->asked().empty());

  w.clock.set(utc(2030, 1, 1, 10, 5) - 1);
  t->fire_due();
  CHECK(w.starter->asked().empty());
  w.clock.set(utc(2030, 1, 1, 10, 5));
  CHECK(t->fire_due() == utc(2030, 1, 1, 10, 10));
  CHECK(t->fire_due() == utc(2030, 1, 1, 10, 10));  // the same now: no second fire
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].topology == "ticks");
  CHECK(asked[0].request.correlation_id == "cron@2030-01-01T10:05:00Z");
  CHECK(asked[0].request.trigger == "cron");
  CHECK(asked[0].request.fire_ms == utc(2030, 1, 1, 10, 5));
  const TriggerView v = view_of(*t, "ticks", "cron");
  CHECK(v.fired == 1);
  CHECK(v.last_fire_ms == utc(2030, 1, 1, 10, 5));
  CHECK(v.last_process > 0);
  // The fire went into the store with its process (the starter's commit).
  CHECK(w.record("ticks", "cron").last_fire_ms == utc(2030, 1, 1, 10, 5));
  CHECK(w.record("ticks", "cron").last_process == v.last_process);
}

TEST_CASE("slots missed while the host was down fire once at start, and the schedule goes on from then") {
  World w;
  {
    auto before = w.triggers({topology_with("ticks", {cron("cron", "*/5 * * * *")})});
    w.clock.set(utc(2030, 1, 1, 10, 5));
    before->fire_due();
    REQUIRE(w.starter->asked().size() == 1);
    w.starter->finish("ticks");
  }  // the host stops; five slots (10:10 ... 10:30) pass
  w.open();
  w.clock.set(utc(2030, 1, 1, 10, 31, 10));
  LogCapture log;
  auto after = w.triggers({topology_with("ticks", {cron("cron", "*/5 * * * *")})});
  CHECK(view_of(*after, "ticks", "cron").next_ms == w.clock.now_ms());  // due now
  CHECK(view_of(*after, "ticks", "cron").fired == 1);                  // from the store
  CHECK(log.count("scheduler: ticks/cron missed its slot at 2030-01-01T10:10:00Z while it was "
                  "not running; firing once now") == 1);
  CHECK(after->fire_due() == utc(2030, 1, 1, 10, 35));
  CHECK(after->fire_due() == utc(2030, 1, 1, 10, 35));
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 1);  // once, not once per missed slot
  CHECK(asked[0].request.fire_ms == utc(2030, 1, 1, 10, 31, 10));
  CHECK(asked[0].request.correlation_id == "cron@2030-01-01T10:31:10Z");
  w.starter->finish("ticks");
  w.clock.set(utc(2030, 1, 1, 10, 35));
  after->fire_due();
  CHECK(w.starter->asked().size() == 2);
  CHECK(w.record("ticks", "cron").fired == 3);
}

TEST_CASE("a slot that comes while the last run still goes is skipped and counted, unless overlap is allowed") {
  World w;
  auto t = w.triggers({topology_with("slow", {cron("cron", "@every 10s")}),
                       topology_with("eager", {cron("often", "@every 10s", true)})});
  const std::int64_t t0 = w.clock.now_ms();
  w.clock.set(t0 + 10 * kSecond);
  t->fire_due();
  REQUIRE(w.starter->asked().size() == 2);  // both fire; their runs go on (nothing acks them)

  LogCapture log;
  w.clock.set(t0 + 20 * kSecond);
  CHECK(t->fire_due() == t0 + 30 * kSecond);
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 3);
  CHECK(asked[2].topology == "eager");  // overlap: a second run while the first goes
  const TriggerView slow = view_of(*t, "slow", "cron");
  CHECK(slow.skipped == 1);
  CHECK(slow.fired == 1);
  CHECK(slow.last_fire_ms == t0 + 20 * kSecond);
  CHECK(slow.next_ms == t0 + 30 * kSecond);
  CHECK(view_of(*t, "eager", "often").skipped == 0);
  CHECK(view_of(*t, "eager", "often").fired == 2);
  CHECK(w.record("slow", "cron").skipped == 1);  // the store counts it too
  CHECK(log.count("scheduler: slow/cron skipped its slot at") == 1);
  CHECK(log.count("is still going (set overlap: true to allow)") == 1);

  // Once its run has completed, the next slot fires.
  w.starter->finish("slow");
  w.clock.set(t0 + 30 * kSecond);
  t->fire_due();
  CHECK(view_of(*t, "slow", "cron").fired == 2);
  CHECK(view_of(*t, "slow", "cron").skipped == 1);
}

TEST_CASE("a slot in a spring-forward gap is skipped and the next day's slot fires") {
  World w;
  // Europe/Prague springs forward on 2026-03-29 from 02:00 to 03:00: 02:30 does not exist.
  w.clock.set(utc(2026, 3, 28, 12, 0));
  auto t = w.triggers(
      {topology_with("nightly", {cron("cron", "30 2 * * *", false, "Europe/Prague")})});
  const std::int64_t next_day = utc(2026, 3, 30, 0, 30);  // 02:30 CEST
  CHECK(view_of(*t, "nightly", "cron").next_ms == next_day);
  CHECK(view_of(*t, "nightly", "cron").timezone == "Europe/Prague");
  w.clock.set(utc(2026, 3, 29, 1, 30));  // 03:30 CEST: past the gap
  CHECK(t->fire_due() == next_day);
  CHECK(w.starter->asked().empty());
  w.clock.set(next_day);
  t->fire_due();
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].request.correlation_id == "cron@2026-03-30T00:30:00Z");
}

TEST_CASE("a trigger that keeps its id across a reload keeps its last fire and fires no slot twice") {
  World w;
  auto t = w.triggers({topology_with("ticks", {cron("cron", "*/5 * * * *")})});
  w.clock.set(utc(2030, 1, 1, 10, 5));
  t->fire_due();
  REQUIRE(w.starter->asked().size() == 1);

  // The file is edited (another payload, a new trigger); "cron" keeps its id and schedule.
  auto edited = topology_with("ticks", {cron("cron", "*/5 * * * *"), cron("hourly", "@hourly")});
  edited.triggers[0].payload = {{"edited", true}};
  REQUIRE(t->add(edited).is_ok());
  TriggerView v = view_of(*t, "ticks", "cron");
  CHECK(v.last_fire_ms == utc(2030, 1, 1, 10, 5));
  CHECK(v.fired == 1);
  CHECK(v.next_ms == utc(2030, 1, 1, 10, 10));
  CHECK(view_of(*t, "ticks", "hourly").next_ms == utc(2030, 1, 1, 11, 0));  // new: waits
  t->fire_due();
  CHECK(w.starter->asked().size() == 1);  // 10:05 does not fire again
  CHECK(view_of(*t, "ticks", "cron").skipped == 0);

  // Its schedule changes: the next slot counts from the last fire (or now).
  w.clock.set(utc(2030, 1, 1, 10, 7));
  REQUIRE(t->add(topology_with("ticks", {cron("cron", "*/20 * * * *")})).is_ok());
  v = view_of(*t, "ticks", "cron");
  CHECK(v.next_ms == utc(2030, 1, 1, 10, 20));
  CHECK(v.fired == 1);
  CHECK(v.last_fire_ms == utc(2030, 1, 1, 10, 5));
  CHECK(t->next_fires().size() == 1);  // "hourly" went with the edit

  // Taken out: nothing fires for it any more.
  t->remove("ticks");
  w.clock.set(utc(2030, 1, 1, 12, 0));
  CHECK(t->fire_due() == 0);
  CHECK(w.starter->asked().size() == 1);
}

TEST_CASE("a start the engine refuses is tried again 5 s later for the same slot") {
  World w;
  auto t = w.triggers({topology_with("ticks", {cron("cron", "*/5 * * * *")})});
  const std::int64_t slot = utc(2030, 1, 1, 10, 5);
  w.clock.set(slot + 200);
  w.starter->refuse("the store is full");
  LogCapture log;
  CHECK(t->fire_due() == slot + 200 + 5 * kSecond);
  CHECK(w.starter->asked().size() == 1);
  CHECK(view_of(*t, "ticks", "cron").fired == 0);
  CHECK(log.count("scheduler: ticks/cron could not start its run for 2030-01-01T10:05:00Z: the "
                  "store is full; trying again in 5 s") == 1);

  w.clock.set(slot + 200 + 5 * kSecond - 1);
  t->fire_due();
  CHECK(w.starter->asked().size() == 1);
  w.starter->refuse("");
  w.clock.set(slot + 200 + 5 * kSecond);
  CHECK(t->fire_due() == utc(2030, 1, 1, 10, 10));
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 2);
  CHECK(asked[1].request.fire_ms == slot);  // the slot it was for, not the retry's time
  CHECK(asked[1].request.correlation_id == "cron@2030-01-01T10:05:00Z");
  CHECK(view_of(*t, "ticks", "cron").fired == 1);
  CHECK(w.record("ticks", "cron").last_fire_ms == slot);
}

TEST_CASE("the earliest of several due triggers fires first") {
  World w;
  auto t = w.triggers({topology_with("a", {cron("cron", "*/5 * * * *")}),
                       topology_with("b", {cron("cron", "*/2 * * * *")})});
  w.clock.set(utc(2030, 1, 1, 10, 6));  // b's 10:02 and a's 10:05 are due
  t->fire_due();
  const auto asked = w.starter->asked();
  REQUIRE(asked.size() == 2);
  CHECK(asked[0].topology == "b");
  CHECK(asked[0].request.fire_ms == utc(2030, 1, 1, 10, 2));
  CHECK(asked[1].topology == "a");
}

// The thread itself (Scheduler): with nothing to fire it sleeps up to a
// minute; a trigger added meanwhile must wake it, or its first slot would
// wait for the end of that sleep.
TEST_CASE("the scheduler's thread wakes for a trigger added while it sleeps") {
  World w;
  Scheduler scheduler(*w.store, *w.starter, TimeZone::utc(), w.clock);
  REQUIRE(scheduler.start().is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it go to sleep (not a check)
  REQUIRE(scheduler.add(topology_with("ticks", {cron("cron", "@every 1s")})).is_ok());
  w.clock.advance(1000);  // its first slot has come
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (w.starter->asked().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  scheduler.stop();
  REQUIRE(w.starter->asked().size() == 1);
  CHECK(w.starter->asked()[0].topology == "ticks");
}
