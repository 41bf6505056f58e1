// bench_hop: how fast durable messages move through a chain of nodes.
//
// N messages (300-byte payloads, each its own process) go through a chain of
// K core.pass nodes; every hop is one durable store transfer (ack the input,
// enqueue the output, in a committed SQLite transaction, synchronous=FULL).
// In the same run, on the same disk, it measures the raw SQLite limit for
// the same work: insert + delete of 300-byte rows in transactions of 100
// (five runs, three before and two after the engine run; the median counts).
//
//   bench_hop [--messages N] [--nodes K] [--max-batch B] [--concurrency C]
//             [--workers W] [--trace all|failures|off] [--dir PATH] [--plugins DIR]
//             [--store postgres --pg-url URL]
// With --store postgres the same chain runs twice in one run, on SQLite and
// then on the PostgreSQL database at URL (emptied first), and both figures
// are printed side by side.
// (trace: the topology's process trace; "all" writes a visit row per hop.)
//
// Prints a table, then one line `hop: key=value ...` for scripts.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <weir/payload.hpp>

#include "engine/engine.hpp"
#include "plugins/plugin_registry.hpp"
#include "store/store.hpp"
#include "topology/topology_loader.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  long messages = 200000;
  int nodes = 3;
  int max_batch = 100;
  int concurrency = 2;
  int workers = 4;
  std::string trace = "all";
  std::string dir;
  std::string plugins = WEIR_PLUGINS_DIR;
  std::string store = "sqlite";  // or "postgres": SQLite first, then PostgreSQL
  std::string pg_url;
};

constexpr const char* kUsage = R"(usage: bench_hop [options]
Moves N durable messages through a chain of K core.pass nodes and prints
hop transfers/s beside the raw SQLite limit measured in the same run.
  --messages N      messages, each its own process (default 200000)
  --nodes K         nodes in the chain (default 3)
  --max-batch B     messages per call (default 100)
  --concurrency C   calls at once per node (default 2)
  --workers W       worker threads (default 4)
  --trace T         all | failures | off: the process trace (default all)
  --dir PATH        where the store goes (default: a new temp dir, removed after)
  --plugins DIR     where core.so is (default: the build's plugins)
  --store postgres  also run the chain on PostgreSQL (after SQLite, same run)
  --pg-url URL      the PostgreSQL database for --store postgres (its weir
                    tables are dropped first)
  --help            this text
)";

struct Help {};  // --help was asked for

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") throw Help{};
  }
  static const char* const kKnown[] = {"--messages", "--nodes",   "--max-batch", "--concurrency",
                                       "--workers",  "--trace",   "--dir",       "--plugins",
                                       "--store",    "--pg-url"};
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) {
      throw std::runtime_error("unknown option " + k + " (see --help)");
    }
    if (i + 1 >= argc) throw std::runtime_error("option " + k + " needs a value (see --help)");
    std::string v = argv[i + 1];
    if (k == "--messages") o.messages = std::stol(v);
    else if (k == "--nodes") o.nodes = std::stoi(v);
    else if (k == "--max-batch") o.max_batch = std::stoi(v);
    else if (k == "--concurrency") o.concurrency = std::stoi(v);
    else if (k == "--workers") o.workers = std::stoi(v);
    else if (k == "--trace") o.trace = v;
    else if (k == "--dir") o.dir = v;
    else if (k == "--plugins") o.plugins = v;
    else if (k == "--store") o.store = v;
    else if (k == "--pg-url") o.pg_url = v;
    else throw std::runtime_error("unknown option " + k + " (see --help)");
  }
  if (o.store != "sqlite" && o.store != "postgres") {
    throw std::runtime_error("--store must be sqlite or postgres");
  }
  if (o.store == "postgres" && o.pg_url.empty()) throw std::runtime_error("--store postgres needs --pg-url");
  return o;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The raw limit: what SQLite alone does for the same transfer, same pragmas.
double raw_sqlite_rows_per_s(const std::string& path, long rows) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE q(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)", nullptr, nullptr, nullptr);
  sqlite3_stmt *ins = nullptr, *del = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO q(id, payload) VALUES(?1, ?2)", -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "DELETE FROM q WHERE id = ?1", -1, &del, nullptr);
  std::vector<char> payload(300, 'x');
  long next = 1, head = 1;
  auto insert = [&] {
    sqlite3_bind_int64(ins, 1, next++);
    sqlite3_bind_blob(ins, 2, payload.data(), 300, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  };
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int i = 0; i < 1000; ++i) insert();  // a standing queue
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  auto t0 = Clock::now();
  for (long done = 0; done < rows; done += 100) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < 100; ++i) {
      sqlite3_bind_int64(del, 1, head++);
      sqlite3_step(del);
      sqlite3_reset(del);
      insert();
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double rate = rows / seconds_since(t0);
  sqlite3_finalize(ins);
  sqlite3_finalize(del);
  sqlite3_close(db);
  return rate;
}

std::string chain_yaml(const Options& o) {
  std::string y = "name: hop\ntrace: " + o.trace + "\nnodes:\n";
  for (int i = 0; i < o.nodes; ++i) {
    y += "  - id: n" + std::to_string(i) + "\n    type: core.pass\n    max_batch: " +
         std::to_string(o.max_batch) + "\n    concurrency: " + std::to_string(o.concurrency) + "\n";
  }
  if (o.nodes > 1) {
    y += "edges:\n  - n0";
    for (int i = 1; i < o.nodes; ++i) y += " -> n" + std::to_string(i);
    y += "\n";
  }
  return y;
}

// A msgpack document of exactly `size` bytes: {"sku": ..., "pad": "xxx..."}.
weir::store::Bytes payload_of_size(std::size_t size) {
  for (std::size_t pad = 0;; ++pad) {
    auto b = weir::payload::from_json(
        weir::Json{{"sku", "SKU-000042"}, {"pad", std::string(pad, 'x')}});
    if (b.size() >= size) return b;
  }
}

struct Figures {
  double inject_s = 0, drain_s = 0;
  std::vector<double> raw;  // raw SQLite rows/s, several runs around the engine run
  long completed = 0;
  double raw_median() const {
    auto v = raw;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

// Empties the PostgreSQL database for a run: the store makes its schema anew.
void reset_pg(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error("emptying the PostgreSQL database: " + error);
}

// A store for the run: SQLite in `dir`, or the PostgreSQL database at `pg_url`.
std::unique_ptr<weir::store::Store> open_store(const std::string& dir, const std::string& pg_url) {
  auto st = pg_url.empty()
                ? weir::store::open_sqlite_store(weir::store::SqliteOptions{dir + "/weir.db"})
                : weir::store::open_pg_store(weir::store::PgOptions{pg_url, "bench", 30000});
  if (!st) throw std::runtime_error(st.error());
  return std::move(st).value();
}

Figures run(const Options& o, const std::string& dir, const std::string& pg_url = "") {
  using namespace weir;
  Figures f;
  plugins::PluginRegistry registry(dir + "/plugin-cache");
  for (const auto& r : registry.load_directory(o.plugins)) throw std::runtime_error(r.reason);
  auto loaded = topology::load_topology_text(chain_yaml(o), "hop.yaml", registry);
  if (!loaded.errors.empty()) throw std::runtime_error(loaded.errors[0].to_string());
  auto st = open_store(dir, pg_url);
  std::mutex mu;
  std::condition_variable cv;
  engine::EngineOptions eo;
  eo.workers = o.workers;
  engine::Engine engine(*st, eo);
  if (auto s = engine.install(*loaded.topology, registry); !s) throw std::runtime_error(s.message());
  engine.add_finished_listener([&](const store::ProcessRecord&) {
    std::lock_guard lock(mu);
    if (++f.completed == o.messages) cv.notify_all();
  });
  const store::Bytes payload = payload_of_size(300);
  if (auto s = engine.start(); !s) throw std::runtime_error(s.message());
  // The disk's own limit drifts: measure it before and after, use the median.
  for (int i = 0; i < 3; ++i) {
    f.raw.push_back(raw_sqlite_rows_per_s(dir + "/raw-" + std::to_string(i) + ".db", 100000));
  }
  auto t0 = Clock::now();
  auto t_first = t0;
  for (long sent = 0; sent < o.messages;) {
    std::vector<engine::StartRequest> chunk;
    for (; sent < o.messages && chunk.size() < 1000; ++sent) chunk.push_back({payload, {}, ""});
    auto ids = engine.start_processes("hop", std::move(chunk));
    if (!ids) throw std::runtime_error(ids.error());
  }
  f.inject_s = seconds_since(t0);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return f.completed >= o.messages; });
  }
  f.drain_s = seconds_since(t_first);
  engine.stop();
  for (int i = 3; i < 5; ++i) {
    f.raw.push_back(raw_sqlite_rows_per_s(dir + "/raw-" + std::to_string(i) + ".db", 100000));
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // keep the table readable
  try {
    Options o = parse(argc, argv);
    std::string dir = o.dir;
    bool temp = dir.empty();
    if (temp) {
      dir = (fs::temp_directory_path() / "weir-bench-hop-XXXXXX").string();
      if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
    }
    Figures f = run(o, dir);
    const double msgs = o.messages / f.drain_s;
    const double hops = msgs * o.nodes;
    std::printf("bench_hop: %ld messages, 300-byte payloads, chain of %d core.pass nodes\n",
                o.messages, o.nodes);
    std::printf("  max_batch %d, concurrency %d, workers %d, trace %s, synchronous=FULL, dir %s\n\n",
                o.max_batch, o.concurrency, o.workers, o.trace.c_str(), dir.c_str());
    std::printf("  %-44s %12.0f\n", "messages/s end to end (start to last done)", msgs);
    std::printf("  %-44s %12.0f\n", "hop transfers/s (durable ack + enqueue)", hops);
    std::printf("  %-44s %12.2f\n", "seconds to inject (start processes)", f.inject_s);
    std::printf("  %-44s %12.2f\n", "seconds until all completed", f.drain_s);
    const double raw = f.raw_median();
    const auto [lo, hi] = std::minmax_element(f.raw.begin(), f.raw.end());
    std::printf("  %-44s %12.0f\n", "raw SQLite rows/s (insert+delete, tx of 100)", raw);
    std::printf("  %-44s %5.0f..%.0f\n", "  (median of 5 runs; range)", *lo, *hi);
    std::printf("  %-44s %12.2f\n\n", "ratio hop transfers / raw", hops / raw);
    std::printf("hop: messages=%ld nodes=%d max_batch=%d concurrency=%d workers=%d trace=%s "
                "msgs_per_s=%.0f hops_per_s=%.0f raw_rows_per_s=%.0f ratio=%.3f\n",
                o.messages, o.nodes, o.max_batch, o.concurrency, o.workers, o.trace.c_str(), msgs,
                hops, raw, hops / raw);
    if (o.store == "postgres") {
      reset_pg(o.pg_url);
      Figures g = run(o, dir, o.pg_url);
      const double pg_msgs = o.messages / g.drain_s;
      const double pg_hops = pg_msgs * o.nodes;
      std::printf("  on PostgreSQL (--pg-url), one host:\n");
      std::printf("  %-44s %12.0f\n", "messages/s end to end", pg_msgs);
      std::printf("  %-44s %12.0f\n", "hop transfers/s", pg_hops);
      std::printf("  %-44s %12.2f\n", "seconds to inject (start processes)", g.inject_s);
      std::printf("  %-44s %12.2f\n\n", "ratio to the SQLite hop transfers/s above", pg_hops / hops);
      std::printf("hop_pg: messages=%ld nodes=%d hosts=1 msgs_per_s=%.0f hops_per_s=%.0f "
                  "sqlite_hops_per_s=%.0f ratio_to_sqlite=%.3f\n",
                  o.messages, o.nodes, pg_msgs, pg_hops, hops, pg_hops / hops);
    }
    if (temp) fs::remove_all(dir);
    return 0;
  } catch (const Help&) {
    std::fputs(kUsage, stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_hop: %s\n", e.what());
    return 1;
  }
}
