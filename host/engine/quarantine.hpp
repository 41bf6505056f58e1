// Quarantine: how the pump runs a crash suspect. A message on record as in a
// call when the host died (crashes > 0) may be what killed it. It runs alone:
// the pump lets every other call finish, gives back every other lease in one
// commit, and only then sends the suspect, in a call of its own; so a further
// crash counts against it and nobody else (its attempts used up that way, it
// goes to the trash unrun: routing.hpp, set_aside).
//
//   none --begin(slot): a suspect is next in that node's buffer--> draining
//   draining --no call runs, no commit is under way: releases planned--> releasing
//   releasing --the commit with those releases is done--> ready
//   ready --the suspect is sent--> running
//   running --its result arrives--> none (every node may lease again)
//   any --abandon(): the host stops--> none
//
// While a quarantine lasts nothing else is leased or dispatched; results,
// starts and replays still commit. Abandoned at a stop, the suspect keeps its
// crash on record in the store and runs alone at the next start.
//
// Threads: the pump's.
#pragma once

#include <cstdint>

namespace weir::engine {

class Quarantine {
 public:
  enum class Phase { none, draining, releasing, ready, running };

  Phase phase() const { return phase_; }
  bool active() const { return phase_ != Phase::none; }
  std::uint32_t slot() const { return slot_; }  // the suspect's node, while active

  void begin(std::uint32_t slot) {
    phase_ = Phase::draining;
    slot_ = slot;
  }
  // True when the releases should be planned now (draining, and the calls
  // and the commit it waited for are over).
  bool time_to_release(bool calls_running, bool committing) const {
    return phase_ == Phase::draining && !calls_running && !committing;
  }
  void releases_planned() { phase_ = Phase::releasing; }
  void releases_committed() {
    if (phase_ == Phase::releasing) phase_ = Phase::ready;
  }
  void suspect_sent() { phase_ = Phase::running; }
  // A call of `slot` answered. True when that was the suspect's: it is over.
  bool call_ended(std::uint32_t slot) {
    if (phase_ != Phase::running || slot != slot_) return false;
    phase_ = Phase::none;
    return true;
  }
  void abandon() { phase_ = Phase::none; }

 private:
  Phase phase_ = Phase::none;
  std::uint32_t slot_ = 0;
};

}  // namespace weir::engine
