// What `weir topology ls --json` shows of cron triggers (control/views.cpp):
// the scheduler's next fire, last fire and counts, exactly, because a
// ManualClock says what "now" is. A real store and an engine that is not
// started; the fire before the restart is made by CronTriggers directly.
#include <catch2/catch.hpp>

#include <memory>

#include "common/clock.hpp"
#include "control/views.hpp"
#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "schedule/scheduler.hpp"
#include "unit/recording_starter.hpp"

using namespace weir;
using weir::test::RecordingStarter;
using weir::test::TempDir;

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kNow = 1'900'000'000'000;  // 2030-03-17T17:46:40Z

// "nightly" is new in the second run (the store stamps a trigger it sees
// first with the real clock, so a new trigger is first seen in the run
// whose now the test reads).
topology::Topology ticks(bool with_nightly) {
  topology::Topology t;
  t.name = "ticks";
  t.file = "/etc/weir/topologies/ticks.yaml";
  t.nodes.push_back(topology::NodeSpec{"a", "core.pass"});
  topology::TriggerSpec every;
  every.id = "cron";
  every.cron = "@every 2s";
  t.triggers.push_back(every);
  if (!with_nightly) return t;
  topology::TriggerSpec nightly;
  nightly.id = "nightly";
  nightly.cron = "0 2 * * *";
  nightly.timezone = "Europe/Prague";
  nightly.overlap = true;
  t.triggers.push_back(nightly);
  return t;
}

}  // namespace

TEST_CASE("topology ls shows each cron trigger's next fire, last fire and counts as the scheduler has them") {
  TempDir dir;
  auto opened = store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db"), true, 0});
  REQUIRE(opened.is_ok());
  auto store = std::move(opened).value();
  RecordingStarter starter(*store);
  ManualClock clock(kNow);
  {  // A first run of the host: "cron" fires once, 2 s after it was first seen.
    schedule::CronTriggers first(*store, starter, triggers::TimeZone::utc(), clock);
    REQUIRE(first.add(ticks(false)).is_ok());
    REQUIRE(first.place().is_ok());
    clock.advance(2 * kSecond);
    first.fire_due();
    REQUIRE(starter.asked().size() == 1);
  }
  clock.set(kNow + 3 * kSecond);  // restarted a second later: no slot missed
  engine::Engine engine(*store, {});
  plugins::PluginRegistry registry(dir.file("plugin-cache"));
  schedule::Scheduler scheduler(*store, starter, triggers::TimeZone::utc(), clock);
  REQUIRE(scheduler.add(ticks(true)).is_ok());
  // Started: its thread finds nothing due at this "now", which stays put.
  REQUIRE(scheduler.start().is_ok());
  control::LoadedBox loaded;
  control::Loaded now;
  now.topologies.push_back(ticks(true));
  loaded.set(now);
  const control::HostView host{&engine, store.get(), &registry, &loaded, &scheduler, nullptr, {}, {}};

  const control::Json listed = control::topologies_view(host);
  REQUIRE(listed["topologies"].size() == 1);
  const control::Json& t = listed["topologies"][0];
  CHECK(t["name"] == "ticks");
  CHECK(t["version"] == 0);  // not installed in this engine
  REQUIRE(t["triggers"].size() == 2);
  const control::Json& every = t["triggers"][0];
  CHECK(every["id"] == "cron");
  CHECK(every["cron"] == "@every 2s");
  CHECK(every["timezone"] == "UTC");
  CHECK(every["overlap"] == false);
  CHECK(every["last_fire_ms"] == kNow + 2 * kSecond);  // from the store's record
  CHECK(every["next_ms"] == kNow + 4 * kSecond);       // 2 s after the last fire
  CHECK(every["fired"] == 1);
  CHECK(every["skipped"] == 0);
  CHECK(every["last_process"] == 1);
  const control::Json& nightly = t["triggers"][1];
  CHECK(nightly["id"] == "nightly");
  CHECK(nightly["timezone"] == "Europe/Prague");
  CHECK(nightly["overlap"] == true);
  CHECK(nightly["next_ms"] ==
        (triggers::days_from_civil(2030, 3, 18) * 24 + 1) * 3600 * kSecond);  // 02:00 CET
  CHECK(nightly["last_fire_ms"] == 0);
  CHECK(nightly["fired"] == 0);
  scheduler.stop();
  CHECK(starter.asked().size() == 1);  // the thread fired nothing
}
