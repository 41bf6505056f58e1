// A thin RAII layer over libpq for the PostgreSQL store: one connection
// (Conn), a query's result (Rows) and its parameters (Params).
//
// Everything goes in and comes out in binary format: integers are bigint
// (8 bytes, network order) in every table of ours, texts are their bytes,
// bytea is the raw bytes. So no value is ever escaped or parsed as text, and
// a payload goes to the server exactly as it is.
//
// Errors come back as Status values naming the server's message, its
// SQLSTATE and what was being done; never the connection URL (it may hold a
// password): `describe_url` gives the parts that are safe to show.
//
// Pipeline mode (libpq 14+): `Pipeline` sends many prepared statements
// without waiting for each answer and reads them back in order, so a group
// commit of many statements costs one round trip per phase, not one per
// statement.
//
// Not thread-safe: a Conn belongs to one thread at a time (the store guards
// each connection with its own mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

struct pg_conn;
struct pg_result;

namespace weir::store::pg {

using Bytes = std::vector<std::uint8_t>;

// Parameters of one statement, binary. Texts and bytes are borrowed, not
// copied: what is added must outlive the statement's execution.
class Params {
 public:
  Params() = default;
  // A copy points at its own integers (what it borrows, it borrows too).
  Params(const Params& o);
  Params& operator=(const Params& o);
  Params(Params&&) noexcept = default;  // a deque's elements keep their place
  Params& operator=(Params&&) noexcept = default;

  Params& i64(std::int64_t v);
  Params& text(std::string_view v);
  Params& bytes(std::span<const std::uint8_t> v);
  Params& boolean(bool v);
  Params& null();
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::uint64_t> ints_;  // stable addresses for the big-endian integers
  std::deque<char> bools_;
  // Per parameter: -1 borrowed; else its slot in ints_ (>= 0) or bools_ (<= -2: -2 - slot).
  std::vector<long> slots_;
  void relink();
};

// A bigint[] in PostgreSQL's binary array format, for a parameter the
// statement casts with `$n::bigint[]` (passed with Params::bytes): neither
// side prints or parses the numbers as text. (Whether `col = ANY(...)`
// becomes an index condition is the planner's choice: see note_call.)
Bytes int8_array(std::span<const std::int64_t> values);

// A result (rows, or the count of rows a write touched).
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r);
  Rows(Rows&&) noexcept = default;
  Rows& operator=(Rows&&) noexcept = default;

  int size() const;
  // Rows an INSERT/UPDATE/DELETE touched (or returned).
  std::int64_t affected() const;
  bool is_null(int row, int col) const;
  // bigint, integer or smallint; bool as 0/1.
  std::int64_t i64(int row, int col) const;
  std::string text(int row, int col) const;
  Bytes bytes(int row, int col) const;

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> r_;
};

class Conn {
 public:
  Conn() = default;
  Conn(Conn&&) noexcept = default;
  Conn& operator=(Conn&&) noexcept = default;
  ~Conn() = default;

  // Connects to `url` (a libpq connection URI or key=value string).
  // `label` names the connection in errors ("store postgres writer").
  static Result<Conn> connect(const std::string& url, const std::string& label);

  // Whether the connection is usable; false after the server went away.
  bool ok() const;
  // Reconnects (the server restarted, or a pipeline broke off). Prepared
  // statements are gone after it: generation() counts the sessions, so the
  // owner knows to prepare them again.
  Status reset();
  std::uint64_t generation() const { return generation_; }
  // Run after every connect and reset (session settings).
  Status set_session(std::string sql);

  // Simple query protocol: one or more statements, no parameters.
  Status exec(const std::string& sql);
  // One statement with parameters; rows in binary.
  Result<Rows> query(const std::string& sql, const Params& params = Params());
  Status prepare(const std::string& name, const std::string& sql);
  Result<Rows> run(const std::string& name, const Params& params);

  // Pipeline mode: send() queues a prepared statement; sync() ends the
  // pipeline and collects every answer, in order. An error in one statement
  // aborts the rest (the server skips them to the sync point), so the first
  // error is what sync() reports.
  Status begin_pipeline();
  Status send(const std::string& name, const Params& params);
  // A statement without parameters (BEGIN, COMMIT) into the pipeline.
  Status send_sql(const char* sql);
  Result<std::vector<Rows>> sync_pipeline();

  // LISTEN's side: the socket to wait on, and the payloads of the
  // notifications that arrived (reads what the socket has; never blocks).
  int socket() const;
  Result<std::vector<std::string>> notifications();

  // "store postgres (host /tmp/x, database weir): <message>" for errors of this connection.
  Status error(std::string_view what) const;
  const std::string& label() const { return label_; }

 private:
  struct Free {
    void operator()(pg_conn* c) const;
  };
  Status check(pg_result* r, std::string_view what, Rows* out) const;
  std::unique_ptr<pg_conn, Free> c_;
  std::string url_;
  std::string label_;
  std::size_t sent_ = 0;  // statements queued in the open pipeline
  std::uint64_t generation_ = 0;
  std::string session_sql_;
};

// The parts of a connection URL that are safe to print: host (or socket
// directory), port, database and user; never the password.
std::string describe_url(const std::string& url);

}  // namespace weir::store::pg
