#include "commit_rules.hpp"

#include <weir/payload.hpp>

namespace weir::store {

Status sync_headers(const Bytes& headers, std::int64_t since_ms, std::int64_t now_ms, Bytes* out) {
  Headers h;
  try {
    h = payload::decode_headers(headers);
  } catch (const PayloadError& e) {  // checked by whoever started it; never here
    return Status::error(std::string("process headers: ") + e.what());
  }
  h.erase(kSyncSinceHeader);  // the host's to set, not the starter's
  if (since_ms > 0) h[kSyncSinceHeader] = std::to_string(since_ms);
  h[kSyncUntilHeader] = std::to_string(now_ms);
  *out = payload::encode_headers(h);
  return Status::ok();
}

std::string prerequisite_cycle_error(const std::string& why, const std::string& of,
                                     ProcessId target, ProcessId own) {
  return why + ", but " + of +
         (target == own ? " is this message's own process: it would wait for itself forever"
                        : " is waiting for this message's own process " + std::to_string(own) +
                              ": they would wait for each other forever");
}

std::string prerequisite_failed_error(const ProcessRecord& done,
                                      const std::pair<std::string, std::string>* last_failure) {
  std::string reason = "ended with failures";
  if (last_failure) reason += " (at node " + last_failure->first + ": " + last_failure->second + ")";
  return "needed process " + std::to_string(done.id) + " of topology " + done.topology +
         " to complete first, and it " + reason + "; replay that first (weir process show " +
         std::to_string(done.id) + "), then this";
}

ProcessState state_before(const ProcessRecord& after, std::int64_t outstanding_delta,
                          std::int64_t failed_delta) {
  if (after.outstanding - outstanding_delta > 0) return ProcessState::running;
  return after.failed - failed_delta > 0 ? ProcessState::failed : ProcessState::completed;
}

KeptWrites kept_writes(const CommitBatch& batch, const std::vector<bool>& ack_applied) {
  KeptWrites out{std::vector<bool>(batch.state_puts.size(), true),
                 std::vector<bool>(batch.id_puts.size(), true)};
  std::size_t a = 0, s = 0, d = 0;
  for (const CallSpan& call : batch.calls) {
    bool whole = true;
    for (std::size_t i = a; i < a + call.acks && i < ack_applied.size(); ++i) whole = whole && ack_applied[i];
    if (!whole) {
      for (std::size_t i = s; i < s + call.state_puts && i < out.state.size(); ++i) out.state[i] = false;
      for (std::size_t i = d; i < d + call.id_puts && i < out.ids.size(); ++i) out.ids[i] = false;
    }
    a += call.acks;
    s += call.state_puts;
    d += call.id_puts;
  }
  return out;
}

}  // namespace weir::store
