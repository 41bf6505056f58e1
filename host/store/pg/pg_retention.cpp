// Retention in the PostgreSQL store: the SQLite store's rules
// (sqlite_retention.cpp: processes in id order up to the first that
// started at or after the cutoff; kept when running, in the trash, or
// waited for), as one statement per batch on the writer connection.
//
// Several hosts may run it: a batch runs only while this host holds the
// transaction-level advisory lock 7735003, so at most one host prunes at a
// time; the others find it taken and skip the batch (nothing is pruned
// twice, and no host waits behind another's batch).
#include "pg_store.hpp"
#include "retention.hpp"

namespace weir::store::pg {
namespace {

// $1 the last id looked at before, $2 how many to look at, $3 the cutoff.
const char* const kPrune = R"sql(
WITH looked AS MATERIALIZED (
  SELECT id, state, started_ms, finished_ms FROM processes WHERE id > $1 ORDER BY id LIMIT $2
), cut AS MATERIALIZED (
  SELECT min(id) AS id FROM looked WHERE started_ms >= $3
), considered AS MATERIALIZED (
  SELECT l.* FROM looked l, cut WHERE cut.id IS NULL OR l.id < cut.id
), doomed AS MATERIALIZED (
  SELECT c.id FROM considered c
  WHERE c.state <> 0 AND c.finished_ms < $3
    AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.process_id = c.id)
    AND NOT EXISTS (SELECT 1 FROM delayed d WHERE d.waits_for = c.id AND d.waits_for <> 0)
), gone_visits AS (
  DELETE FROM visits v USING doomed WHERE v.process_id = doomed.id RETURNING 1
), gone AS (
  DELETE FROM processes p USING doomed WHERE p.id = doomed.id AND p.state <> 0 RETURNING 1
)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM gone_visits),
       coalesce((SELECT max(id) FROM considered), $1),
       (SELECT count(*) FROM looked), (SELECT id IS NOT NULL FROM cut)::int::bigint
)sql";

}  // namespace

Result<PruneResult> PgStore::prune_processes(std::int64_t finished_before_ms, ProcessId after,
                                             std::size_t max) {
  std::lock_guard lock(write_mu_);
  PruneResult out;
  out.last = after;
  Status st = in_transaction([&]() -> Status {
    auto mine = writer_.query("SELECT pg_try_advisory_xact_lock(7735003)::int::bigint");
    if (!mine) return mine.status();
    if (mine->i64(0, 0) == 0) return Status::ok();  // another host prunes now
    auto r = writer_.query(kPrune, Params()
                                       .i64(static_cast<std::int64_t>(after))
                                       .i64(static_cast<std::int64_t>(max))
                                       .i64(finished_before_ms));
    if (!r) return r.status();
    out.processes = r->i64(0, 0);
    out.visits = r->i64(0, 1);
    out.last = static_cast<ProcessId>(r->i64(0, 2));
    out.more = r->i64(0, 4) == 0 && static_cast<std::size_t>(r->i64(0, 3)) == max;
    return Status::ok();
  });
  if (!st) return st.prefixed("pruning finished processes");
  return out;
}

Status PgStore::start_retention() {
  if (retention_) return Status::ok();
  retention_ = weir::store::start_retention(
      options_.keep_finished_ms,
      [this](std::int64_t before, ProcessId after, std::size_t max) {
        return prune_processes(before, after, max);
      });
  return Status::ok();
}

}  // namespace weir::store::pg
