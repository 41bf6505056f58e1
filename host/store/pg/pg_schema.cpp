// The PostgreSQL schema and its migrations.
//
// Version numbers are the SQLite store's (schema.cpp): version N means the
// same tables with the same meaning in both stores. A PostgreSQL database
// is made at the version the store first shipped with (14) in one step,
// since no older one exists; later migrations are added to both stores. The
// version is the `meta` row 'schema_version'. A database with a version
// newer than this build knows is refused, never touched.
//
// What differs from SQLite, and why:
//  - Every integer is bigint, so the binary protocol reads one width.
//  - State keys are bytea: a plugin's key is any bytes (SQLite's TEXT takes
//    them), and a prefix is a bytewise range.
//  - Leases are per message (several hosts lease from one queue): the host
//    that holds it (`lease_host`, a row of `hosts`, 0: ready), until when
//    by the database's clock (`lease_until`, ms), the fencing token of the
//    lease (`fence`, from the sequence `fences`: every ack of it must name
//    it), and whether a call had started it (`started`: a lease taken over
//    from a dead host counts an attempt and a crash only then). SQLite's
//    per-queue cursor and dispatch-marks file do this for one host.
//  - Queue depths (`queued`, `waiting`) are columns of `queues`, moved in
//    each commit: every host reads the same numbers without counting rows.
//  - Ids come from sequences in blocks (pg_store.hpp: IdBlock).
//  - Autovacuum is set per table for queue churn: messages are inserted,
//    updated once (the lease) and deleted within seconds, so their dead
//    rows are vacuumed after a fixed number of changes, not a fraction of
//    a table that is often nearly empty; `queues` rows (counters updated by
//    every commit) keep room on their page for HOT updates.
#include "pg_schema.hpp"

#include <random>
#include <string>

namespace weir::store::pg {
namespace {

constexpr int kFirst = 14;  // the version a new database is made at

const char* const kCreate = R"sql(
CREATE TABLE meta(
  key   text PRIMARY KEY,
  value bigint NOT NULL
);

CREATE FUNCTION weir_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
  $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE SEQUENCE message_ids INCREMENT BY 1024;  -- a host takes 1024 ids at a time
CREATE SEQUENCE process_ids INCREMENT BY 256;
CREATE SEQUENCE fences;

CREATE TABLE hosts(
  id           bigserial PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  started_ms   bigint NOT NULL,
  heartbeat_ms bigint NOT NULL,
  pid          bigint NOT NULL,
  detail       text NOT NULL DEFAULT ''
);

CREATE TABLE queues(
  id       bigserial PRIMARY KEY,
  topology text NOT NULL,
  node     text NOT NULL,
  done     bigint NOT NULL DEFAULT 0,
  failed   bigint NOT NULL DEFAULT 0,
  retried  bigint NOT NULL DEFAULT 0,
  stopped  bigint NOT NULL DEFAULT 0,
  queued   bigint NOT NULL DEFAULT 0,
  waiting  bigint NOT NULL DEFAULT 0,
  UNIQUE(topology, node)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE TABLE messages(
  queue_id       bigint NOT NULL,
  seq            bigint NOT NULL,
  id             bigint NOT NULL,
  process_id     bigint NOT NULL,
  parent_id      bigint NOT NULL,
  correlation_id text NOT NULL,
  attempts       bigint NOT NULL,
  crashes        bigint NOT NULL,
  credit         bigint NOT NULL,
  headers        bytea NOT NULL,
  payload        bytea NOT NULL,
  errors         bytea NOT NULL,
  cursor         bytea NOT NULL,
  created_ms     bigint NOT NULL,
  lease_host     bigint NOT NULL DEFAULT 0,
  lease_until    bigint NOT NULL DEFAULT 0,
  fence          bigint NOT NULL DEFAULT 0,
  started        boolean NOT NULL DEFAULT false,
  PRIMARY KEY(queue_id, seq)
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0,
        autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX messages_ready ON messages(queue_id, seq) WHERE lease_host = 0;
CREATE INDEX messages_leased ON messages(lease_host) WHERE lease_host <> 0;

CREATE TABLE delayed(
  due_ms         bigint NOT NULL,
  id             bigint NOT NULL,
  queue_id       bigint NOT NULL,
  process_id     bigint NOT NULL,
  parent_id      bigint NOT NULL,
  correlation_id text NOT NULL,
  attempts       bigint NOT NULL,
  crashes        bigint NOT NULL,
  credit         bigint NOT NULL,
  headers        bytea NOT NULL,
  payload        bytea NOT NULL,
  errors         bytea NOT NULL,
  cursor         bytea NOT NULL,
  waits_for      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY(due_ms, id)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);
CREATE INDEX delayed_waits_for ON delayed(waits_for) WHERE waits_for <> 0;
CREATE INDEX delayed_waiting_process ON delayed(process_id, waits_for) WHERE waits_for <> 0;
CREATE INDEX delayed_queue ON delayed(queue_id);

CREATE TABLE processes(
  id             bigint PRIMARY KEY,
  topology       text NOT NULL,
  correlation_id text NOT NULL,
  state          bigint NOT NULL,  -- 0 running, 1 completed, 2 completed with failures
  outstanding    bigint NOT NULL,
  done           bigint NOT NULL,
  failed         bigint NOT NULL,
  started_ms     bigint NOT NULL,
  finished_ms    bigint NOT NULL DEFAULT 0,
  needed_by      bigint NOT NULL DEFAULT 0,
  sync_next_ms   bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 80);

CREATE TABLE state(
  topology   text NOT NULL,
  key        bytea NOT NULL,  -- a plugin's key: any bytes, compared bytewise
  value      bytea NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY(topology, key)
);

CREATE TABLE trash(
  id               bigserial PRIMARY KEY,
  queue_id         bigint NOT NULL,
  message_id       bigint NOT NULL,
  process_id       bigint NOT NULL,
  parent_id        bigint NOT NULL,
  correlation_id   text NOT NULL,
  attempts         bigint NOT NULL,
  error            text NOT NULL,
  headers          bytea NOT NULL,
  payload          bytea NOT NULL,
  failed_ms        bigint NOT NULL,
  errors           bytea NOT NULL,
  first_failed_ms  bigint NOT NULL,
  topology_version bigint NOT NULL,
  cursor           bytea NOT NULL
);
CREATE INDEX trash_by_process ON trash(process_id);

CREATE TABLE audit(
  id     bigserial PRIMARY KEY,
  at_ms  bigint NOT NULL,
  actor  text NOT NULL,
  socket text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL
);

CREATE TABLE visits(
  process_id  bigint NOT NULL,
  message_id  bigint NOT NULL,
  attempt     bigint NOT NULL,
  parent_id   bigint NOT NULL,
  queue_id    bigint NOT NULL,
  at_ms       bigint NOT NULL,
  duration_us bigint NOT NULL,
  outcome     bigint NOT NULL,
  outputs     bigint NOT NULL,
  error       text NOT NULL,
  PRIMARY KEY(process_id, message_id, attempt)
);

CREATE TABLE topology_versions(
  name         text NOT NULL,
  version      bigint NOT NULL,
  content_hash text NOT NULL,
  file         text NOT NULL,
  loaded_ms    bigint NOT NULL,
  PRIMARY KEY(name, version)
);

CREATE TABLE prerequisites(
  topology   text NOT NULL,
  key        text NOT NULL,
  process_id bigint NOT NULL,
  PRIMARY KEY(topology, key)
);

CREATE TABLE triggers(
  topology      text NOT NULL,
  trigger       text NOT NULL,
  first_seen_ms bigint NOT NULL,
  last_fire_ms  bigint NOT NULL DEFAULT 0,
  last_process  bigint NOT NULL DEFAULT 0,
  fired         bigint NOT NULL DEFAULT 0,
  skipped       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY(topology, trigger)
);

-- Counts for /metrics, kept as rows change (see the SQLite schema, 10 and
-- 11): commits write process counts themselves; deletes (retention) and
-- the trash go through triggers.
CREATE TABLE process_counts(
  topology text NOT NULL,
  state    bigint NOT NULL,
  count    bigint NOT NULL,
  PRIMARY KEY(topology, state)
);
CREATE TABLE tallies(
  name  text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO tallies(name, value) VALUES ('trash', 0);
CREATE FUNCTION weir_trash_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tallies SET value = value + (CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END)
    WHERE name = 'trash';
  RETURN NULL;
END $$;
CREATE TRIGGER trash_tally AFTER INSERT OR DELETE ON trash
  FOR EACH ROW EXECUTE FUNCTION weir_trash_tally();
CREATE FUNCTION weir_process_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE process_counts SET count = count - 1
    WHERE topology = OLD.topology AND state = OLD.state;
  RETURN NULL;
END $$;
CREATE TRIGGER process_counts_delete AFTER DELETE ON processes
  FOR EACH ROW EXECUTE FUNCTION weir_process_deleted();

CREATE TABLE id_map(
  system     text NOT NULL,
  entity     text NOT NULL,
  local_id   text NOT NULL,
  remote_id  text NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY(system, entity, local_id)
);
CREATE UNIQUE INDEX id_map_remote ON id_map(system, entity, remote_id);

CREATE TABLE sync_windows(
  topology   text PRIMARY KEY,
  since_ms   bigint NOT NULL,
  updated_ms bigint NOT NULL
);

-- The cluster's rate budget per application (pg_budget.cpp): the exact
-- bucket's next start time and a Retry-After pause, in microseconds of
-- the database's clock. Updated by every start: kept small and HOT.
CREATE TABLE app_budgets(
  app             text PRIMARY KEY,
  next_us         bigint NOT NULL DEFAULT 0,
  paused_until_us bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- One start of p_app's requests: 0 granted (the next start moved on by
-- p_increment), else the microseconds to wait. The clock is read after
-- the row's lock is held, so two hosts' grants are spaced in the order
-- they were made, however long one waited for the lock.
CREATE FUNCTION weir_budget_take(p_app text, p_increment bigint, p_tolerance bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  b app_budgets;
  now_us bigint;
  next_start bigint;
BEGIN
  SELECT * INTO b FROM app_budgets WHERE app = p_app FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO app_budgets(app) VALUES (p_app) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM app_budgets WHERE app = p_app FOR UPDATE;
  END IF;
  now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
  IF b.paused_until_us > now_us THEN
    RETURN b.paused_until_us - now_us;
  END IF;
  next_start := greatest(b.next_us, now_us);
  IF next_start - now_us > p_tolerance THEN
    RETURN next_start - p_tolerance - now_us;
  END IF;
  UPDATE app_budgets SET next_us = next_start + p_increment WHERE app = p_app;
  RETURN 0;
END $$;

-- A Retry-After: no host starts a request of p_app for p_for microseconds.
CREATE FUNCTION weir_budget_pause(p_app text, p_for bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO app_budgets AS b(app, paused_until_us)
  VALUES (p_app, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + p_for)
  ON CONFLICT (app) DO UPDATE SET paused_until_us = greatest(b.paused_until_us, EXCLUDED.paused_until_us)
$$;

-- Topologies each host runs, by content hash (weir status compares them).
CREATE TABLE host_topologies(
  host_id      bigint NOT NULL,
  name         text NOT NULL,
  version      bigint NOT NULL,
  content_hash text NOT NULL,
  loaded_ms    bigint NOT NULL,
  PRIMARY KEY(host_id, name)
);
)sql";

// Migrations after kFirst: kLater[i] takes version kFirst + i to kFirst + i + 1.
const char* const kLater[] = {nullptr};
constexpr int kLaterCount = 0;

}  // namespace

int latest_version() { return kFirst + kLaterCount; }

Result<int> schema_version(Conn& db) {
  auto exists = db.query("SELECT to_regclass('meta') IS NOT NULL");
  if (!exists) return exists.status();
  if (exists->i64(0, 0) == 0) return 0;
  auto v = db.query("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!v) return v.status();
  return v->size() ? static_cast<int>(v->i64(0, 0)) : 0;
}

Status migrate(Conn& db) {
  // One migrator at a time across hosts: the others wait here, then find
  // the schema current.
  Status st = db.exec("BEGIN");
  if (st) st = db.exec("SELECT pg_advisory_xact_lock(7735001)");
  auto version = st ? schema_version(db) : Result<int>(st);
  if (!version) {
    (void)db.exec("ROLLBACK");
    return version.status();
  }
  if (*version > latest_version()) {
    (void)db.exec("ROLLBACK");
    return Status::error("store " + db.label() + ": schema version " + std::to_string(*version) +
                         " is newer than this weir knows (" + std::to_string(latest_version()) +
                         "); use a newer weir with this database");
  }
  if (*version == 0) {
    std::random_device random;
    const std::int64_t instance = (static_cast<std::int64_t>(random()) << 31) ^ random();
    st = db.exec(kCreate);
    if (st) {
      st = db.exec("INSERT INTO meta(key, value) VALUES ('schema_version', " +
                   std::to_string(kFirst) + "), ('instance', " + std::to_string(instance) + ")");
    }
    if (!st) {
      (void)db.exec("ROLLBACK");
      return st.prefixed("making schema version " + std::to_string(kFirst));
    }
    *version = kFirst;
  }
  for (int v = *version; v < latest_version(); ++v) {
    st = db.exec(kLater[v - kFirst]);
    if (st) {
      st = db.exec("UPDATE meta SET value = " + std::to_string(v + 1) +
                   " WHERE key = 'schema_version'");
    }
    if (!st) {
      (void)db.exec("ROLLBACK");
      return st.prefixed("migrating schema to version " + std::to_string(v + 1));
    }
  }
  st = db.exec("COMMIT");
  if (!st) (void)db.exec("ROLLBACK");
  return st;
}

}  // namespace weir::store::pg
