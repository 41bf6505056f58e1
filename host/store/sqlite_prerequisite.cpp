// Prerequisites in the SQLite store: a message whose node said "topology X
// must run first with this payload" waits in `delayed` with waits_for = the
// process of X doing that (due "never"), so it holds up nothing behind it.
//
//  - One process per (topology, key) at a time: `prerequisites` maps the key
//    to the process last started for it; a message joins it while it runs.
//    A hundred products of one missing category start one process.
//  - When that process completes, its waiters become due now and go back to
//    the end of their queues at the next commit (promote_due); when it ends
//    with failures, they go to the trash saying which process failed and
//    why. Both in the commit that finishes it (apply_process_deltas).
//  - A message that would wait for a process that waits (transitively) for
//    the message's own process would wait forever: it goes to the trash.
#include "message/attempt_history.hpp"
#include <optional>

#include "commit_rules.hpp"
#include "rows.hpp"
#include "sqlite_store.hpp"

namespace weir::store {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

Status SqliteStore::park_for_prerequisite(const Ack& ack, Pending& p) {
  const QueuedMessage& in = ack.input;
  const PrerequisiteInfo& pre = *ack.prerequisite;
  // A running process for the same thing?
  ProcessId target = 0;
  w_.find_prerequisite.bind(1, pre.topology).bind(2, pre.key);
  Status st;
  if (w_.find_prerequisite.step(&st)) target = static_cast<ProcessId>(w_.find_prerequisite.int64(0));
  w_.find_prerequisite.reset();
  if (!st) return st;

  bool cycle = false;
  if (target != 0) {
    w_.waits_on.bind(1, i64(target)).bind(2, i64(in.process_id));
    cycle = w_.waits_on.step(&st);
    w_.waits_on.reset();
    if (!st) return st;
  } else {
    auto started = start_prerequisite(in, pre, p);
    if (!started) return started.status();
    target = *started;
  }
  const std::string of = "process " + std::to_string(target) + " of topology " + pre.topology;
  if (cycle) {
    const std::string error = prerequisite_cycle_error(pre.why, of, target, in.process_id);
    Ack failed = ack;  // the trace and the trash say the same
    failed.prerequisite.reset();
    failed.failed = TrashInfo{error, message::append_attempt(in.errors, p.now, in.attempt,
                                                             "prerequisite", error),
                              0};
    failed.failed->first_failed_ms = message::first_attempt_at(failed.failed->errors, p.now);
    if (ack.traced) st = insert_visit(failed, p.now);
    if (!st) return st;
    ++p.queues[in.queue].failed;
    ProcessDelta& pd = p.processes[in.process_id];
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += in.credit;
    return insert_trash(in, *failed.failed, p.now);
  }
  const std::string trace = pre.why + ": waits for " + of;
  if (ack.traced) st = insert_visit(ack, p.now, &trace);
  if (!st) return st;
  return insert_delayed(in, kWaitsForProcess, pre.errors, target, p);
}

// A process of the prerequisite topology, as `weir run` would start it, with
// the asking message's correlation id (it is part of the same business flow)
// and needed_by = the asking message's process.
Result<ProcessId> SqliteStore::start_prerequisite(const QueuedMessage& in,
                                                  const PrerequisiteInfo& pre, Pending& p) {
  const ProcessId pid = next_process_id_++;
  Status st = w_.insert_process.bind(1, i64(pid))
                  .bind(2, pre.topology)
                  .bind(3, in.correlation_id)
                  .bind(4, static_cast<std::int64_t>(pre.entry_queues.size()))
                  .bind(5, p.now)
                  .bind(6, i64(in.process_id))
                  .bind(7, 0)  // a prerequisite is never a delta run
                  .run();
  static const Bytes kNoHeaders;
  for (QueueId q : pre.entry_queues) {
    if (st) {
      st = insert_message(p, NewMessage{q, pid, 0, in.correlation_id, 0, kNoHeaders, pre.payload,
                                        0, 0, message::empty_history()});
    }
  }
  if (st) st = w_.put_prerequisite.bind(1, pre.topology).bind(2, pre.key).bind(3, i64(pid)).run();
  if (!st) return st.prefixed("starting prerequisite topology " + pre.topology);
  ++p.state_counts[{pre.topology, static_cast<int>(ProcessState::running)}];
  p.out->prerequisites_started.push_back(pid);
  return pid;
}

// The `prerequisites` row stays: a finished process is not joined (the
// lookup wants a running one), but a replayed one runs again and is.
Status SqliteStore::settle_waiters(const ProcessRecord& done, Pending& p) {
  Status st;
  if (done.state == ProcessState::completed) {
    // Due now: back to the end of their queues at the next commit.
    st = w_.wake_waiters.bind(1, p.now).bind(2, i64(done.id)).run();
    if (st && writer_.changes() > 0) p.out->prerequisites_met.push_back(done.id);
    return st;
  }
  // It ended with failures: say which and why.
  std::optional<std::pair<std::string, std::string>> last;  // (node, error)
  w_.last_failure.bind(1, i64(done.id));
  if (w_.last_failure.step(&st)) last.emplace(w_.last_failure.text(0), w_.last_failure.text(1));
  w_.last_failure.reset();
  if (!st) return st;
  const std::string error = prerequisite_failed_error(done, last ? &*last : nullptr);
  std::vector<std::pair<std::int64_t, QueuedMessage>> waiters;  // (due_ms, message)
  w_.select_waiters.bind(1, i64(done.id));
  while (w_.select_waiters.step(&st)) {
    auto row = rows::delayed::read(w_.select_waiters);
    waiters.emplace_back(row.due_ms, std::move(row.message));
  }
  w_.select_waiters.reset();
  if (!st) return st;
  for (const auto& [due, m] : waiters) {
    st = w_.delete_delayed.bind(1, due).bind(2, i64(m.id)).run();
    if (st) --p.depths[m.queue].waiting;
    Bytes errors = message::append_attempt(m.errors, p.now, m.attempt, "prerequisite", error);
    const std::int64_t first = message::first_attempt_at(errors, p.now);
    if (st) st = insert_trash(m, TrashInfo{error, std::move(errors), first}, p.now);
    if (!st) return st;
    ++p.queues[m.queue].failed;
    ProcessDelta& pd = p.processes[m.process_id];  // settled in the next round
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += m.credit;
  }
  return Status::ok();
}

}  // namespace weir::store
