// SqliteStore::commit: one CommitBatch, one transaction, in the order
// CommitBatch (store.hpp) gives, step by step. The in-memory counters and
// lease cursors move with it and are put back if anything fails, so a failed
// commit leaves no trace.
#include <algorithm>
#include <utility>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"
#include "commit_rules.hpp"
#include "rows.hpp"
#include "sqlite_store.hpp"

namespace weir::store {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

const Bytes kNoCursor;


}  // namespace

Result<CommitResult> SqliteStore::commit(const CommitBatch& batch) {
  std::lock_guard lock(write_mu_);
  const MessageId saved_message_id = next_message_id_;
  const ProcessId saved_process_id = next_process_id_;
  const auto saved_leases = leased_to_;  // small: one entry per queue
  const auto saved_tails = tail_;
  Status st = writer_.exec("BEGIN IMMEDIATE");
  if (!st) return st;
  Pending p;
  auto result = commit_locked(batch, p);
  if (result) st = writer_.exec("COMMIT");
  if (!result || !st) {
    (void)writer_.exec("ROLLBACK");
    next_message_id_ = saved_message_id;
    next_process_id_ = saved_process_id;
    leased_to_ = saved_leases;
    tail_ = saved_tails;
    return result ? st : result.status();
  }
  {
    std::lock_guard depth_lock(depth_mu_);
    for (const auto& [queue, d] : p.depths) {
      QueueDepth& depth = depths_[queue];
      depth.queued += d.queued;
      depth.waiting += d.waiting;
    }
  }
  if (wal_pages_ >= Checkpointer::kHardLimitPages) {
    // Passive checkpoints are starved (a long reader?): bound the WAL here.
    (void)writer_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  return result;
}

Result<CommitResult> SqliteStore::commit_locked(const CommitBatch& batch, Pending& p) {
  CommitResult out;
  p.now = now_ms();
  p.out = &out;
  // The lease budget is known from the start: a message inserted into a
  // caught-up queue may be leased as it goes in (insert_message).
  for (const LeaseRequest& req : batch.leases) {
    p.lease_budget[req.queue] += req.max;
    p.cursor_before[req.queue] = leased_to_[req.queue];
  }
  const MessageId first_id = next_message_id_;
  const ProcessId first_pid = next_process_id_;
  Status st = release(batch);                                                      // 1
  if (st) st = insert_processes(batch, p, out);                                    // 2
  if (st) st = retire_queues(batch, p);                                            // 3
  if (st) st = apply_replays(batch, p);                                            // 4
  if (st && batch.promote_until_ms > 0) st = promote_due(batch.promote_until_ms, p);  // 5
  if (st) st = apply_acks(batch, p);                                               // 6
  if (st) st = put_state(batch, p);                                                // 7
  if (st) st = put_ids(batch, p);
  if (st) st = apply_process_deltas(p, out);                                       // 8
  if (st) st = apply_queue_deltas(p);
  if (st) st = write_state_counts(p);
  if (st) st = lease(p);                                                           // 9
  if (st && (next_message_id_ != first_id || next_process_id_ != first_pid)) {     // 10
    st = save_counters();
  }
  if (st) st = read_next_due(out);
  if (!st) return st;
  return out;
}

Status SqliteStore::insert_processes(const CommitBatch& batch, Pending& p, CommitResult& out) {
  for (const NewProcess& np : batch.new_processes) {
    const ProcessId pid = next_process_id_++;
    const std::string correlation =
        np.correlation_id.empty() ? std::to_string(pid) : np.correlation_id;
    Bytes windowed;  // the headers with the sync window (a delta topology's)
    std::int64_t next_since = 0;
    Status st;
    if (np.delta_overlap_ms >= 0) {
      st = sync_window_headers(np, p.now, &windowed);
      next_since = std::max<std::int64_t>(1, p.now - np.delta_overlap_ms);
    }
    if (st) {
      st = w_.insert_process.bind(1, i64(pid))
               .bind(2, np.topology)
               .bind(3, correlation)
               .bind(4, static_cast<std::int64_t>(np.entry_queues.size()))
               .bind(5, p.now)
               .bind(6, 0)
               .bind(7, next_since)
               .run();
    }
    const Bytes& headers = np.delta_overlap_ms >= 0 ? windowed : np.headers;
    for (QueueId q : np.entry_queues) {
      if (st) {
        st = insert_message(p, NewMessage{q, pid, 0, correlation, 0, headers, np.payload, 0, 0,
                                          message::empty_history()});
      }
    }
    if (st && !np.trigger.empty()) {
      st = w_.record_fire.bind(1, np.topology).bind(2, np.trigger).bind(3, np.fire_ms)
               .bind(4, i64(pid)).run();
    }
    if (!st) return st.prefixed("starting a process of topology " + np.topology);
    ++p.state_counts[{np.topology, static_cast<int>(ProcessState::running)}];
    out.started.push_back(pid);
  }
  return Status::ok();
}

// Inserts a message (its id assigned here). When its queue has nothing
// unleased and the commit may still lease from it, the message is leased on
// the spot, so the lease phase needs no read for it (and only then are its
// bytes copied).
Status SqliteStore::insert_message(Pending& p, const NewMessage& m) {
  const std::uint64_t seq = next_message_id_++;
  const MessageId id = m.id ? m.id : seq;
  rows::messages::Insert row{m.queue,    seq,       id,        m.process_id, m.parent_id,
                             &m.correlation_id, m.attempts, m.crashes, m.credit,
                             &m.headers, &m.payload, &m.errors, m.cursor, p.now};
  rows::messages::bind_insert(w_.insert_message, row);
  Status st = w_.insert_message.run();
  if (!st) return st;
  ++p.depths[m.queue].queued;
  std::uint64_t& tail = tail_[m.queue];
  std::uint64_t& cursor = leased_to_[m.queue];
  auto budget = p.lease_budget.find(m.queue);
  const bool caught_up = cursor == tail;
  tail = seq;
  if (caught_up && budget != p.lease_budget.end() && budget->second > 0) {
    --budget->second;
    cursor = seq;
    p.out->leased.push_back(QueuedMessage{id, m.queue, seq, m.process_id, m.parent_id, m.correlation_id,
                                          static_cast<std::uint32_t>(m.attempts + 1),  // as leased
                                          static_cast<std::uint32_t>(m.crashes), m.credit,
                                          m.headers, m.payload, m.errors,
                                          m.cursor ? *m.cursor : kNoCursor});
  }
  return Status::ok();
}

Status SqliteStore::apply_acks(const CommitBatch& batch, Pending& p) {
  p.ack_applied.assign(batch.acks.size(), false);
  for (std::size_t i = 0; i < batch.acks.size(); ++i) {
    bool applied = false;
    Status st = apply_ack(batch.acks[i], p, &applied);
    if (!st) return st;
    p.ack_applied[i] = applied;
  }
  return Status::ok();
}

// One finished input. The process row only changes when the lineage does not
// simply continue 1 -> 1 (see "Process accounting" in store.hpp).
Status SqliteStore::apply_ack(const Ack& ack, Pending& p, bool* applied) {
  const QueuedMessage& in = ack.input;
  Status st = w_.delete_message.bind(1, in.queue).bind(2, i64(in.seq)).run();
  if (!st) return st;
  // Already acknowledged (a redelivery raced a commit): applying it again
  // would count the visit twice, so the duplicate is dropped whole.
  if (writer_.changes() == 0) return Status::ok();
  *applied = true;
  --p.depths[in.queue].queued;
  if (ack.prerequisite) return park_for_prerequisite(ack, p);  // traces the visit itself
  if (ack.traced) st = insert_visit(ack, p.now);
  if (!st) return st;
  QueueDelta& qd = p.queues[in.queue];
  if (ack.retry) {  // still alive: the process does not change
    ++qd.retried;
    return park_for_retry(in, *ack.retry, p);
  }
  if (ack.failed) {
    ++qd.failed;
    ProcessDelta& pd = p.processes[in.process_id];
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += in.credit;
    return insert_trash(in, *ack.failed, p.now);
  }
  ++qd.done;
  if (ack.stopped) ++qd.stopped;
  const std::size_t n = ack.outputs.size();
  const std::int64_t carried = n == 1 ? in.credit + 1 : 0;
  if (n != 1) {
    ProcessDelta& pd = p.processes[in.process_id];
    pd.outstanding += static_cast<std::int64_t>(n) - 1;
    pd.done += in.credit + 1;
  }
  for (const Output& o : ack.outputs) {
    NewMessage m{o.queue, in.process_id, in.id, in.correlation_id, carried, o.headers, o.payload,
                 0, 0, message::empty_history()};
    if (o.next_page) {  // the input again, as its own sibling, at its next page
      m.parent_id = in.parent_id;
      m.cursor = &*o.next_page;
    }
    st = insert_message(p, m);
    if (!st) return st;
  }
  return Status::ok();
}

Status SqliteStore::insert_trash(const QueuedMessage& in, const TrashInfo& info,
                                 std::int64_t now, int version) {
  const int v = version >= 0               ? version
                : info.topology_version > 0 ? info.topology_version
                                            : current_version(in.queue);
  rows::trash::bind_insert(w_.insert_trash, in, info, now, v);
  return w_.insert_trash.run();
}

Status SqliteStore::insert_visit(const Ack& ack, std::int64_t now, const std::string* text) {
  static const std::string kNone;
  const std::string& error = text                ? *text
                             : ack.failed        ? ack.failed->error
                             : ack.retry         ? ack.retry->why
                                                 : kNone;
  rows::visits::bind_insert(w_.insert_visit, ack, now, error);
  return w_.insert_visit.run();
}

Status SqliteStore::put_state(const CommitBatch& batch, const Pending& p) {
  const std::vector<bool> kept = kept_writes(batch, p.ack_applied).state;
  for (std::size_t i = 0; i < batch.state_puts.size(); ++i) {
    if (!kept[i]) continue;  // its call's ack was a duplicate
    const StatePut& put = batch.state_puts[i];
    Status st = w_.put_state.bind(1, put.topology)
                    .bind(2, put.key)
                    .bind_blob(3, put.value)
                    .bind(4, p.now)
                    .run();
    if (!st) return st;
  }
  return Status::ok();
}

// A finished prerequisite settles the messages waiting for it, which can
// finish their own processes (failed waiters go to the trash), so this runs
// in rounds until no process row is left to change.
Status SqliteStore::apply_process_deltas(Pending& p, CommitResult& out) {
  while (!p.processes.empty()) {
    const auto deltas = std::exchange(p.processes, {});
    const std::size_t first_finished = out.finished.size();
    for (const auto& [pid, d] : deltas) {
      w_.update_process.bind(1, d.outstanding).bind(2, d.done).bind(3, d.failed).bind(4, p.now)
          .bind(5, i64(pid));
      Status st;
      const ProcessRecord* completed = nullptr;
      if (w_.update_process.step(&st)) {
        ProcessRecord r = rows::processes::read(w_.update_process);
        const ProcessState was = state_before(r, d.outstanding, d.failed);
        if (was != r.state) {
          --p.state_counts[{r.topology, static_cast<int>(was)}];
          ++p.state_counts[{r.topology, static_cast<int>(r.state)}];
        }
        if (r.outstanding <= 0) {
          out.finished.push_back(std::move(r));
          completed = &out.finished.back();
        }
      }
      w_.update_process.reset();
      if (!st) return st;
      // A delta run that completed (failed items stay in the trash, where a
      // replay finds them): its topology's next run starts from its start.
      if (completed && completed->sync_next_ms > 0) {
        st = advance_sync_window(*completed, p.now);
        if (!st) return st;
      }
    }
    for (std::size_t i = first_finished; i < out.finished.size(); ++i) {
      if (out.finished[i].needed_by == 0) continue;  // only a prerequisite has waiters
      Status st = settle_waiters(out.finished[i], p);
      if (!st) return st;
    }
  }
  return Status::ok();
}

// One row per (topology, state) the commit moved, for /metrics (schema 11).
Status SqliteStore::write_state_counts(const Pending& p) {
  for (const auto& [key, delta] : p.state_counts) {
    if (delta == 0) continue;
    Status st = w_.add_state_count.bind(1, key.first).bind(2, key.second).bind(3, delta).run();
    if (!st) return st;
  }
  return Status::ok();
}

Status SqliteStore::apply_queue_deltas(const Pending& p) {
  for (const auto& [queue, d] : p.queues) {
    Status st =
        w_.update_queue_counts.bind(1, d.done).bind(2, d.failed).bind(3, queue).bind(4, d.retried)
            .bind(5, d.stopped).run();
    if (!st) return st;
  }
  return Status::ok();
}

// Hands out the next ready messages of each requested queue (what
// insert_message did not already lease), in id order, and persists the
// cursor so a crash can tell what was in flight.
Status SqliteStore::lease(Pending& p) {
  for (auto& [queue, budget] : p.lease_budget) {
    std::uint64_t& cursor = leased_to_[queue];
    const std::uint64_t before = p.cursor_before.at(queue);
    if (budget > 0 && cursor < tail_[queue]) {
      w_.select_ready.bind(1, queue).bind(2, i64(cursor)).bind(3, i64(budget));
      Status st;
      while (w_.select_ready.step(&st)) {
        QueuedMessage m = rows::messages::read(w_.select_ready, queue, /*leased=*/true);
        cursor = m.seq;
        p.out->leased.push_back(std::move(m));
      }
      w_.select_ready.reset();
      if (!st) return st;
    }
    if (cursor == before) continue;
    Status st = w_.update_lease.bind(1, i64(cursor)).bind(2, queue).run();
    if (!st) return st;
  }
  return Status::ok();
}

Status SqliteStore::release(const CommitBatch& batch) {
  for (const LeaseRelease& r : batch.releases) {
    std::uint64_t& cursor = leased_to_[r.queue];
    cursor = std::min(cursor, r.leased_through);
    Status st = w_.update_lease.bind(1, i64(cursor)).bind(2, r.queue).run();
    if (!st) return st;
  }
  return Status::ok();
}

Status SqliteStore::save_counters() {
  Status st = w_.save_meta.bind(1, i64(next_message_id_)).bind(2, "next_message_id").run();
  if (st) st = w_.save_meta.bind(1, i64(next_process_id_)).bind(2, "next_process_id").run();
  return st;
}

}  // namespace weir::store
