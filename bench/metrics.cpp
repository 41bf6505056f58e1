// bench_metrics: /metrics stays cheap with millions of process rows.
//
// Fills a real store with N process rows (bulk SQL in one transaction, not
// through the engine: 5 topologies; 95% completed, 4% completed with
// failures, 1% running) and T trash rows, then times, in the same run on the
// same file:
//   before  the scans /metrics used to run per scrape:
//           SELECT topology, state, count(*) FROM processes GROUP BY ...
//           SELECT count(*) FROM trash
//   after   Store::process_counts() and Store::trash_count() (the counts
//           kept by triggers, schema 10)
//   scrape  GET /metrics over loopback from the real http::Server and metrics::prometheus_text
//   prune   a retention pass over the first P processes (made a month old):
//           processes pruned per second and the longest batch, which is the
//           longest a commit could wait behind it.
//   queues  Store::queues() with Q messages in one queue: weir_queue_depth is
//           still a count of the queue's rows (not part of this change).
// Each query runs 5 times; the first (cold) and the median are printed.
//
//   bench_metrics [--processes N] [--trash T] [--prune P] [--queued Q] [--dir PATH]
//
// Prints a table, then one line `metrics: key=value ...` for scripts.
#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "engine/engine.hpp"
#include "http/http_server.hpp"
#include "metrics/prometheus.hpp"
#include "store/retention.hpp"
#include "store/sqlite_store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  long processes = 10'000'000;
  long trash = 100'000;
  long prune = 1'000'000;
  long queued = 500'000;
  std::string dir;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::puts(
          "usage: bench_metrics [--processes N] [--trash T] [--prune P] [--queued Q] [--dir "
          "PATH]\n"
          "  Fills a store with N process rows (default 10,000,000), T trash rows (100,000)\n"
          "  and Q queued messages (500,000), then times /metrics' queries before (scans)\n"
          "  and after (kept counts), a whole scrape, and a retention pass over the first\n"
          "  P processes (1,000,000).");
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error("option " + k + " needs a value");
    const std::string v = argv[++i];
    if (k == "--processes")
      o.processes = std::stol(v);
    else if (k == "--trash")
      o.trash = std::stol(v);
    else if (k == "--prune")
      o.prune = std::stol(v);
    else if (k == "--queued")
      o.queued = std::stol(v);
    else if (k == "--dir")
      o.dir = v;
    else
      throw std::runtime_error("unknown option " + k + " (see --help)");
  }
  o.prune = std::min(o.prune, o.processes);
  return o;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + why + " in: " + sql.substr(0, 80));
  }
}

// Rows of `sql` (all columns stepped over), on a connection of its own as the
// old /metrics read did on the store's reader.
long run_query(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  long rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) ++rows;
  sqlite3_finalize(st);
  return rows;
}

struct Timing {
  double first_ms = 0;
  double median_ms = 0;
};

Timing time_of(const std::function<void()>& f) {
  std::vector<double> runs;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    f();
    runs.push_back(ms_since(t0));
  }
  Timing t{runs[0], 0};
  std::sort(runs.begin(), runs.end());
  t.median_ms = runs[runs.size() / 2];
  return t;
}

// The store's schema made by the store itself, then rows put straight in.
void fill(const std::string& path, const Options& o) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  const std::int64_t now = weir::now_ms();
  const std::int64_t month_ago = now - 30LL * 24 * 3600 * 1000;
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-200000");
  exec(db, "BEGIN");
  // state: 1 in 100 running, 4 in 100 with failures, the rest completed.
  exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(o.processes) +
               ") INSERT INTO processes(id, topology, correlation_id, state, outstanding, done, "
               "failed, started_ms, finished_ms) SELECT i, 'topology-' || (i % 5), i, "
               "CASE WHEN i % 100 = 0 THEN 0 WHEN i % 100 < 5 THEN 2 ELSE 1 END, "
               "CASE WHEN i % 100 = 0 THEN 1 ELSE 0 END, 3, CASE WHEN i % 100 BETWEEN 1 AND 4 "
               "THEN 1 ELSE 0 END, "
               "CASE WHEN i <= " +
               std::to_string(o.prune) + " THEN " + std::to_string(month_ago) + " ELSE " +
               std::to_string(now) +
               " END, "
               "CASE WHEN i % 100 = 0 THEN 0 WHEN i <= " +
               std::to_string(o.prune) + " THEN " + std::to_string(month_ago) + " ELSE " +
               std::to_string(now) + " END FROM n");
  exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(o.trash) +
               ") INSERT INTO trash(queue_id, message_id, process_id, parent_id, correlation_id, "
               "attempts, error, headers, payload, failed_ms) SELECT 1, i, i * 100 - 99, 0, i, 1, "
               "'customer unknown', x'', x'c0', " +
               std::to_string(now) + " FROM n");
  // One queue holding Q messages of 300 bytes (a catalog sync's backlog).
  exec(db, "INSERT INTO queues(id, topology, node) VALUES (1, 'topology-0', 'intake')");
  exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(o.queued) +
               ") INSERT INTO messages(queue_id, seq, id, process_id, parent_id, correlation_id, "
               "attempts, credit, headers, payload, created_ms, crashes, errors) SELECT 1, i, i, "
               "100, 0, '100', 0, 0, x'', randomblob(300), " +
               std::to_string(now) + ", 0, x'90' FROM n WHERE " + std::to_string(o.queued) +
               " > 0");
  exec(db, "UPDATE meta SET value = " + std::to_string(o.queued + 1) +
               " WHERE key = 'next_message_id'");
  exec(db, "COMMIT");
  sqlite3_close(db);
}

// GET /metrics over loopback; the body's size.
std::size_t scrape(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* out) {
        static_cast<std::string*>(out)->append(d, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK || status != 200) throw std::runtime_error("GET " + url + " failed");
  return body.size();
}

void print(const char* what, const Timing& t) {
  std::printf("  %-44s %10.2f ms %10.2f ms\n", what, t.first_ms, t.median_ms);
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const fs::path dir = o.dir.empty() ? fs::temp_directory_path() /
                                           ("weir-bench-metrics-" + std::to_string(::getpid()))
                                     : fs::path(o.dir);
  fs::create_directories(dir);
  const std::string path = (dir / "weir.db").string();
  fs::remove(path);

  { auto created = weir::store::SqliteStore::open(weir::store::SqliteOptions{path}); }
  auto t0 = Clock::now();
  fill(path, o);
  const double fill_s = ms_since(t0) / 1000;

  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  exec(raw, "PRAGMA query_only=1");
  const Timing before_processes = time_of([&] {
    run_query(raw, "SELECT topology, state, count(*) FROM processes GROUP BY topology, state");
  });
  const Timing before_trash = time_of([&] { run_query(raw, "SELECT count(*) FROM trash"); });
  sqlite3_close(raw);

  auto opened = weir::store::SqliteStore::open(weir::store::SqliteOptions{path});
  if (!opened) throw std::runtime_error(opened.error());
  auto store = std::move(opened).value();
  std::int64_t counted = 0;
  const Timing after_processes = time_of([&] {
    counted = 0;
    for (const auto& c : store->process_counts().value()) counted += c.count;
  });
  const Timing after_trash = time_of([&] { (void)store->trash_count().value(); });
  const Timing queues = time_of([&] { (void)store->queues().value(); });
  if (counted != o.processes) throw std::runtime_error("process_counts() does not add up");

  weir::engine::Engine engine(*store, weir::engine::EngineOptions{});
  weir::http::ServerOptions server_options;
  server_options.port = 0;
  weir::http::Server server(server_options, [&](weir::http::Request&& r, weir::http::Respond re) {
    (void)r;
    weir::http::Response page;
    page.content_type = weir::metrics::kContentType;
    page.body = weir::metrics::prometheus_text(engine, *store, {});
    re(std::move(page));
  });
  if (auto st = server.start(); !st) throw std::runtime_error(st.message());
  const std::string url = "http://" + server.address() + "/metrics";
  std::size_t bytes = 0;
  const Timing scraped = time_of([&] { bytes = scrape(url); });
  server.stop();

  weir::store::RetentionOptions retention_options;
  retention_options.keep = std::chrono::hours(24 * 14);
  weir::store::Retention retention(
      [&](std::int64_t before, weir::store::ProcessId after, std::size_t max) {
        return store->prune_processes(before, after, max);
      },
      retention_options);
  t0 = Clock::now();
  auto pass = retention.run_pass();
  const double prune_s = ms_since(t0) / 1000;
  if (!pass) throw std::runtime_error(pass.error());

  std::printf("bench_metrics: %ld process rows, %ld trash rows (%s)\n", o.processes, o.trash,
              path.c_str());
  std::printf("  fill (bulk SQL, counts kept by triggers)   %10.1f s\n", fill_s);
  std::printf("  %-44s %13s %13s\n", "", "first", "median of 5");
  print("before: processes GROUP BY topology, state", before_processes);
  print("before: count(*) FROM trash", before_trash);
  print("after:  process_counts()", after_processes);
  print("after:  trash_count()", after_trash);
  print("GET /metrics (whole scrape, after)", scraped);
  std::printf("  %-44s %10.2f ms %10.2f ms\n",
              ("queues(): " + std::to_string(o.queued) + " queued, counted").c_str(),
              queues.first_ms, queues.median_ms);
  std::printf("  /metrics body                              %10zu bytes\n", bytes);
  std::printf(
      "  retention pass: %lld processes (of %ld a month old), %lld batches, %.1f s,\n"
      "    %.0f processes/s, longest batch %.1f ms\n",
      static_cast<long long>(pass->processes), o.prune, static_cast<long long>(pass->batches),
      prune_s, static_cast<double>(pass->processes) / std::max(prune_s, 1e-9),
      static_cast<double>(pass->longest.count()) / 1000);
  std::printf(
      "metrics: processes=%ld before_ms=%.2f after_ms=%.3f scrape_ms=%.3f "
      "trash_before_ms=%.2f trash_after_ms=%.3f pruned=%lld prune_per_s=%.0f "
      "longest_batch_ms=%.1f queued=%ld queues_ms=%.2f\n",
      o.processes, before_processes.median_ms, after_processes.median_ms, scraped.median_ms,
      before_trash.median_ms, after_trash.median_ms, static_cast<long long>(pass->processes),
      static_cast<double>(pass->processes) / std::max(prune_s, 1e-9),
      static_cast<double>(pass->longest.count()) / 1000, o.queued, queues.median_ms);
  store.reset();
  if (o.dir.empty()) fs::remove_all(dir);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_metrics: %s\n", e.what());
  return 1;
}
