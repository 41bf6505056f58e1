// Retention in the SQLite store: deleting finished processes with their
// trace (`visits`), a batch per write transaction (retention.hpp runs it).
//
// Processes are looked at in id order, which is start order: a process
// started at or after the cutoff cannot have finished before it, so it
// ends the pass, and a pass looks only at what is old. There is no index on
// state or finish time: every start and finish would pay for one, and a
// pass reads the old end of the table only.
//
// Kept, whatever their age:
//  - running processes (a replay makes a finished one run again);
//  - processes with entries in the trash: a replay puts the message back
//    into its process, which must exist (once discarded, they go);
//  - processes a message waits for (a prerequisite; a finished one has
//    released its waiters in the commit that finished it, so this only
//    guards against that ever changing).
// A `prerequisites` row or a trigger's last_process may still name a pruned
// process: both look it up with the process table and treat "not there" as
// "not running".
#include "sqlite_store.hpp"

#include <vector>

namespace weir::store {
namespace {

struct Candidate {
  std::int64_t id = 0;
  bool finished_before = false;  // finished, and before the cutoff
};

// Up to `max` processes after `after`, stopping at the first one that
// started at or after the cutoff (`*reached_cutoff`).
Result<std::vector<Candidate>> look_at(Db& db, std::int64_t before, ProcessId after,
                                       std::size_t max, bool* reached_cutoff) {
  auto scan = db.prepare(
      "SELECT id, state, started_ms, finished_ms FROM processes WHERE id > ?1 ORDER BY id "
      "LIMIT ?2");
  if (!scan) return scan.status();
  scan->bind(1, static_cast<std::int64_t>(after)).bind(2, static_cast<std::int64_t>(max));
  std::vector<Candidate> out;
  Status st;
  *reached_cutoff = false;
  while (scan->step(&st)) {
    if (scan->int64(2) >= before) {
      *reached_cutoff = true;
      break;
    }
    const bool running = scan->int64(1) == static_cast<std::int64_t>(ProcessState::running);
    out.push_back(Candidate{scan->int64(0), !running && scan->int64(3) < before});
  }
  if (!st) return st;
  return out;
}

// True when something still points at the process: a trash entry or a
// waiting message.
Result<bool> still_needed(Stmt& in_trash, Stmt& waited_for, std::int64_t id) {
  for (Stmt* s : {&in_trash, &waited_for}) {
    s->bind(1, id);
    Status st;
    const bool found = s->step(&st);
    s->reset();
    if (!st) return st;
    if (found) return true;
  }
  return false;
}

}  // namespace

Result<PruneResult> SqliteStore::prune_processes(std::int64_t finished_before_ms,
                                                 ProcessId after, std::size_t max) {
  std::lock_guard lock(write_mu_);
  Status st = writer_.exec("BEGIN IMMEDIATE");
  if (!st) return st.prefixed("pruning finished processes");
  PruneResult out;
  out.last = after;
  bool reached_cutoff = false;
  auto candidates = look_at(writer_, finished_before_ms, after, max, &reached_cutoff);
  auto in_trash = writer_.prepare("SELECT 1 FROM trash WHERE process_id = ?1 LIMIT 1");
  auto waited_for = writer_.prepare(
      "SELECT 1 FROM delayed WHERE waits_for = ?1 AND waits_for != 0 LIMIT 1");
  auto del_visits = writer_.prepare("DELETE FROM visits WHERE process_id = ?1");
  auto del_process = writer_.prepare("DELETE FROM processes WHERE id = ?1 AND state != 0");
  for (const Status& s : {candidates.status(), in_trash.status(), waited_for.status(),
                          del_visits.status(), del_process.status()}) {
    if (st && !s) st = s;
  }
  for (std::size_t i = 0; st && i < candidates->size(); ++i) {
    const Candidate& c = (*candidates)[i];
    out.last = static_cast<ProcessId>(c.id);
    if (!c.finished_before) continue;
    auto needed = still_needed(*in_trash, *waited_for, c.id);
    if (!needed) st = needed.status();
    if (!st || *needed) continue;
    st = del_visits->bind(1, c.id).run();
    if (st) out.visits += writer_.changes();
    if (st) st = del_process->bind(1, c.id).run();
    if (st) out.processes += writer_.changes();
  }
  if (st) st = writer_.exec("COMMIT");
  if (!st) {
    (void)writer_.exec("ROLLBACK");
    return st.prefixed("pruning finished processes");
  }
  out.more = !reached_cutoff && candidates->size() == max;
  return out;
}

Status SqliteStore::start_retention() {
  if (retention_) return Status::ok();
  retention_ = weir::store::start_retention(
      options_.keep_finished_ms,
      [this](std::int64_t before, ProcessId after, std::size_t max) {
        return prune_processes(before, after, max);
      });
  return Status::ok();
}

}  // namespace weir::store
