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
//             [--store postgres --pg-url URL [--hosts H] [--soak S]]
// With --store postgres the same chain runs again in the same run on the
// PostgreSQL database at URL (emptied first): with one host, and with H
// hosts (--hosts, each its own store connection and engine in this process,
// sharing the work as separate machines would), and the figures are printed
// beside SQLite's. --soak S then runs a steady flow on PostgreSQL for S
// seconds (a backlog kept topped up) and prints, per tenth of it, the hop
// transfers/s and the dead and live rows of the messages table with the
// autovacuum runs so far: whether throughput falls as dead rows accumulate.
// (trace: the topology's process trace; "all" writes a visit row per hop.)
//
// Prints a table, then one line `hop: key=value ...` for scripts.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
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
  int hosts = 1;     // PostgreSQL: also run with this many hosts (> 1)
  long soak_s = 0;   // PostgreSQL: a steady flow for this long (0: none)
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
  --hosts H         with --store postgres: also run with H hosts sharing the
                    database (each its own store and engine, this process)
  --soak S          with --store postgres: then a steady flow for S seconds,
                    throughput and dead rows per tenth of it
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
                                       "--store",    "--pg-url",  "--hosts",     "--soak"};
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
    else if (k == "--hosts") o.hosts = std::stoi(v);
    else if (k == "--soak") o.soak_s = std::stol(v);
    else throw std::runtime_error("unknown option " + k + " (see --help)");
  }
  if (o.store != "sqlite" && o.store != "postgres") {
    throw std::runtime_error("--store must be sqlite or postgres");
  }
  if (o.store == "postgres" && o.pg_url.empty()) throw std::runtime_error("--store postgres needs --pg-url");
  if (o.hosts < 1) throw std::runtime_error("--hosts must be at least 1");
  if ((o.hosts > 1 || o.soak_s > 0) && o.store != "postgres") {
    throw std::runtime_error("--hosts and --soak need --store postgres");
  }
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
    PGresult* r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; "
                                "CREATE SCHEMA public");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error("emptying the PostgreSQL database: " + error);
}

// A store for the run: SQLite in `dir`, or the PostgreSQL database at
// `pg_url` as host `host`.
std::unique_ptr<weir::store::Store> open_store(const std::string& dir, const std::string& pg_url,
                                               const std::string& host = "bench-1") {
  auto st = pg_url.empty()
                ? weir::store::open_sqlite_store(weir::store::SqliteOptions{dir + "/weir.db"})
                : weir::store::open_pg_store(weir::store::PgOptions{pg_url, host, 30000});
  if (!st) throw std::runtime_error(st.error());
  return std::move(st).value();
}

// One host of a run: its store and engine (the registry is shared).
struct BenchHost {
  std::unique_ptr<weir::store::Store> store;
  std::unique_ptr<weir::engine::Engine> engine;
};

// `hosts` hosts on the store (more than one only on PostgreSQL), each with
// the chain installed and every finished process counted in `completed`.
std::vector<BenchHost> start_hosts(const Options& o, const std::string& dir,
                                   const std::string& pg_url, int hosts,
                                   weir::plugins::PluginRegistry& registry,
                                   const weir::topology::Topology& chain,
                                   const std::function<void()>& finished) {
  using namespace weir;
  std::vector<BenchHost> out;
  for (int h = 0; h < hosts; ++h) {
    BenchHost host;
    host.store = open_store(dir, pg_url, "bench-" + std::to_string(h + 1));
    engine::EngineOptions eo;
    eo.workers = o.workers;
    host.engine = std::make_unique<engine::Engine>(*host.store, eo);
    if (auto s = host.engine->install(chain, registry); !s) throw std::runtime_error(s.message());
    host.engine->add_finished_listener([finished](const store::ProcessRecord&) { finished(); });
    if (auto s = host.engine->start(); !s) throw std::runtime_error(s.message());
    out.push_back(std::move(host));
  }
  return out;
}

// Starts `n` processes, in chunks of 1000 spread over the hosts in turn.
void inject(std::vector<BenchHost>& hosts, long n, const weir::store::Bytes& payload,
            std::size_t* turn) {
  for (long sent = 0; sent < n;) {
    std::vector<weir::engine::StartRequest> chunk;
    for (; sent < n && chunk.size() < 1000; ++sent) chunk.push_back({payload, {}, ""});
    auto ids = hosts[(*turn)++ % hosts.size()].engine->start_processes("hop", std::move(chunk));
    if (!ids) throw std::runtime_error(ids.error());
  }
}

void stop_hosts(std::vector<BenchHost>& hosts) {
  for (auto& h : hosts) h.engine->stop();
  hosts.clear();
}

Figures run(const Options& o, const std::string& dir, const std::string& pg_url = "",
            int hosts = 1) {
  using namespace weir;
  Figures f;
  plugins::PluginRegistry registry(dir + "/plugin-cache");
  for (const auto& r : registry.load_directory(o.plugins)) throw std::runtime_error(r.reason);
  auto loaded = topology::load_topology_text(chain_yaml(o), "hop.yaml", registry);
  if (!loaded.errors.empty()) throw std::runtime_error(loaded.errors[0].to_string());
  std::mutex mu;
  std::condition_variable cv;
  auto running = start_hosts(o, dir, pg_url, hosts, registry, *loaded.topology, [&] {
    std::lock_guard lock(mu);
    if (++f.completed == o.messages) cv.notify_all();
  });
  const store::Bytes payload = payload_of_size(300);
  // The disk's own limit drifts: measure it before and after, use the median.
  for (int i = 0; i < 3; ++i) {
    f.raw.push_back(raw_sqlite_rows_per_s(dir + "/raw-" + std::to_string(i) + ".db", 100000));
  }
  auto t0 = Clock::now();
  std::size_t turn = 0;
  inject(running, o.messages, payload, &turn);
  f.inject_s = seconds_since(t0);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return f.completed >= o.messages; });
  }
  f.drain_s = seconds_since(t0);
  stop_hosts(running);
  for (int i = 3; i < 5; ++i) {
    f.raw.push_back(raw_sqlite_rows_per_s(dir + "/raw-" + std::to_string(i) + ".db", 100000));
  }
  return f;
}

// One number from the PostgreSQL database (for the soak's table stats).
long pg_number(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  long out = -1;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
      out = std::stol(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

// A steady flow on PostgreSQL for o.soak_s seconds: a backlog of about
// 20,000 processes kept topped up, hop transfers/s per tenth of the time,
// with the messages table's dead and live rows and autovacuum runs.
void soak(const Options& o, const std::string& dir) {
  using namespace weir;
  reset_pg(o.pg_url);
  plugins::PluginRegistry registry(dir + "/plugin-cache");
  for (const auto& r : registry.load_directory(o.plugins)) throw std::runtime_error(r.reason);
  auto loaded = topology::load_topology_text(chain_yaml(o), "hop.yaml", registry);
  if (!loaded.errors.empty()) throw std::runtime_error(loaded.errors[0].to_string());
  std::atomic<long> completed{0};
  auto running = start_hosts(o, dir, o.pg_url, o.hosts, registry, *loaded.topology,
                             [&] { ++completed; });
  const store::Bytes payload = payload_of_size(300);
  const auto slice = std::chrono::milliseconds(std::max<long>(o.soak_s * 100, 1000));
  const int slices = static_cast<int>(std::chrono::seconds(o.soak_s) / slice);
  std::printf("  soak on PostgreSQL, %d host(s), %ld s: a backlog of ~20,000 processes\n",
              o.hosts, o.soak_s);
  std::printf("  %8s %14s %12s %12s %12s\n", "at s", "hop transfers/s", "dead rows", "live rows",
              "autovacuums");
  const std::string stats = "FROM pg_stat_user_tables WHERE relname = 'messages'";
  long started = 0, last_completed = 0;
  std::size_t turn = 0;
  std::vector<double> rates;
  const auto t0 = Clock::now();
  for (int i = 1; i <= slices; ++i) {
    const auto end = t0 + slice * i;
    while (Clock::now() < end) {
      if (started - completed.load() < 20000) {
        inject(running, 1000, payload, &turn);
        started += 1000;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    const long now_completed = completed.load();
    const double rate = static_cast<double>(now_completed - last_completed) * o.nodes /
                        std::chrono::duration<double>(slice).count();
    last_completed = now_completed;
    rates.push_back(rate);
    std::printf("  %8.0f %14.0f %12ld %12ld %12ld\n", seconds_since(t0), rate,
                pg_number(o.pg_url, "SELECT n_dead_tup " + stats),
                pg_number(o.pg_url, "SELECT n_live_tup " + stats),
                pg_number(o.pg_url, "SELECT autovacuum_count " + stats));
    std::fflush(stdout);
  }
  stop_hosts(running);
  if (rates.empty()) return;
  // The first tenth warms up (empty tables, cold caches): compared from the second on.
  const double first = rates.size() > 1 ? rates[1] : rates[0];
  const double last = rates.back();
  const auto [lo, hi] = std::minmax_element(rates.begin() + (rates.size() > 1 ? 1 : 0), rates.end());
  std::printf("  %-44s %12.3f\n", "last tenth / second tenth", last / first);
  std::printf("soak_pg: hosts=%d seconds=%ld first_hops_per_s=%.0f last_hops_per_s=%.0f "
              "min_hops_per_s=%.0f max_hops_per_s=%.0f last_over_first=%.3f\n",
              o.hosts, o.soak_s, first, last, *lo, *hi, last / first);
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
      // One host, then (with --hosts) several, each on a freshly emptied database.
      std::vector<int> host_counts = {1};
      if (o.hosts > 1) host_counts.push_back(o.hosts);
      for (int hosts : host_counts) {
        reset_pg(o.pg_url);
        Figures g = run(o, dir, o.pg_url, hosts);
        const double pg_msgs = o.messages / g.drain_s;
        const double pg_hops = pg_msgs * o.nodes;
        std::printf("  on PostgreSQL (--pg-url), %d host(s):\n", hosts);
        std::printf("  %-44s %12.0f\n", "messages/s end to end", pg_msgs);
        std::printf("  %-44s %12.0f\n", "hop transfers/s", pg_hops);
        std::printf("  %-44s %12.2f\n", "seconds to inject (start processes)", g.inject_s);
        std::printf("  %-44s %12.2f\n\n", "ratio to the SQLite hop transfers/s above", pg_hops / hops);
        std::printf("hop_pg: messages=%ld nodes=%d hosts=%d msgs_per_s=%.0f hops_per_s=%.0f "
                    "sqlite_hops_per_s=%.0f ratio_to_sqlite=%.3f\n",
                    o.messages, o.nodes, hosts, pg_msgs, pg_hops, hops, pg_hops / hops);
      }
      if (o.soak_s > 0) soak(o, dir);
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
