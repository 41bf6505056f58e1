#include "sqlite_db.hpp"

#include <spdlog/spdlog.h>

#include "common/private_files.hpp"

namespace weir::store {

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::span<const std::uint8_t> v) {
  // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
  static const std::uint8_t kEmpty = 0;
  sqlite3_bind_blob(s_, i, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()),
                    SQLITE_STATIC);
  return *this;
}

bool Stmt::step(Status* st) {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *st = db_->error(sqlite3_sql(s_));
  return false;
}

Status Stmt::run() {
  Status st;
  while (step(&st)) {
  }
  reset();
  return st;
}

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
}

std::vector<std::uint8_t> Stmt::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
  return p ? std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(s_, col))
           : std::vector<std::uint8_t>();
}

namespace {

// The database holds every order's customer data: it is 0600 from the
// moment it exists. SQLite would create it 0644 less the umask, so it is
// created here first (SQLite takes an empty file as a new database); SQLite
// gives -wal and -shm the database file's mode when it creates them. Files
// an older weir left readable by others are tightened.
Status make_database_private(const std::string& path) {
  if (path.empty() || path == ":memory:") return Status::ok();  // no file
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string file = path + suffix;
    auto change = make_private_file(file, "database file");
    if (!change) return change.status();
    if (change->action == PrivacyChange::kTightened) {
      spdlog::warn("store: {}", change->note("database file", file));
    }
  }
  return create_private_file(path, "database file");
}

}  // namespace

Status Db::open(const std::string& path) {
  path_ = path;
  if (Status st = make_database_private(path); !st) return st;
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) return error("opening");
  sqlite3_extended_result_codes(db_, 1);
  return Status::ok();
}

Status Db::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) == SQLITE_OK) return Status::ok();
  std::string text = msg ? msg : "unknown error";
  sqlite3_free(msg);
  return Status::error("store " + path_ + ": " + text + " (sqlite code " +
                       std::to_string(sqlite3_extended_errcode(db_)) + ") while running: " + sql);
}

Result<Stmt> Db::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
      SQLITE_OK) {
    return error("preparing: " + sql);
  }
  return Stmt(this, s);
}

Status Db::error(std::string_view what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
  return Status::error("store " + path_ + ": " + msg + " (sqlite code " + std::to_string(code) +
                       ") while " + std::string(what));
}

}  // namespace weir::store
