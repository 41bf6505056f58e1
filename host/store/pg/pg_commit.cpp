// PgStore::commit: one CommitBatch, one transaction, in the order CommitBatch
// (store.hpp) gives, step by step, as SqliteStore::commit_locked does. Writes
// whose answers are not needed wait in Pending::writes and go to the server
// in one pipeline before the next read; the acks' deletes go in one pipeline
// of their own. Nothing of a failed commit stays: the transaction rolls back
// and the id blocks are put back as they were.
#include <algorithm>
#include <utility>

#include <weir/payload.hpp>

#include <spdlog/spdlog.h>

#include "commit_rules.hpp"
#include "common/clock.hpp"
#include "store_text.hpp"
#include "message/attempt_history.hpp"
#include "pg_statements.hpp"
#include "pg_store.hpp"

namespace weir::store::pg {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

const Bytes kNoBytes;

// A row of kLease (as leased: attempt = stored + 1), or of
// kSelectQueueMessages (as it rests: attempt = stored).
QueuedMessage read_message(const Rows& r, int i, QueueId queue, bool leased) {
  QueuedMessage m;
  m.seq = static_cast<std::uint64_t>(r.i64(i, 0));
  m.id = static_cast<MessageId>(r.i64(i, 1));
  m.queue = queue;
  m.process_id = static_cast<ProcessId>(r.i64(i, 2));
  m.parent_id = static_cast<MessageId>(r.i64(i, 3));
  m.correlation_id = r.text(i, 4);
  m.attempt = static_cast<std::uint32_t>(r.i64(i, 5)) + (leased ? 1 : 0);
  m.crashes = static_cast<std::uint32_t>(r.i64(i, 6));
  m.credit = r.i64(i, 7);
  m.headers = r.bytes(i, 8);
  m.payload = r.bytes(i, 9);
  m.errors = r.bytes(i, 10);
  m.cursor = r.bytes(i, 11);
  if (leased) m.fence = static_cast<std::uint64_t>(r.i64(i, 12));
  return m;
}

// A row of WEIR_PG_DELAYED_COLUMNS: (due, the message as it rests).
std::pair<std::int64_t, QueuedMessage> read_delayed(const Rows& r, int i) {
  QueuedMessage m;
  m.id = static_cast<MessageId>(r.i64(i, 1));
  m.queue = r.i64(i, 2);
  m.process_id = static_cast<ProcessId>(r.i64(i, 3));
  m.parent_id = static_cast<MessageId>(r.i64(i, 4));
  m.correlation_id = r.text(i, 5);
  m.attempt = static_cast<std::uint32_t>(r.i64(i, 6));
  m.crashes = static_cast<std::uint32_t>(r.i64(i, 7));
  m.credit = r.i64(i, 8);
  m.headers = r.bytes(i, 9);
  m.payload = r.bytes(i, 10);
  m.errors = r.bytes(i, 11);
  m.cursor = r.bytes(i, 12);
  return {r.i64(i, 0), std::move(m)};
}


// How many due messages one commit brings back (the rest wait a commit).
constexpr std::int64_t kPromoteBatch = 5000;

}  // namespace

ProcessRecord read_process(const Rows& r, int i) {
  ProcessRecord p;
  p.id = static_cast<ProcessId>(r.i64(i, 0));
  p.topology = r.text(i, 1);
  p.correlation_id = r.text(i, 2);
  p.state = static_cast<ProcessState>(r.i64(i, 3));
  p.outstanding = r.i64(i, 4);
  p.done = r.i64(i, 5);
  p.failed = r.i64(i, 6);
  p.started_ms = r.i64(i, 7);
  p.finished_ms = r.i64(i, 8);
  p.needed_by = static_cast<ProcessId>(r.i64(i, 9));
  p.sync_next_ms = r.i64(i, 10);
  return p;
}

Result<CommitResult> PgStore::commit(const CommitBatch& batch) {
  std::lock_guard lock(write_mu_);
  Status st = ready_writer();
  if (!st) return st;
  const IdBlock saved_messages = message_ids_, saved_processes = process_ids_;
  const auto saved_floors = floors_;  // small: one entry per queue
  Pending p;
  p.writes.add_sql("BEGIN");  // goes with the commit's first round trip
  auto result = commit_locked(batch, p);  // ends with COMMIT
  if (!result) {
    p.writes.clear();
    // The transaction failed or never began: end it either way.
    if (writer_.ok()) (void)writer_.exec("ROLLBACK");
    message_ids_ = saved_messages;
    process_ids_ = saved_processes;
    floors_ = saved_floors;
    return result.status();
  }
  return result;
}

Result<CommitResult> PgStore::commit_locked(const CommitBatch& batch, Pending& p) {
  CommitResult out;
  p.now = now_ms();
  p.out = &out;
  Status st = release(batch, p);                                                   // 1
  if (st) st = insert_processes(batch, p, out);                                    // 2
  if (st) st = retire_queues(batch, p);                                            // 3
  if (st) st = apply_replays(batch, p);                                            // 4
  if (st && batch.promote_until_ms > 0) st = promote_due(batch.promote_until_ms, p);  // 5
  if (st) st = apply_acks(batch, p);                                               // 6
  if (st) put_state(batch, p);                                                     // 7
  if (st) put_ids(batch, p);
  if (st) st = apply_process_deltas(p, out);                                       // 8
  if (st) apply_queue_deltas(p);
  if (st) write_state_counts(p);
  if (st) st = lease_and_commit(batch, p, out);                                    // 9, 10
  if (!st) return st;
  return out;
}

Status PgStore::release(const CommitBatch& batch, Pending& p) {
  for (const LeaseRelease& r : batch.releases) {
    p.writes.add(kRelease).i64(r.queue).i64(i64(r.keep)).i64(host_id_);
    floors_[r.queue].seq = 0;  // ready again below where the last lease ended
  }
  return batch.held ? let_go_unheld(*batch.held, p) : Status::ok();
}

// After a failed commit: the leases of this host that the database holds and
// the host does not (CommitBatch::held) are let go, or the heartbeat would
// renew them for ever and their messages would never run again.
Status PgStore::let_go_unheld(const std::vector<LeaseKey>& held, Pending& p) {
  auto rows = p.writes.exchange(writer_, {Deferred::Op{kSelectOwnLeases, nullptr,
                                                       Params().i64(host_id_)}});
  if (!rows) return rows.status();
  const Rows& own = (*rows)[0];
  std::vector<LeaseKey> kept = held;
  std::sort(kept.begin(), kept.end());
  std::int64_t let_go = 0, started = 0;
  for (int i = 0; i < own.size(); ++i) {
    const LeaseKey key{own.i64(i, 0), static_cast<std::uint64_t>(own.i64(i, 1))};
    if (std::binary_search(kept.begin(), kept.end(), key)) continue;
    ++let_go;
    const bool was_started = own.i64(i, 3) != 0;
    Bytes errors = own.bytes(i, 4);
    if (was_started) {  // its outcome went with the lost commit: it ran once more than the store says
      ++started;
      errors = message::append_attempt(errors, p.now, static_cast<std::uint32_t>(own.i64(i, 2) + 1),
                                       "crash",
                                       "its result was lost with a commit the database does not have "
                                       "(a database restart or failover)");
    }
    p.writes.add(kLetGo)
        .i64(key.queue)
        .i64(i64(key.seq))
        .i64(host_id_)
        .i64(was_started ? 1 : 0)
        .bytes(p.writes.keep(std::move(errors)));
    floors_[key.queue].seq = 0;
    p.filled.insert(key.queue);  // the other hosts hear of them at COMMIT
  }
  if (let_go > 0) {
    spdlog::warn("store: this host let go of {} lease(s) the database held for it and it no longer "
                 "knew of, after a failed commit ({} had started in a call and count it as an "
                 "attempt)",
                 let_go, started);
  }
  return Status::ok();
}

Status PgStore::insert_processes(const CommitBatch& batch, Pending& p, CommitResult& out) {
  for (const NewProcess& np : batch.new_processes) {
    auto pid = take_ids(kNextProcessIds, process_ids_, kProcessIdBlock);
    if (!pid) return pid.status();
    // A trigger's slot fires once across the cluster: claimed first, in this
    // transaction; a slot another host fired starts nothing here (id 0).
    if (!np.trigger.empty()) {
      auto claimed = p.writes.exchange(
          writer_, {Deferred::Op{kRecordFire, nullptr,
                                 Params()
                                     .text(np.topology)
                                     .text(np.trigger)
                                     .i64(np.fire_ms)
                                     .i64(*pid)
                                     .i64(std::max<std::int64_t>(np.fire_gap_ms, 1))}});
      if (!claimed) return claimed.status().prefixed("starting a process of topology " + np.topology);
      if ((*claimed)[0].size() == 0) {
        out.started.push_back(0);
        continue;
      }
    }
    const std::string& correlation =
        np.correlation_id.empty() ? p.writes.keep(std::to_string(*pid)) : np.correlation_id;
    const Bytes* headers = &np.headers;
    std::int64_t next_since = 0;
    if (np.delta_overlap_ms >= 0) {
      Bytes windowed;
      Status st = sync_window_headers(np, p, &windowed);
      if (!st) return st.prefixed("starting a process of topology " + np.topology);
      headers = &p.writes.keep(std::move(windowed));
      next_since = std::max<std::int64_t>(1, p.now - np.delta_overlap_ms);
    }
    p.writes.add(kInsertProcess)
        .i64(*pid)
        .text(np.topology)
        .text(correlation)
        .i64(static_cast<std::int64_t>(np.entry_queues.size()))
        .i64(p.now)
        .i64(0)
        .i64(next_since);
    for (QueueId q : np.entry_queues) {
      Status st = insert_message(p, NewMessage{q, static_cast<ProcessId>(*pid), 0, correlation, 0,
                                               *headers, np.payload, 0, 0,
                                               p.writes.keep(message::empty_history())});
      if (!st) return st.prefixed("starting a process of topology " + np.topology);
    }
    ++p.state_counts[{np.topology, static_cast<int>(ProcessState::running)}];
    out.started.push_back(static_cast<ProcessId>(*pid));
  }
  return Status::ok();
}

Status PgStore::insert_message(Pending& p, const NewMessage& m) {
  auto seq = take_ids(kNextMessageIds, message_ids_, kMessageIdBlock);
  if (!seq) return seq.status();
  const std::int64_t id = m.id ? i64(m.id) : *seq;
  p.writes.add(kInsertMessage)
      .i64(m.queue)
      .i64(*seq)
      .i64(id)
      .i64(i64(m.process_id))
      .i64(i64(m.parent_id))
      .text(m.correlation_id)
      .i64(m.attempts)
      .i64(m.crashes)
      .i64(m.credit)
      .bytes(m.headers)
      .bytes(m.payload)
      .bytes(m.errors)
      .bytes(m.cursor ? *m.cursor : kNoBytes)
      .i64(p.now);
  ++p.queues[m.queue].queued;
  p.filled.insert(m.queue);
  return Status::ok();
}

// The inputs go first, all in one pipeline: an ack whose input is no longer
// there under its fence (acknowledged already, or taken over by another
// host after this one's lease ran out) is dropped whole.
Status PgStore::apply_acks(const CommitBatch& batch, Pending& p) {
  if (batch.acks.empty()) return Status::ok();
  std::deque<Deferred::Op> deletes;
  for (const Ack& ack : batch.acks) {
    deletes.push_back(Deferred::Op{kDeleteMessage, nullptr,
                                   Params()
                                       .i64(ack.input.queue)
                                       .i64(i64(ack.input.seq))
                                       .i64(i64(ack.input.fence))
                                       .i64(host_id_)});
  }
  auto deleted = p.writes.exchange(writer_, std::move(deletes));
  if (!deleted) return deleted.status();
  p.ack_applied.assign(batch.acks.size(), false);
  std::size_t dropped = 0;
  std::string which;
  for (std::size_t i = 0; i < batch.acks.size(); ++i) {
    if ((*deleted)[i].affected() == 0) {  // another host's now, or a duplicate
      if (++dropped <= 5) which += (which.empty() ? "" : ", ") + std::to_string(batch.acks[i].input.id);
      continue;
    }
    p.ack_applied[i] = true;
    Status st = apply_ack(batch.acks[i], p);
    if (!st) return st;
  }
  if (dropped > 0) {
    spdlog::warn("store: {} finished message(s) were no longer this host's to finish (taken over by "
                 "another host, or finished already): their results are dropped (message(s) {}{})",
                 dropped, which, dropped > 5 ? ", ..." : "");
  }
  return Status::ok();
}

// One finished input, its row already deleted. The process row only changes
// when the lineage does not simply continue 1 -> 1.
Status PgStore::apply_ack(const Ack& ack, Pending& p) {
  const QueuedMessage& in = ack.input;
  --p.queues[in.queue].queued;
  if (ack.prerequisite) return park_for_prerequisite(ack, p);  // traces the visit itself
  if (ack.traced) insert_visit(ack, p);
  QueueDelta& qd = p.queues[in.queue];
  if (ack.retry) {  // still alive: the process does not change
    ++qd.retried;
    insert_delayed(in, ack.retry->due_ms, ack.retry->errors, 0, p);
    return Status::ok();
  }
  if (ack.failed) {
    ++qd.failed;
    ProcessDelta& pd = p.processes[in.process_id];
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += in.credit;
    return insert_trash(in, *ack.failed, p);
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
  const Bytes& empty_history = p.writes.keep(message::empty_history());
  for (const Output& o : ack.outputs) {
    NewMessage m{o.queue, in.process_id, in.id, in.correlation_id, carried, o.headers, o.payload,
                 0, 0, empty_history};
    if (o.next_page) {  // the input again, as its own sibling, at its next page
      m.parent_id = in.parent_id;
      m.cursor = &*o.next_page;
    }
    Status st = insert_message(p, m);
    if (!st) return st;
  }
  return Status::ok();
}

Status PgStore::insert_trash(const QueuedMessage& in, const TrashInfo& info, Pending& p,
                             int version) {
  int v = version >= 0 ? version : info.topology_version;
  if (v <= 0) {
    auto current = current_version(in.queue);
    if (!current) return current.status();
    v = *current;
  }
  p.writes.add(kInsertTrash)
      .i64(in.queue)
      .i64(i64(in.id))
      .i64(i64(in.process_id))
      .i64(i64(in.parent_id))
      .text(in.correlation_id)
      .i64(static_cast<std::int64_t>(in.attempt))
      .text(info.error)
      .bytes(in.headers)
      .bytes(in.payload)
      .i64(p.now)
      .bytes(info.errors)
      .i64(info.first_failed_ms ? info.first_failed_ms : p.now)
      .i64(v)
      .bytes(in.cursor);
  return Status::ok();
}

// The attempt of a visit is the delivery's number among all the message's
// deliveries (message::delivery_number), as in the SQLite store.
void PgStore::insert_visit(const Ack& ack, Pending& p, const std::string* text) {
  static const std::string kNone;
  const std::string& error = text          ? p.writes.keep(*text)
                             : ack.failed  ? ack.failed->error
                             : ack.retry   ? ack.retry->why
                                           : kNone;
  const QueuedMessage& in = ack.input;
  p.writes.add(kInsertVisit)
      .i64(i64(in.process_id))
      .i64(i64(in.id))
      .i64(static_cast<std::int64_t>(message::delivery_number(in.attempt, in.errors)))
      .i64(i64(in.parent_id))
      .i64(in.queue)
      .i64(p.now)
      .i64(ack.duration_us)
      .i64(ack.outcome)
      .i64(static_cast<std::int64_t>(ack.outputs.size()))
      .text(error);
}

// `in` as it rests now: the attempt it had becomes one of its "attempts".
void PgStore::insert_delayed(const QueuedMessage& in, std::int64_t due_ms, const Bytes& errors,
                             ProcessId waits_for, Pending& p) {
  p.writes.add(kInsertDelayed)
      .i64(due_ms)
      .i64(i64(in.id))
      .i64(in.queue)
      .i64(i64(in.process_id))
      .i64(i64(in.parent_id))
      .text(in.correlation_id)
      .i64(static_cast<std::int64_t>(in.attempt))
      .i64(static_cast<std::int64_t>(in.crashes))
      .i64(in.credit)
      .bytes(in.headers)
      .bytes(in.payload)
      .bytes(errors)
      .bytes(in.cursor)
      .i64(i64(waits_for));
  ++p.queues[in.queue].waiting;
}

Status PgStore::promote_due(std::int64_t until_ms, Pending& p) {
  Status st = p.writes.flush(writer_);
  if (!st) return st;
  auto due = writer_.run(kSelectDue, Params().i64(until_ms).i64(kPromoteBatch));
  if (!due) return due.status();
  for (int i = 0; i < due->size(); ++i) {
    auto [due_ms, read] = read_delayed(*due, i);
    const QueuedMessage& m = p.held.emplace_back(std::move(read));  // the writes borrow from it
    p.writes.add(kDeleteDelayed).i64(due_ms).i64(i64(m.id));
    --p.queues[m.queue].waiting;
    // Its attempt, which did not end well, is one of its attempts now.
    st = insert_message(p, NewMessage{m.queue, m.process_id, m.parent_id, m.correlation_id,
                                      m.credit, m.headers, m.payload, m.attempt, m.crashes,
                                      m.errors, m.id, &m.cursor});
    if (!st) return st;
    p.out->promoted.push_back(m.queue);
  }
  return Status::ok();
}

void PgStore::put_state(const CommitBatch& batch, Pending& p) {
  const std::vector<bool> kept = kept_writes(batch, p.ack_applied).state;
  for (std::size_t i = 0; i < batch.state_puts.size(); ++i) {
    if (!kept[i]) continue;  // its call's input was taken over (or acked) already
    const StatePut& put = batch.state_puts[i];
    p.writes.add(kPutState).text(put.topology).text(put.key).bytes(put.value).i64(p.now);
  }
}

void PgStore::put_ids(const CommitBatch& batch, Pending& p) {
  const std::vector<bool> kept = kept_writes(batch, p.ack_applied).ids;
  for (std::size_t i = 0; i < batch.id_puts.size(); ++i) {
    if (!kept[i]) continue;
    const IdPut& put = batch.id_puts[i];
    if (put.remote_id.empty()) {
      p.writes.add(kForgetId).text(put.system).text(put.entity).text(put.local_id);
      continue;
    }
    p.writes.add(kForgetIdConflicts)
        .text(put.system)
        .text(put.entity)
        .text(put.local_id)
        .text(put.remote_id);
    p.writes.add(kPutId)
        .text(put.system)
        .text(put.entity)
        .text(put.local_id)
        .text(put.remote_id)
        .i64(p.now);
  }
}

// A finished prerequisite settles the messages waiting for it, which can
// finish their own processes, so this runs in rounds until no process row
// is left to change. Each round's updates go in one pipeline.
Status PgStore::apply_process_deltas(Pending& p, CommitResult& out) {
  while (!p.processes.empty()) {
    const auto deltas = std::exchange(p.processes, {});
    std::deque<Deferred::Op> updates;
    for (const auto& [pid, d] : deltas) {
      updates.push_back(Deferred::Op{
          kUpdateProcess, nullptr,
          Params().i64(d.outstanding).i64(d.done).i64(d.failed).i64(p.now).i64(i64(pid))});
    }
    auto rows = p.writes.exchange(writer_, std::move(updates));
    if (!rows) return rows.status();
    Status st;
    const std::size_t first_finished = out.finished.size();
    std::size_t i = 0;
    for (const auto& [pid, d] : deltas) {
      const Rows& row = (*rows)[i++];
      if (row.size() == 0) continue;
      ProcessRecord r = read_process(row, 0);
      const ProcessState was = state_before(r, d.outstanding, d.failed);
      if (was != r.state) {
        --p.state_counts[{r.topology, static_cast<int>(was)}];
        ++p.state_counts[{r.topology, static_cast<int>(r.state)}];
      }
      if (r.outstanding > 0) continue;
      // A delta run that completed: its topology's next run starts from its start.
      if (r.sync_next_ms > 0) {
        p.writes.add(kAdvanceSince).text(p.writes.keep(r.topology)).i64(r.sync_next_ms).i64(p.now);
      }
      out.finished.push_back(std::move(r));
    }
    for (std::size_t k = first_finished; k < out.finished.size(); ++k) {
      if (out.finished[k].needed_by == 0) continue;  // only a prerequisite has waiters
      st = settle_waiters(out.finished[k], p);
      if (!st) return st;
    }
  }
  return Status::ok();
}

void PgStore::write_state_counts(Pending& p) {
  for (const auto& [key, delta] : p.state_counts) {
    if (delta == 0) continue;
    p.writes.add(kAddStateCount).text(key.first).i64(key.second).i64(delta);
  }
}

void PgStore::apply_queue_deltas(Pending& p) {
  for (const auto& [queue, d] : p.queues) {
    p.writes.add(kUpdateQueue)
        .i64(d.done)
        .i64(d.failed)
        .i64(d.retried)
        .i64(d.stopped)
        .i64(d.queued)
        .i64(d.waiting)
        .i64(queue);
  }
}

// The next ready messages of each requested queue (a fence per queue's
// lease, from the statement itself), in seq order per queue; when the next
// waiting message is due; and COMMIT: all in the commit's last round trip.
//
// A lease scan starts above the queue's floor (floors_). A scan from a floor
// that came back short is not trusted: messages another host committed
// with lower seqs, or gave back, may be below it. Those queues are scanned
// again from the front for the rest of their budget in one more round trip,
// and only then does COMMIT go (a queue that runs dry costs that trip).
Status PgStore::lease_and_commit(const CommitBatch& batch, Pending& p, CommitResult& out) {
  std::map<QueueId, std::size_t> budget;
  for (const LeaseRequest& req : batch.leases) {
    if (req.max > 0) budget[req.queue] += req.max;
  }
  auto lease_op = [&](QueueId queue, std::size_t max, std::int64_t from) {
    return Deferred::Op{kLease, nullptr,
                        Params()
                            .i64(queue)
                            .i64(static_cast<std::int64_t>(max))
                            .i64(host_id_)
                            .i64(options_.lease_ms)
                            .i64(from)};
  };
  bool any_floor = false;
  std::deque<Deferred::Op> reads;
  for (const auto& [queue, max] : budget) {
    LeaseFloor& floor = floors_[queue];
    if (p.now - floor.full_scan_ms >= kFullScanMs) {
      floor.seq = 0;
      floor.full_scan_ms = p.now;
    }
    any_floor = any_floor || floor.seq > 0;
    reads.push_back(lease_op(queue, max, floor.seq));
  }
  reads.push_back(Deferred::Op{kNextDue, nullptr, Params().i64(kWaitsForProcess)});
  // The other hosts learn of the messages when this commits (a NOTIFY is
  // delivered at COMMIT, and not at all on a rollback).
  if (!p.filled.empty() && others_running_.load(std::memory_order_relaxed)) {
    std::string payload = std::to_string(host_id_) + ":";
    for (QueueId q : p.filled) payload += std::to_string(q) + ",";
    p.writes.add(kNotify).text(p.writes.keep(std::move(payload)));
  }
  if (!any_floor) reads.push_back(Deferred::Op{nullptr, "COMMIT", Params()});
  auto rows = p.writes.exchange(writer_, std::move(reads));
  if (!rows) return rows.status();
  // Per queue, what it got (the first scan, then the second).
  auto take = [&](QueueId queue, const Rows& r) {
    for (int k = 0; k < r.size(); ++k) {
      out.leased.push_back(read_message(r, k, queue, true));
      std::int64_t& floor = floors_[queue].seq;
      floor = std::max(floor, static_cast<std::int64_t>(out.leased.back().seq));
    }
  };
  std::deque<Deferred::Op> again;
  std::vector<QueueId> again_queues;
  std::size_t i = 0;
  for (const auto& [queue, max] : budget) {
    const Rows& r = (*rows)[i++];
    const bool from_floor = floors_[queue].seq > 0;  // (before take() raises it)
    take(queue, r);
    if (from_floor && static_cast<std::size_t>(r.size()) < max) {
      again.push_back(lease_op(queue, max - static_cast<std::size_t>(r.size()), 0));
      again_queues.push_back(queue);
    }
  }
  const Rows& due = (*rows)[i];
  out.next_due_ms = due.size() ? due.i64(0, 0) : 0;
  if (any_floor) {
    again.push_back(Deferred::Op{nullptr, "COMMIT", Params()});
    auto more = p.writes.exchange(writer_, std::move(again));
    if (!more) return more.status();
    for (std::size_t k = 0; k < again_queues.size(); ++k) {
      take(again_queues[k], (*more)[k]);
      floors_[again_queues[k]].full_scan_ms = p.now;
    }
  }
  // Per queue in seq order (the engine hands them out in that order).
  std::stable_sort(out.leased.begin(), out.leased.end(),
                   [](const QueuedMessage& a, const QueuedMessage& b) {
                     return a.queue != b.queue ? a.queue < b.queue : a.seq < b.seq;
                   });
  return Status::ok();
}

// ---- delta sync --------------------------------------------------------------

Status PgStore::sync_window_headers(const NewProcess& np, Pending& p, Bytes* headers) {
  Status st = p.writes.flush(writer_);
  if (!st) return st;
  auto since_row = writer_.run(kGetSince, Params().text(np.topology));
  if (!since_row) return since_row.status();
  const std::int64_t since = since_row->size() ? since_row->i64(0, 0) : 0;
  return sync_headers(np.headers, since, p.now, headers);
}

// ---- prerequisites -------------------------------------------------------------

Status PgStore::park_for_prerequisite(const Ack& ack, Pending& p) {
  const QueuedMessage& in = ack.input;
  const PrerequisiteInfo& pre = *ack.prerequisite;
  Status st = p.writes.flush(writer_);
  if (!st) return st;
  // A running process for the same thing? Looked for under a transaction
  // lock on (topology, key): a host starting one for the same key waits
  // here until this commit ends, then finds this one and joins it (two
  // lookups at once would both find none and both start one).
  auto locked = writer_.run(kLockPrerequisite, Params().text(pre.topology).text(pre.key));
  if (!locked) return locked.status();
  auto found = writer_.run(kFindPrerequisite, Params().text(pre.topology).text(pre.key));
  if (!found) return found.status();
  ProcessId target = found->size() ? static_cast<ProcessId>(found->i64(0, 0)) : 0;
  bool cycle = false;
  if (target != 0) {
    auto waits = writer_.run(kWaitsOn, Params().i64(i64(target)).i64(i64(in.process_id)));
    if (!waits) return waits.status();
    cycle = waits->size() > 0;
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
    const TrashInfo& info = p.kept_trash.emplace_back(*failed.failed);
    if (ack.traced) insert_visit(failed, p, &info.error);
    ++p.queues[in.queue].failed;
    ProcessDelta& pd = p.processes[in.process_id];
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += in.credit;
    return insert_trash(in, info, p);
  }
  const std::string trace = pre.why + ": waits for " + of;
  if (ack.traced) insert_visit(ack, p, &trace);
  insert_delayed(in, kWaitsForProcess, pre.errors, target, p);
  return Status::ok();
}

// A process of the prerequisite topology, as `weir run` would start it, with
// the asking message's correlation id and needed_by = its process.
Result<ProcessId> PgStore::start_prerequisite(const QueuedMessage& in, const PrerequisiteInfo& pre,
                                              Pending& p) {
  auto pid = take_ids(kNextProcessIds, process_ids_, kProcessIdBlock);
  if (!pid) return pid.status();
  p.writes.add(kInsertProcess)
      .i64(*pid)
      .text(pre.topology)
      .text(in.correlation_id)
      .i64(static_cast<std::int64_t>(pre.entry_queues.size()))
      .i64(p.now)
      .i64(i64(in.process_id))
      .i64(0);  // a prerequisite is never a delta run
  const Bytes& history = p.writes.keep(message::empty_history());
  for (QueueId q : pre.entry_queues) {
    Status st = insert_message(p, NewMessage{q, static_cast<ProcessId>(*pid), 0, in.correlation_id,
                                             0, kNoBytes, pre.payload, 0, 0, history});
    if (!st) return st.prefixed("starting prerequisite topology " + pre.topology);
  }
  p.writes.add(kPutPrerequisite).text(pre.topology).text(pre.key).i64(*pid);
  ++p.state_counts[{pre.topology, static_cast<int>(ProcessState::running)}];
  p.out->prerequisites_started.push_back(static_cast<ProcessId>(*pid));
  return static_cast<ProcessId>(*pid);
}

// The `prerequisites` row stays: a finished process is not joined (the
// lookup wants a running one), but a replayed one runs again and is.
Status PgStore::settle_waiters(const ProcessRecord& done, Pending& p) {
  Status st = p.writes.flush(writer_);
  if (!st) return st;
  if (done.state == ProcessState::completed) {
    // Due now: back to the end of their queues at the next commit.
    auto woke = writer_.run(kWakeWaiters, Params().i64(p.now).i64(i64(done.id)));
    if (!woke) return woke.status();
    if (woke->affected() > 0) p.out->prerequisites_met.push_back(done.id);
    return Status::ok();
  }
  auto last = writer_.run(kLastFailure, Params().i64(i64(done.id)));
  if (!last) return last.status();
  const std::pair<std::string, std::string> failure =
      last->size() ? std::pair(last->text(0, 0), last->text(0, 1)) : std::pair<std::string, std::string>();
  const std::string error = prerequisite_failed_error(done, last->size() ? &failure : nullptr);
  auto waiters = writer_.run(kSelectWaiters, Params().i64(i64(done.id)));
  if (!waiters) return waiters.status();
  for (int i = 0; i < waiters->size(); ++i) {
    auto [due, read] = read_delayed(*waiters, i);
    const QueuedMessage& m = p.held.emplace_back(std::move(read));
    p.writes.add(kDeleteDelayed).i64(due).i64(i64(m.id));
    --p.queues[m.queue].waiting;
    Bytes errors = message::append_attempt(m.errors, p.now, m.attempt, "prerequisite", error);
    const std::int64_t first = message::first_attempt_at(errors, p.now);
    const TrashInfo& info = p.kept_trash.emplace_back(TrashInfo{error, std::move(errors), first});
    st = insert_trash(m, info, p);
    if (!st) return st;
    ++p.queues[m.queue].failed;
    ProcessDelta& pd = p.processes[m.process_id];  // settled in the next round
    pd.outstanding -= 1;
    pd.failed += 1;
    pd.done += m.credit;
  }
  return Status::ok();
}

// ---- removed nodes ------------------------------------------------------------

Status PgStore::retire_queues(const CommitBatch& batch, Pending& p) {
  for (const QueueRetirement& r : batch.retirements) {
    Status st = p.writes.flush(writer_);
    if (!st) return st;
    // Every message of the queue, at rest in it or waiting in `delayed`.
    auto queued = writer_.run(kSelectQueueMessages, Params().i64(r.queue));
    if (!queued) return queued.status();
    auto waiting = writer_.run(kSelectQueueDelayed, Params().i64(r.queue));
    if (!waiting) return waiting.status();
    std::vector<const QueuedMessage*> gone;
    for (int i = 0; i < queued->size(); ++i) {
      gone.push_back(&p.held.emplace_back(read_message(*queued, i, r.queue, false)));
    }
    for (int i = 0; i < waiting->size(); ++i) {
      gone.push_back(&p.held.emplace_back(read_delayed(*waiting, i).second));
    }
    p.writes.add(kDeleteQueueMessages).i64(r.queue);
    p.writes.add(kDeleteQueueDelayed).i64(r.queue);
    p.queues[r.queue].queued -= queued->size();
    p.queues[r.queue].waiting -= waiting->size();
    int version = r.topology_version;
    if (version <= 0) {
      auto current = current_version(r.queue);
      if (!current) return current.status();
      version = *current;
    }
    for (const QueuedMessage* m : gone) {
      ProcessDelta& d = p.processes[m->process_id];
      d.outstanding -= 1;
      d.failed += 1;
      d.done += m->credit;
      ++p.queues[r.queue].failed;
      Bytes errors = message::append_attempt(m->errors, p.now, m->attempt, "removed", r.reason);
      const std::int64_t first = message::first_attempt_at(errors, p.now);
      const TrashInfo& info = p.kept_trash.emplace_back(TrashInfo{r.reason, std::move(errors), first});
      st = insert_trash(*m, info, p, version);
      if (!st) return st;
    }
  }
  return Status::ok();
}

// ---- replays -------------------------------------------------------------------

Status PgStore::apply_replays(const CommitBatch& batch, Pending& p) {
  for (const Replay& r : batch.replays) {
    std::vector<std::int64_t> replayed, missing, refused;
    for (std::int64_t id : r.trash_ids) {
      ReplayOne one = ReplayOne::missing;
      Status st = replay_one(id, r.served_queues ? &*r.served_queues : nullptr, p, &one);
      if (!st) return st;
      (one == ReplayOne::replayed ? replayed : one == ReplayOne::missing ? missing : refused)
          .push_back(id);
    }
    p.out->replayed.insert(p.out->replayed.end(), replayed.begin(), replayed.end());
    p.out->not_in_trash.insert(p.out->not_in_trash.end(), missing.begin(), missing.end());
    p.out->replay_refused.insert(p.out->replay_refused.end(), refused.begin(), refused.end());
    AuditEntry audit = r.audit;
    audit.detail = replay_audit_detail(audit.detail, replayed, missing, refused);
    Status st = p.writes.flush(writer_);
    if (st) st = insert_audit(audit);
    if (!st) return st;
  }
  return Status::ok();
}

// Back to the end of its node's queue: same process, lineage and history,
// attempts from zero. Not when its queue is not among `served`.
Status PgStore::replay_one(std::int64_t trash_id, const std::vector<QueueId>* served, Pending& p,
                           ReplayOne* outcome) {
  Status st = p.writes.flush(writer_);
  if (!st) return st;
  auto row = writer_.run(kSelectForReplay, Params().i64(trash_id));
  if (!row) return row.status();
  *outcome = ReplayOne::missing;
  if (row->size() == 0) return Status::ok();
  const QueueId queue = row->i64(0, 0);
  if (served && std::find(served->begin(), served->end(), queue) == served->end()) {
    *outcome = ReplayOne::refused;
    return Status::ok();
  }
  *outcome = ReplayOne::replayed;
  QueuedMessage read;
  read.queue = queue;
  read.id = static_cast<MessageId>(row->i64(0, 1));
  read.process_id = static_cast<ProcessId>(row->i64(0, 2));
  read.parent_id = static_cast<MessageId>(row->i64(0, 3));
  read.correlation_id = row->text(0, 4);
  read.headers = row->bytes(0, 6);
  read.payload = row->bytes(0, 7);
  read.errors = row->bytes(0, 8);
  read.cursor = row->bytes(0, 9);
  const QueuedMessage& m = p.held.emplace_back(std::move(read));
  // Attempts from zero; the history stays (and the trace goes on from it).
  st = insert_message(p, NewMessage{queue, m.process_id, m.parent_id, m.correlation_id, 0,
                                    m.headers, m.payload, 0, 0, m.errors, m.id, &m.cursor});
  if (!st) return st;
  ProcessDelta& d = p.processes[m.process_id];
  d.outstanding += 1;
  d.failed -= 1;
  p.out->promoted.push_back(queue);
  p.writes.add(kDeleteTrash).i64(trash_id);
  return Status::ok();
}

}  // namespace weir::store::pg
