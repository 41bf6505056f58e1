#include "commit_plan.hpp"

#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "message/attempt_history.hpp"

namespace weir::engine {
namespace {

// A prerequisite starts its topology where that topology starts now (a
// reload since the node's result may have changed it), or, when it no
// longer runs, the message goes to the trash saying so.
void aim_prerequisite(store::Ack& ack, const EntryPoints& entry_points) {
  auto entry = entry_points.find(ack.prerequisite->topology);
  if (entry != entry_points.end()) {
    ack.prerequisite->entry_queues = entry->second;
    return;
  }
  store::PrerequisiteInfo pre = std::move(*ack.prerequisite);
  ack.prerequisite.reset();
  const std::int64_t first = message::first_attempt_at(pre.errors, now_ms());
  ack.failed = store::TrashInfo{pre.why + " (but topology " + pre.topology +
                                    " was taken out by a reload before it could start)",
                                std::move(pre.errors), first};
  spdlog::warn("message {} of process {}: {}", ack.input.id, ack.input.process_id,
               ack.failed->error);
}

}  // namespace

void CommitPlan::add_call(std::vector<store::Ack> acks, std::vector<store::StatePut> puts,
                          std::vector<store::IdPut> ids) {
  acks_added_ += acks.size();
  acks_waiting_ += acks.size();
  results_.push_back(CallResults{std::move(acks), std::move(puts), std::move(ids)});
}

void CommitPlan::pending_inputs(std::vector<store::LeaseKey>& out) const {
  for (const CallResults& call : results_) {
    for (const auto& ack : call.acks) out.push_back({ack.input.queue, ack.input.seq});
  }
}

void CommitPlan::forget_retirements(const std::vector<store::QueueId>& queues) {
  std::erase_if(retirements_, [&](const PendingRetirement& r) {
    return std::find(queues.begin(), queues.end(), r.retirement.queue) != queues.end();
  });
}

void CommitPlan::add_releases(const std::vector<store::LeaseRelease>& releases) {
  releases_.insert(releases_.end(), releases.begin(), releases.end());
}

bool CommitPlan::has_work() const {
  if (!results_.empty() || !starts_.empty() || !replays_.empty() || !releases_.empty()) {
    return true;
  }
  return std::any_of(retirements_.begin(), retirements_.end(),
                     [&](const auto& r) { return r.after_acks <= acks_committed_; });
}

bool CommitPlan::drained() const {
  return results_.empty() && starts_.empty() && replays_.empty();
}

store::CommitBatch CommitPlan::build(const EntryPoints& entry_points,
                                     const std::vector<store::QueueId>& served_queues,
                                     std::vector<store::LeaseRequest> leases,
                                     std::int64_t promote_until_ms) {
  store::CommitBatch batch;
  take_results(batch);
  for (auto& ack : batch.acks) {
    if (ack.prerequisite) aim_prerequisite(ack, entry_points);
  }
  take_starts(batch, entry_points);
  committing_replays_.swap(replays_);
  for (const auto& cmd : committing_replays_) {
    batch.replays.push_back(cmd->replay);
    batch.replays.back().served_queues = served_queues;
  }
  for (auto& r : retirements_) {
    if (r.after_acks <= acks_committed_) batch.retirements.push_back(r.retirement);
  }
  std::erase_if(retirements_, [&](const auto& r) { return r.after_acks <= acks_committed_; });
  batch.promote_until_ms = promote_until_ms;
  batch.leases = std::move(leases);
  batch.releases = releases_;
  return batch;
}

// Whole calls, oldest first, while the cap allows (the first one always).
void CommitPlan::take_results(store::CommitBatch& batch) {
  in_commit_.clear();
  std::size_t acks = 0;
  while (!results_.empty() &&
         (in_commit_.empty() || acks + results_.front().acks.size() <= max_acks_)) {
    CallResults& call = results_.front();
    in_commit_.push_back(Taken{call.acks.size(), call.puts.size(), call.ids.size()});
    batch.calls.push_back(store::CallSpan{static_cast<std::uint32_t>(call.acks.size()),
                                          static_cast<std::uint32_t>(call.puts.size()),
                                          static_cast<std::uint32_t>(call.ids.size())});
    acks += call.acks.size();
    std::move(call.acks.begin(), call.acks.end(), std::back_inserter(batch.acks));
    std::move(call.puts.begin(), call.puts.end(), std::back_inserter(batch.state_puts));
    std::move(call.ids.begin(), call.ids.end(), std::back_inserter(batch.id_puts));
    results_.pop_front();
  }
  acks_waiting_ -= acks;
}

// Entry points are looked up now, not when the start was asked for: a
// reload in between may have changed them.
void CommitPlan::take_starts(store::CommitBatch& batch, const EntryPoints& entry_points) {
  for (auto& cmd : starts_) {
    auto entry = entry_points.find(cmd->topology);
    if (entry == entry_points.end()) {
      cmd->reply.set_value(Status::error("topology " + cmd->topology +
                                         " is not running any more (removed or disabled by a "
                                         "reload); nothing was started"));
      continue;
    }
    cmd->entry_queues = entry->second;
    for (const auto& req : cmd->requests) {
      batch.new_processes.push_back(store::NewProcess{cmd->topology, req.correlation_id,
                                                      req.start_queue
                                                          ? std::vector{req.start_queue}
                                                          : cmd->entry_queues,
                                                      req.headers,
                                                      req.payload, req.trigger, req.fire_ms,
                                                      cmd->delta_overlap_ms, req.fire_gap_ms});
    }
    committing_.push_back(std::move(cmd));
  }
  starts_.clear();
}

void CommitPlan::committed(store::CommitBatch& batch, const store::CommitResult& result) {
  acks_committed_ += batch.acks.size();
  // Releases come in only while no commit is under way, so these are the
  // batch's; erase them by count all the same.
  releases_.erase(releases_.begin(),
                  releases_.begin() + static_cast<std::ptrdiff_t>(
                                          std::min(batch.releases.size(), releases_.size())));
  std::size_t next = 0;
  for (auto& cmd : committing_) {
    const std::size_t n = cmd->requests.size();
    cmd->reply.set_value(std::vector<store::ProcessId>(result.started.begin() + next,
                                                       result.started.begin() + next + n));
    next += n;
  }
  committing_.clear();
  answer_replays(result);
  committing_replays_.clear();
}

// The store reports replayed, missing and refused ids each in request order;
// walk all three.
void CommitPlan::answer_replays(const store::CommitResult& result) {
  std::size_t r = 0, m = 0, x = 0;
  for (auto& cmd : committing_replays_) {
    ReplayOutcome out;
    for (std::int64_t id : cmd->replay.trash_ids) {
      if (r < result.replayed.size() && result.replayed[r] == id) {
        out.replayed.push_back(result.replayed[r++]);
      } else if (x < result.replay_refused.size() && result.replay_refused[x] == id) {
        out.not_served.push_back(result.replay_refused[x++]);
      } else if (m < result.not_in_trash.size()) {
        out.not_in_trash.push_back(result.not_in_trash[m++]);
      }
    }
    cmd->reply.set_value(std::move(out));
  }
}

// Nothing of the batch happened: its calls go back in front, whole and in
// their order (state puts before anything collected since, so a newer
// write to the same key still wins).
void CommitPlan::failed(store::CommitBatch& batch, const Status& error) {
  std::size_t a = batch.acks.size(), p = batch.state_puts.size(), d = batch.id_puts.size();
  // The [from, from + n) part of `list`, moved out.
  auto slice = [](auto& list, std::size_t from, std::size_t n) {
    const auto begin = list.begin() + static_cast<std::ptrdiff_t>(from);
    return std::remove_reference_t<decltype(list)>(
        std::make_move_iterator(begin),
        std::make_move_iterator(begin + static_cast<std::ptrdiff_t>(n)));
  };
  for (auto it = in_commit_.rbegin(); it != in_commit_.rend(); ++it) {
    CallResults call;
    a -= it->acks;
    p -= it->puts;
    d -= it->ids;
    call.acks = slice(batch.acks, a, it->acks);
    call.puts = slice(batch.state_puts, p, it->puts);
    call.ids = slice(batch.id_puts, d, it->ids);
    acks_waiting_ += call.acks.size();
    results_.push_front(std::move(call));
  }
  in_commit_.clear();
  for (auto& r : batch.retirements) retirements_.push_back({0, std::move(r)});
  for (auto& cmd : committing_) cmd->reply.set_value(error.prefixed("nothing was started"));
  committing_.clear();
  for (auto& cmd : committing_replays_) cmd->reply.set_value(error.prefixed("nothing was replayed"));
  committing_replays_.clear();
}

void CommitPlan::answer_all(const Status& error) {
  for (auto* list : {&starts_, &committing_}) {
    for (auto& cmd : *list) cmd->reply.set_value(error);
    list->clear();
  }
  for (auto* list : {&replays_, &committing_replays_}) {
    for (auto& cmd : *list) cmd->reply.set_value(error);
    list->clear();
  }
}

}  // namespace weir::engine
