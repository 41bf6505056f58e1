// Rules of a commit that do not depend on the database: both stores (SQLite
// and PostgreSQL) apply them the same way, so they are stated once here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"

namespace weir::store {

// A delta process's first headers: `headers` with its sync window (since:
// the topology's, none on its first run; until: now). The since header is
// the host's to set, never the starter's.
Status sync_headers(const Bytes& headers, std::int64_t since_ms, std::int64_t now_ms, Bytes* out);

// Why a message that would wait for `target` (described as `of`) goes to the
// trash instead: it is, or waits for, the message's own process.
std::string prerequisite_cycle_error(const std::string& why, const std::string& of,
                                     ProcessId target, ProcessId own);

// Why a message waiting for `done` goes to the trash when `done` ended with
// failures; `last_failure` (node, error) is its newest trash entry, if any.
std::string prerequisite_failed_error(const ProcessRecord& done,
                                      const std::pair<std::string, std::string>* last_failure);

// Which of a batch's state and ID writes stand (step 7), given which of its
// acks were applied: those of calls none of whose acks was dropped. Writes
// past the spans `batch.calls` cover (or all, without spans) stand.
struct KeptWrites {
  std::vector<bool> state;  // by index in batch.state_puts
  std::vector<bool> ids;    // by index in batch.id_puts
};
KeptWrites kept_writes(const CommitBatch& batch, const std::vector<bool>& ack_applied);

// The state a process row had before a commit applied (outstanding_delta,
// failed_delta) to it: the state follows from those two alone.
ProcessState state_before(const ProcessRecord& after, std::int64_t outstanding_delta,
                          std::int64_t failed_delta);

}  // namespace weir::store
