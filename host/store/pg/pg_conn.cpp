#include "pg_conn.hpp"

#include <endian.h>
#include <libpq-fe.h>

#include <cstring>

namespace weir::store::pg {

// ---- Params ----------------------------------------------------------------

Params::Params(const Params& o)
    : values_(o.values_), lengths_(o.lengths_), formats_(o.formats_), ints_(o.ints_),
      bools_(o.bools_), slots_(o.slots_) {
  relink();
}

Params& Params::operator=(const Params& o) {
  if (this != &o) {
    values_ = o.values_;
    lengths_ = o.lengths_;
    formats_ = o.formats_;
    ints_ = o.ints_;
    bools_ = o.bools_;
    slots_ = o.slots_;
    relink();
  }
  return *this;
}

void Params::relink() {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i] >= 0) values_[i] = reinterpret_cast<const char*>(&ints_[static_cast<std::size_t>(slots_[i])]);
    else if (slots_[i] <= -2) values_[i] = &bools_[static_cast<std::size_t>(-2 - slots_[i])];
  }
}

Params& Params::i64(std::int64_t v) {
  slots_.push_back(static_cast<long>(ints_.size()));
  ints_.push_back(htobe64(static_cast<std::uint64_t>(v)));
  values_.push_back(reinterpret_cast<const char*>(&ints_.back()));
  lengths_.push_back(8);
  formats_.push_back(1);
  return *this;
}

Params& Params::text(std::string_view v) {
  slots_.push_back(-1);
  // A zero-length value must not be NULL: point at a valid empty buffer.
  values_.push_back(v.empty() ? "" : v.data());
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::bytes(std::span<const std::uint8_t> v) {
  slots_.push_back(-1);
  values_.push_back(v.empty() ? "" : reinterpret_cast<const char*>(v.data()));
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

Bytes int8_array(std::span<const std::int64_t> values) {
  Bytes out;
  out.reserve(20 + values.size() * 12);
  auto put32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  auto put64 = [&](std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  // Dimensions, no nulls, element type int8 (oid 20); then the one
  // dimension's length and lower bound; then each element's length and value.
  put32(1);
  put32(0);
  put32(20);
  put32(static_cast<std::uint32_t>(values.size()));
  put32(1);
  for (const std::int64_t v : values) {
    put32(8);
    put64(static_cast<std::uint64_t>(v));
  }
  return out;
}

Params& Params::boolean(bool v) {
  slots_.push_back(-2 - static_cast<long>(bools_.size()));
  bools_.push_back(v ? 1 : 0);
  values_.push_back(&bools_.back());
  lengths_.push_back(1);
  formats_.push_back(1);
  return *this;
}

Params& Params::null() {
  slots_.push_back(-1);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

// ---- Rows ------------------------------------------------------------------

void Rows::Free::operator()(pg_result* r) const { PQclear(r); }

Rows::Rows(pg_result* r) : r_(r) {}

int Rows::size() const { return r_ ? PQntuples(r_.get()) : 0; }

std::int64_t Rows::affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

bool Rows::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

std::int64_t Rows::i64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const char* v = PQgetvalue(r_.get(), row, col);
  switch (PQgetlength(r_.get(), row, col)) {
    case 8: {
      std::uint64_t x;
      std::memcpy(&x, v, 8);
      return static_cast<std::int64_t>(be64toh(x));
    }
    case 4: {
      std::uint32_t x;
      std::memcpy(&x, v, 4);
      return static_cast<std::int32_t>(be32toh(x));
    }
    case 2: {
      std::uint16_t x;
      std::memcpy(&x, v, 2);
      return static_cast<std::int16_t>(be16toh(x));
    }
    case 1:
      return static_cast<unsigned char>(v[0]);
    default:
      return 0;
  }
}

std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

Bytes Rows::bytes(int row, int col) const {
  const auto* v = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r_.get(), row, col));
  return Bytes(v, v + PQgetlength(r_.get(), row, col));
}

// ---- Conn ------------------------------------------------------------------

void Conn::Free::operator()(pg_conn* c) const { PQfinish(c); }

std::string describe_url(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    PQfreemem(err);
    return "an unreadable connection URL";
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "host" || k == "port" || k == "dbname" || k == "user") {
      if (!out.empty()) out += ", ";
      out += (k == "dbname" ? "database" : std::string(k)) + " " + o->val;
    }
  }
  PQconninfoFree(opts);
  return out.empty() ? "the default server" : out;
}

Result<Conn> Conn::connect(const std::string& url, const std::string& label) {
  Conn c;
  c.url_ = url;
  c.label_ = label + " (" + describe_url(url) + ")";
  c.c_.reset(PQconnectdb(url.c_str()));
  if (!c.c_ || PQstatus(c.c_.get()) != CONNECTION_OK) {
    std::string why = c.c_ ? PQerrorMessage(c.c_.get()) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Status::error(c.label_ + ": cannot connect: " + why);
  }
  // Our own notices (e.g. "relation already exists, skipping") are not news.
  PQsetNoticeProcessor(c.c_.get(), [](void*, const char*) {}, nullptr);
  return c;
}

bool Conn::ok() const { return c_ && PQstatus(c_.get()) == CONNECTION_OK; }

Status Conn::reset() {
  sent_ = 0;
  if (!c_) return Status::error(label_ + ": not connected");
  ++generation_;
  PQreset(c_.get());
  if (PQstatus(c_.get()) != CONNECTION_OK) return error("reconnecting");
  return session_sql_.empty() ? Status::ok() : exec(session_sql_);
}

Status Conn::set_session(std::string sql) {
  session_sql_ = std::move(sql);
  return exec(session_sql_);
}

Status Conn::error(std::string_view what) const {
  std::string why = c_ ? PQerrorMessage(c_.get()) : "not connected";
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return Status::error(label_ + ": " + why + " while " + std::string(what));
}

Status Conn::check(pg_result* r, std::string_view what, Rows* out) const {
  const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_PIPELINE_SYNC) {
    if (out) *out = Rows(r);
    else PQclear(r);
    return Status::ok();
  }
  std::string why;
  if (r && s == PGRES_PIPELINE_ABORTED) {
    why = "skipped: an earlier statement of the pipeline failed";
  } else if (r) {
    why = PQresultErrorMessage(r);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (state) why += std::string(" (SQLSTATE ") + state + ")";
  } else {
    why = PQerrorMessage(c_.get());
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  }
  PQclear(r);
  return Status::error(label_ + ": " + why + " while " + std::string(what));
}

Status Conn::exec(const std::string& sql) {
  return check(PQexec(c_.get(), sql.c_str()), sql.substr(0, 80), nullptr);
}

Result<Rows> Conn::query(const std::string& sql, const Params& p) {
  Rows rows;
  Status st = check(PQexecParams(c_.get(), sql.c_str(), p.size(), nullptr, p.values(), p.lengths(),
                                 p.formats(), 1),
                    sql.substr(0, 80), &rows);
  if (!st) return st;
  return rows;
}

Status Conn::prepare(const std::string& name, const std::string& sql) {
  return check(PQprepare(c_.get(), name.c_str(), sql.c_str(), 0, nullptr),
               "preparing " + name, nullptr);
}

Result<Rows> Conn::run(const std::string& name, const Params& p) {
  Rows rows;
  Status st = check(PQexecPrepared(c_.get(), name.c_str(), p.size(), p.values(), p.lengths(),
                                   p.formats(), 1),
                    name, &rows);
  if (!st) return st;
  return rows;
}

int Conn::socket() const { return c_ ? PQsocket(c_.get()) : -1; }

Result<std::vector<std::string>> Conn::notifications() {
  if (PQconsumeInput(c_.get()) != 1) return error("reading notifications");
  std::vector<std::string> out;
  while (PGnotify* n = PQnotifies(c_.get())) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

Status Conn::begin_pipeline() {
  sent_ = 0;
  if (PQenterPipelineMode(c_.get()) != 1) return error("entering pipeline mode");
  return Status::ok();
}

Status Conn::send(const std::string& name, const Params& p) {
  if (PQsendQueryPrepared(c_.get(), name.c_str(), p.size(), p.values(), p.lengths(), p.formats(),
                          1) != 1) {
    return error("sending " + name);
  }
  ++sent_;
  return Status::ok();
}

Status Conn::send_sql(const char* sql) {
  if (PQsendQueryParams(c_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 1) != 1) {
    return error(std::string("sending ") + sql);
  }
  ++sent_;
  return Status::ok();
}

Result<std::vector<Rows>> Conn::sync_pipeline() {
  std::vector<Rows> out;
  out.reserve(sent_);
  Status first;
  if (PQpipelineSync(c_.get()) != 1) first = error("ending a pipeline");
  // Each statement's result, then a NULL; then the sync point's result.
  for (std::size_t i = 0; first && i < sent_; ++i) {
    Rows rows;
    Status st = check(PQgetResult(c_.get()), "a pipelined statement", &rows);
    while (PGresult* extra = PQgetResult(c_.get())) PQclear(extra);
    if (!st && first) first = st;
    out.push_back(std::move(rows));
  }
  if (first) {
    PGresult* sync = PQgetResult(c_.get());
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) first = error("ending a pipeline");
    PQclear(sync);
  }
  sent_ = 0;
  if (first && PQexitPipelineMode(c_.get()) != 1) first = error("leaving pipeline mode");
  if (!first) {
    // Whatever went wrong (a statement refused, the server gone, a sync that
    // never went out), the session starts over: reading on to a sync point
    // that may never come could wait for ever. The server rolls back what
    // the session had open; the owner sees a new generation().
    (void)reset();
    return first;
  }
  return out;
}

}  // namespace weir::store::pg
