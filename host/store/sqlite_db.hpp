// A thin RAII layer over the SQLite C API for the store implementation:
// one connection (Db) and its prepared statements (Stmt). Errors come back as
// Status values that name the database file and SQLite's own message.
//
// Not thread-safe: a Db and its Stmts belong to one thread at a time (the
// store guards each connection with its own mutex).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "common/status.hpp"

namespace weir::store {

class Db;

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt() { sqlite3_finalize(s_); }

  // Binds are 1-based, as in SQLite. Texts and blobs are bound SQLITE_STATIC
  // (not copied): the buffer must stay alive until the parameter is bound
  // again or the statement is finalized (reset() does not clear bindings).
  // Every use here binds every parameter before each step.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_blob(int i, std::span<const std::uint8_t> v);

  // Steps once: true when a row is available, false when done. An error is
  // reported through `*st` (which is left untouched on success).
  bool step(Status* st);
  // Steps to completion (for writes); resets the statement.
  Status run();
  void reset() { sqlite3_reset(s_); }

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const;
  std::vector<std::uint8_t> blob(int col) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Db* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close(db_); }

  Status open(const std::string& path);
  Status exec(const std::string& sql);
  Result<Stmt> prepare(const std::string& sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  // Replaces SQLite's automatic checkpointing with `hook` (see sqlite3_wal_hook).
  void set_wal_hook(int (*hook)(void*, sqlite3*, const char*, int), void* arg) {
    sqlite3_wal_hook(db_, hook, arg);
  }
  // "store <path>: <sqlite message> (<code name>) while <what>"
  Status error(std::string_view what) const;
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace weir::store
