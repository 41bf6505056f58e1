// A real PostgreSQL for tests, started by the tests themselves: initdb and
// pg_ctl from Debian's postgresql-15, in a directory of their own, a Unix
// socket only (no TCP port), trust authentication for the `postgres` role.
// As root, the server runs as the `postgres` user (initdb refuses root).
//
//  - PgCluster: a cluster of one test's own (it may restart it, even with
//    `pg_ctl restart -m immediate`); stopped and removed when it goes.
//  - shared_pg(): one cluster for every test program of a build, started by
//    the first test that asks (a lock file orders racing test processes)
//    and stopped by ctest's cleanup fixture (`pg_test_cluster stop`). Each
//    test makes a database of its own in it (PgDatabase), so tests running
//    at once never meet.
//  - store_under_test(): "postgres" when WEIR_TEST_STORE=postgres (the
//    suites registered a second time for PostgreSQL set it), else "sqlite".
//
// Durability is off in these clusters (fsync=off): a test kills weir hosts
// and restarts the server, never the machine.
#pragma once

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace weir::test {

inline std::string store_under_test() {
  const char* v = std::getenv("WEIR_TEST_STORE");
  return v && std::string(v) == "postgres" ? "postgres" : "sqlite";
}

class PgCluster {
 public:
  // A new cluster in a fresh directory under /tmp, started.
  PgCluster() : PgCluster(make_dir(), true) { start(); }
  // The cluster in `dir` (made there when missing); `owned`: stopped and
  // removed when this object goes.
  PgCluster(std::string dir, bool owned) : dir_(std::move(dir)), owned_(owned) {}
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster() {
    if (!owned_) return;
    stop();
    std::error_code ec;
    if (!std::getenv("WEIR_KEEP_TEMP")) std::filesystem::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  std::string data() const { return dir_ + "/data"; }
  // A libpq URL for `database` (on the socket in dir()).
  std::string url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_ + "&user=postgres";
  }

  bool running() const { return run_quiet(ctl() + " status"); }

  // initdb when there is no cluster yet, then pg_ctl start (waits until it accepts).
  void start() {
    if (!std::filesystem::exists(data() + "/PG_VERSION")) {
      run("initdb", bin("initdb") + " -D " + data() +
                        " -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync");
    }
    run("pg_ctl start",
        ctl() + " -w -t 60 -l " + dir_ + "/server.log -o \"-c listen_addresses='' "
                "-c unix_socket_directories='" + dir_ + "' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                "-c shared_buffers=64MB\" start");
  }
  void stop() {
    if (running()) run_quiet(ctl() + " -w -m fast stop");
  }
  // The way a crash looks to clients: every connection cut, recovery on start.
  void restart_immediate() {
    run("pg_ctl restart", ctl() + " -w -t 60 -m immediate -l " + dir_ + "/server.log restart");
  }

  // Runs `sql` on database `database` (no rows read back); throws with the server's words.
  void exec(const std::string& database, const std::string& sql) const {
    PGconn* c = PQconnectdb(url(database).c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        error = PQresultErrorMessage(r);
      }
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("postgres test cluster: " + sql + ": " + error);
  }
  // The first column of the first row of `sql`, as text ("" when no row).
  std::string value(const std::string& database, const std::string& sql) const {
    PGconn* c = PQconnectdb(url(database).c_str());
    std::string out, error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
      else if (PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("postgres test cluster: " + sql + ": " + error);
    return out;
  }

  // The Debian server binaries (postgresql-15).
  static std::string bin(const std::string& program) {
    for (const char* v : {"15", "16", "17", "14"}) {
      const std::string p = std::string("/usr/lib/postgresql/") + v + "/bin/" + program;
      if (std::filesystem::exists(p)) return p;
    }
    throw std::runtime_error("postgres test cluster: no " + program +
                             " under /usr/lib/postgresql/*/bin (install postgresql-15: "
                             "scripts/setup.sh does)");
  }

 private:
  static bool as_root() { return ::geteuid() == 0; }
  // As the server's user: `postgres` when we are root.
  static std::string as_server(const std::string& cmd) {
    return as_root() ? "runuser -u postgres -- " + cmd : cmd;
  }
  std::string ctl() const { return bin("pg_ctl") + " -D " + data(); }
  static std::string make_dir() {
    std::string tmpl = "/tmp/weir-pg-XXXXXX";  // mkdtemp fills in the Xs
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    own_by_server(tmpl);
    return tmpl;
  }

 public:
  static void own_by_server(const std::string& dir) {
    ::chmod(dir.c_str(), 0700);
    if (!as_root()) return;
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("postgres test cluster: no user postgres (install postgresql-15)");
    if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("postgres test cluster: cannot chown " + dir);
    }
  }

 private:
  bool run_quiet(const std::string& cmd) const {
    return std::system((as_server(cmd) + " >/dev/null 2>&1").c_str()) == 0;
  }
  void run(const std::string& what, const std::string& cmd) const {
    const std::string log = dir_ + "/cmd.log";
    const int rc = std::system((as_server(cmd) + " >" + log + " 2>&1").c_str());
    if (rc == 0) return;
    std::ifstream in(log), server(dir_ + "/server.log");
    std::stringstream out;
    out << in.rdbuf() << server.rdbuf();
    throw std::runtime_error("postgres test cluster: " + what + " failed: " + out.str());
  }

  std::string dir_;
  bool owned_ = false;
};

// The build's shared cluster (see the top of this file), started if it is not running.
inline PgCluster& shared_pg() {
  static PgCluster* cluster = [] {
    const char* forced = std::getenv("WEIR_TEST_PG_DIR");
    std::string dir = forced ? forced
                             : "/tmp/weir-pg-shared-" + std::to_string(::getuid()) + "-" +
                                   std::to_string(std::hash<std::string>{}(WEIR_BUILD_DIR));
    std::filesystem::create_directories(dir);
    PgCluster::own_by_server(dir);
    auto* c = new PgCluster(dir, false);  // lives as long as the program; ctest stops it
    // One starter at a time across the test processes of a build.
    const std::string lock = dir + ".lock";
    const int fd = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) ::flock(fd, LOCK_EX);
    try {
      if (!c->running()) c->start();
    } catch (...) {
      if (fd >= 0) ::close(fd);
      throw;
    }
    if (fd >= 0) ::close(fd);
    return c;
  }();
  return *cluster;
}

// A database of one test's own in the shared cluster, dropped when it goes.
class PgDatabase {
 public:
  PgDatabase() : name_(next_name()) {
    shared_pg().exec("postgres", "CREATE DATABASE " + name_);
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;
  ~PgDatabase() {
    try {
      shared_pg().exec("postgres", "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  const std::string& name() const { return name_; }
  std::string url() const { return shared_pg().url(name_); }
  void exec(const std::string& sql) const { shared_pg().exec(name_, sql); }
  std::string value(const std::string& sql) const { return shared_pg().value(name_, sql); }

 private:
  static std::string next_name() {
    static std::atomic<int> n{0};
    return "weir_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  }
  std::string name_;
};

}  // namespace weir::test
