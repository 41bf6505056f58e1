// Trigger records in the SQLite store (the scheduler's memory across
// restarts). A fire itself is recorded in the commit that starts its process
// (sqlite_commit.cpp, record_fire); this file reads the records and writes
// the two facts that start no process: "first seen" and "skipped".
#include "common/clock.hpp"
#include "sqlite_store.hpp"

namespace weir::store {

Result<std::vector<TriggerRecord>> SqliteStore::triggers() {
  std::lock_guard lock(read_mu_);
  auto s = reader_.prepare(
      "SELECT topology, trigger, first_seen_ms, last_fire_ms, last_process, fired, skipped "
      "FROM triggers ORDER BY topology, trigger");
  if (!s) return s.status();
  std::vector<TriggerRecord> out;
  Status st;
  while (s->step(&st)) {
    out.push_back(TriggerRecord{s->text(0), s->text(1), s->int64(2), s->int64(3),
                                static_cast<ProcessId>(s->int64(4)), s->int64(5), s->int64(6)});
  }
  if (!st) return st;
  return out;
}

Status SqliteStore::note_trigger(const std::string& topology, const std::string& trigger,
                                 std::int64_t skipped_slot_ms) {
  std::lock_guard lock(write_mu_);
  auto s = writer_.prepare(
      skipped_slot_ms > 0
          ? "INSERT INTO triggers(topology, trigger, first_seen_ms, last_fire_ms, skipped) "
            "VALUES(?1, ?2, ?3, ?4, 1) ON CONFLICT(topology, trigger) DO UPDATE SET "
            "last_fire_ms = excluded.last_fire_ms, skipped = skipped + 1"
          : "INSERT INTO triggers(topology, trigger, first_seen_ms) VALUES(?1, ?2, ?3) "
            "ON CONFLICT(topology, trigger) DO NOTHING");
  if (!s) return s.status();
  s->bind(1, topology).bind(2, trigger).bind(3, now_ms());
  if (skipped_slot_ms > 0) s->bind(4, skipped_slot_ms);
  return s->run().prefixed("recording trigger " + topology + "/" + trigger);
}

}  // namespace weir::store
