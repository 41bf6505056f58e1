// The pump's quarantine of crash suspects (see pump.hpp).
//
//   none --(a suspect reaches the front of its node's buffer)--> draining
//   draining --(no call runs, no commit is under way)--> releasing
//       (every other lease is given back in one commit)
//   releasing --(that commit is done)--> ready
//   ready --(dispatch sends the suspect, alone, batch of one)--> running
//   running --(its result arrives)--> none   (every node may lease again)
//
// While it lasts nothing else is leased or dispatched; results and starts
// still commit. A crash during `running` finds only the suspect leased.
#include "engine/pump.hpp"

namespace weir::engine {

bool Pump::is_suspect(const NodeRuntime& node) const {
  const auto& buffer = state_[node.slot].prefetched;
  return !buffer.empty() && buffer.front().crashes > 0;
}

void Pump::advance_quarantine() {
  if (quarantine_ != Quarantine::draining || !calls_.empty() || committer_.busy()) return;
  auto& buffer = state_[suspect_slot_].prefetched;
  auto all = plan_releases(std::make_pair(suspect_slot_, buffer.front().seq));
  releases_.insert(releases_.end(), all.begin(), all.end());  // after any a swap left
  quarantine_ = Quarantine::releasing;
}

void Pump::end_quarantine(std::uint32_t slot) {
  if (quarantine_ != Quarantine::running || slot != suspect_slot_) return;
  quarantine_ = Quarantine::none;
  for (auto& s : state_) s.maybe_ready = true;  // the released leases are ready again
}

}  // namespace weir::engine
