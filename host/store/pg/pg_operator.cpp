// PgStore's operator writes (discard trash, forget an id, reset a sync
// window, delete state, note a trigger), each in its own transaction on the
// writer with its audit entry; and the audit insert the commit's replays
// use too.
//
// These run rarely, so they send SQL text (Conn::query) rather than the
// writer's prepared statements: nothing here depends on what is prepared.
#include <functional>
#include <set>
#include <span>

#include "common/clock.hpp"
#include "pg_store.hpp"
#include "store_text.hpp"

namespace weir::store::pg {
namespace {

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

// Under write_mu_. ready_writer() rather than a bare reset: after the server
// went away, the writer also needs its prepared statements and the host's
// advisory lock again, and a reset here would hide the loss from commit().
Status PgStore::in_transaction(const std::function<Status()>& body) {
  Status st = ready_writer();
  if (st) st = writer_.exec("BEGIN");
  if (!st) return st;
  st = body();
  if (st) st = writer_.exec("COMMIT");
  if (!st) (void)writer_.exec("ROLLBACK");
  return st;
}

// Under write_mu_, inside the caller's transaction.
Status PgStore::insert_audit(const AuditEntry& e) {
  auto r = writer_.query(
      "INSERT INTO audit(at_ms, actor, socket, action, detail) VALUES($1, $2, $3, $4, $5)",
      Params()
          .i64(e.at_ms ? e.at_ms : now_ms())
          .text(e.actor)
          .text(e.socket)
          .text(e.action)
          .text(e.detail));
  return r.status();
}

// The ids go into the statement as integer literals, up to kChunk at a
// time: one round trip per chunk, not per id (a discard by filter may name
// thousands).
Result<std::vector<std::int64_t>> PgStore::discard_trash(const std::vector<std::int64_t>& ids,
                                                         AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  constexpr std::size_t kChunk = 1000;
  std::vector<std::int64_t> gone;
  Status st = in_transaction([&]() -> Status {
    std::set<std::int64_t> deleted;
    for (std::size_t from = 0; from < ids.size(); from += kChunk) {
      std::string sql = "DELETE FROM trash WHERE id IN (";
      for (std::size_t i = from; i < ids.size() && i < from + kChunk; ++i) {
        if (i > from) sql += ", ";
        sql += std::to_string(ids[i]);
      }
      auto r = writer_.query(sql + ") RETURNING id");
      if (!r) return r.status();
      for (int i = 0; i < r->size(); ++i) deleted.insert(r->i64(i, 0));
    }
    // In the order asked for, each once (as the SQLite store reports them).
    gone.clear();
    for (std::int64_t id : ids) {
      if (deleted.erase(id)) gone.push_back(id);
    }
    audit.detail = audit_with(audit.detail.empty() ? "{}" : audit.detail, "discarded", gone);
    return insert_audit(audit);
  });
  if (!st) return st;
  return gone;
}

Status PgStore::note_trigger(const std::string& topology, const std::string& trigger,
                             std::int64_t skipped_slot_ms) {
  std::lock_guard lock(write_mu_);
  const std::int64_t now = now_ms();
  Status st = in_transaction([&]() -> Status {
    if (skipped_slot_ms > 0) {
      return writer_
          .query(
              "INSERT INTO triggers(topology, trigger, first_seen_ms, last_fire_ms, skipped) "
              "VALUES($1, $2, $3, $4, 1) ON CONFLICT(topology, trigger) DO UPDATE SET "
              "last_fire_ms = excluded.last_fire_ms, skipped = triggers.skipped + 1",
              Params().text(topology).text(trigger).i64(now).i64(skipped_slot_ms))
          .status();
    }
    return writer_
        .query(
            "INSERT INTO triggers(topology, trigger, first_seen_ms) VALUES($1, $2, $3) "
            "ON CONFLICT(topology, trigger) DO NOTHING",
            Params().text(topology).text(trigger).i64(now))
        .status();
  });
  return st.prefixed("recording trigger " + topology + "/" + trigger);
}

Result<bool> PgStore::forget_id(const std::string& system, const std::string& entity,
                                const std::string& local_id, AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  bool was = false;
  Status st = in_transaction([&]() -> Status {
    auto r = writer_.query("DELETE FROM id_map WHERE system = $1 AND entity = $2 AND local_id = $3",
                           Params().text(system).text(entity).text(local_id));
    if (!r) return r.status();
    was = r->affected() > 0;
    return insert_audit(audit);
  });
  if (!st) return st;
  return was;
}

Result<bool> PgStore::reset_sync_window(const std::string& topology, AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  bool was = false;
  Status st = in_transaction([&]() -> Status {
    auto r = writer_.query("DELETE FROM sync_windows WHERE topology = $1", Params().text(topology));
    if (!r) return r.status();
    was = r->affected() > 0;
    return insert_audit(audit);
  });
  if (!st) return st;
  return was;
}

// A prefix is the key range [prefix, prefix_end(prefix)). Keys are bytea
// (pg_schema.cpp), so the range is bytewise whatever the database's
// collation, and the bound need not be valid UTF-8.
Result<std::int64_t> PgStore::delete_state(const std::string& topology, const std::string& prefix,
                                           const std::vector<std::string>& keys, AuditEntry audit) {
  std::lock_guard lock(write_mu_);
  std::int64_t deleted = 0;
  Status st = in_transaction([&]() -> Status {
    deleted = 0;
    if (keys.empty()) {
      const std::string past = prefix_end(prefix);
      auto r = writer_.query(
          "DELETE FROM state WHERE topology = $1 AND key >= $2 "
          "AND (octet_length($3::bytea) = 0 OR key < $3)",
          Params().text(topology).bytes(as_bytes(prefix)).bytes(as_bytes(past)));
      if (!r) return r.status();
      deleted = r->affected();
    } else {
      for (const std::string& key : keys) {
        auto r = writer_.query("DELETE FROM state WHERE topology = $1 AND key = $2",
                               Params().text(topology).text(key));
        if (!r) return r.status();
        deleted += r->affected();
      }
    }
    audit.detail = audit_with_count(audit.detail.empty() ? "{}" : audit.detail, "deleted", deleted);
    return insert_audit(audit);
  });
  if (!st) return st;
  return deleted;
}

// This host's rows of host_topologies, replaced whole in one transaction.
Status PgStore::note_running(const std::vector<RunningTopology>& topologies) {
  std::lock_guard lock(write_mu_);
  return in_transaction([&]() -> Status {
    auto gone = writer_.query("DELETE FROM host_topologies WHERE host_id = $1",
                              Params().i64(host_id_));
    if (!gone) return gone.status();
    for (const auto& t : topologies) {
      auto r = writer_.query(
          "INSERT INTO host_topologies(host_id, name, version, content_hash, loaded_ms) "
          "VALUES($1, $2, $3, $4, weir_now_ms())",
          Params().i64(host_id_).text(t.name).i64(t.version).text(t.content_hash));
      if (!r) return r.status();
    }
    return Status::ok();
  });
}

}  // namespace weir::store::pg

