// The rows of the store's tables: one codec per table. Each holds the SQL
// that writes or reads the table's columns and the code that binds or reads
// them, side by side in its own file (rows_<table>.cpp), so a column is
// numbered in exactly one place. The schema itself is in schema.cpp.
//
// A message rests in one of three tables: its queue (`messages`), `delayed`
// while it waits (to be retried, or for a prerequisite), or the `trash`.
// Each stores `attempts`: the deliveries that did not end well. A message
// being delivered (QueuedMessage, as leased) has attempt = attempts + 1;
// when it moves on to `delayed` or the trash, that delivery is one that did
// not end well, so its attempt is what they store.
//
// Statements are prepared by their users (the writer's in
// SqliteStore::prepare_writer); texts and blobs are bound without copies, so
// what is bound must live until the statement runs.
#pragma once

#include <cstdint>
#include <string>

#include "sqlite_db.hpp"
#include "store/store.hpp"

namespace weir::store::rows {

// ---- messages: a message in its queue (rows_messages.cpp) ----
namespace messages {
// A message to insert; borrows everything.
struct Insert {
  QueueId queue = 0;
  std::uint64_t seq = 0;
  MessageId id = 0;
  ProcessId process_id = 0;
  MessageId parent_id = 0;
  const std::string* correlation_id = nullptr;
  std::int64_t attempts = 0;  // deliveries so far that did not end well
  std::int64_t crashes = 0;
  std::int64_t credit = 0;
  const Bytes* headers = nullptr;
  const Bytes* payload = nullptr;
  const Bytes* errors = nullptr;
  const Bytes* cursor = nullptr;
  std::int64_t created_ms = 0;
};
extern const char* const kInsert;
void bind_insert(Stmt& s, const Insert& m);
// ?1 queue, ?2 after this seq, ?3 at most: the next ready messages, by seq.
extern const char* const kSelectReady;
// ?1 queue: every message of the queue.
extern const char* const kSelectQueue;
// A row of kSelectReady or kSelectQueue. `leased`: as handed out for a
// delivery (attempt = stored + 1); else as it rests (attempt = stored).
QueuedMessage read(const Stmt& s, QueueId queue, bool leased);
// ?1 queue, ?2 seq.
extern const char* const kDelete;
}  // namespace messages

// ---- delayed: a message waiting outside its queue (rows_delayed.cpp) ----
namespace delayed {
// `m` as it rests now: its attempt is the delivery that did not end well.
extern const char* const kInsert;
void bind_insert(Stmt& s, const QueuedMessage& m, std::int64_t due_ms, const Bytes& errors,
                 ProcessId waits_for);
// ?1 due by, ?2 at most: the due ones, oldest first.
extern const char* const kSelectDue;
// ?1 process: the messages waiting for it.
extern const char* const kSelectWaiters;
// ?1 queue: every waiting message of the queue.
extern const char* const kSelectQueue;
struct Row {
  std::int64_t due_ms = 0;
  QueuedMessage message;  // attempt = deliveries that did not end well
};
Row read(const Stmt& s);
// ?1 due_ms, ?2 id.
extern const char* const kDelete;
}  // namespace delayed

// ---- trash (rows_trash.cpp) ----
namespace trash {
// `m` as it failed; `version`: the topology version to record.
extern const char* const kInsert;
void bind_insert(Stmt& s, const QueuedMessage& m, const TrashInfo& info, std::int64_t now,
                 int version);
// Every column of an entry, for listings: append " WHERE ..." (t = trash,
// q = queues).
extern const char* const kSelect;
TrashRecord read(const Stmt& s);
// ?1 id: what a replay needs to put the message back.
extern const char* const kSelectForReplay;
struct Replayed {
  QueueId queue = 0;
  QueuedMessage message;  // as it rests (attempt = the deliveries on record)
};
Replayed read_for_replay(const Stmt& s);
}  // namespace trash

// ---- processes (rows_processes.cpp) ----
namespace processes {
// ?1 id, ?2 topology, ?3 correlation id, ?4 live messages, ?5 started, ?6 needed_by.
extern const char* const kInsert;
// Applies a commit's delta to one process and reads it back (RETURNING).
extern const char* const kUpdate;
// " FROM processes" and a WHERE to append.
extern const char* const kSelect;
// A row of kUpdate or kSelect.
ProcessRecord read(const Stmt& s);
// process_counts: ?1 topology, ?2 state, ?3 delta.
extern const char* const kAddCount;
}  // namespace processes

// ---- visits: the process trace (rows_processes.cpp) ----
namespace visits {
extern const char* const kInsert;
void bind_insert(Stmt& s, const Ack& ack, std::int64_t now, const std::string& error);
// ?1 process: its visits in the order they were committed.
extern const char* const kSelectOfProcess;
Visit read(const Stmt& s);
}  // namespace visits

}  // namespace weir::store::rows
