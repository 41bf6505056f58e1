// Pure text work the stores share (SQLite and PostgreSQL), so each rule is
// written once: what a trash --grep matches, how an operator's audit detail
// gains its outcome, and the key range of a state prefix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace weir::store {

// Whether a trash entry matches `grep` (empty: every entry): in its last
// error, in any attempt's error, or in its payload as JSON.
bool trash_matches(const TrashRecord& r, const std::string& grep);

// `detail` (an audit entry's JSON object) with `key` set to `ids`. A detail
// that is not a JSON object is kept as {"note": detail}.
std::string audit_with(const std::string& detail, const char* key,
                       const std::vector<std::int64_t>& ids);
// The same with `key` set to a number (e.g. "deleted": 3).
// A replay's audit detail: what was replayed, what was not in the trash,
// and (when any) what no node serves now.
std::string replay_audit_detail(const std::string& detail, const std::vector<std::int64_t>& replayed,
                                const std::vector<std::int64_t>& missing,
                                const std::vector<std::int64_t>& refused);
std::string audit_with_count(const std::string& detail, const char* key, std::int64_t n);

// The least string greater than every string that starts with `prefix`
// (bytewise): so the keys with that prefix are [prefix, prefix_end). Empty
// when there is none (the prefix is empty or all 0xff bytes): no bound.
// The result need not be valid UTF-8.
std::string prefix_end(const std::string& prefix);

}  // namespace weir::store
