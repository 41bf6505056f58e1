// bench_limiter: how exact and how full the limiter's budget is under
// pressure, and what it costs. For each rate, W threads ask one
// application's AppLimiter for permits as fast as they can for S seconds
// (each holds its permit for --hold-us, as a request in flight would).
//
// Per rate it prints:
//   worst window over the limit   the most by which any window [t_i, t_j]
//                                 of the grant times holds more starts than
//                                 rate x T + burst (target 0)
//   ... as the callers resumed    the same over the times the callers woke
//                                 up with their permit (what a server would
//                                 see, before the network's own jitter: any
//                                 two starts drawn closer than the interval
//                                 by a late wake-up count here)
//   busiest period as resumed     the most starts in any window of the
//                                 rate's period (1 s for N/s) at the resume
//                                 times, against count + burst: what a shop
//                                 counting requests per second sees
//   utilisation                   starts / (rate x S + burst) (target >= 97%)
//   wake lateness p50 / p99       resume time minus grant time
//   CPU per limited request       this process's CPU time / starts
// and, last, one `limiter: key=value ...` line with every rate's figures.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "limiter/app_limiter.hpp"
#include "limiter/rate.hpp"
#include "limiter/window_check.hpp"

namespace {

using weir::limiter::Rate;

struct Options {
  std::vector<std::string> rates = {"5/s", "50/s", "500/s"};
  int workers = 8;
  double seconds = 10;
  std::int64_t burst = 1;
  std::int64_t hold_us = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::puts(
          "usage: bench_limiter [--rates 5/s,50/s,500/s] [--workers W] [--seconds S] [--burst B]\n"
          "                     [--hold-us U]\n"
          "  W threads (default 8) take permits from one application's limiter as fast as\n"
          "  they can for S seconds per rate (default 10), each holding it U microseconds\n"
          "  (default 0). Prints the worst window over rate x T + burst (target 0), the\n"
          "  utilisation (target >= 97%), wake lateness and CPU per limited request.");
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error("option " + k + " needs a value");
    const std::string v = argv[++i];
    if (k == "--rates") {
      o.rates.clear();
      std::size_t start = 0;
      while (start <= v.size()) {
        const auto comma = v.find(',', start);
        o.rates.push_back(v.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (k == "--workers") {
      o.workers = std::stoi(v);
    } else if (k == "--seconds") {
      o.seconds = std::stod(v);
    } else if (k == "--burst") {
      o.burst = std::stoll(v);
    } else if (k == "--hold-us") {
      o.hold_us = std::stoll(v);
    } else {
      throw std::runtime_error("unknown option " + k + " (see --help)");
    }
  }
  return o;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figures {
  std::string rate;
  std::size_t starts = 0;
  double allowed = 0;
  std::int64_t worst_granted = 0;
  std::int64_t worst_resumed = 0;
  std::int64_t busiest_resumed = 0;
  std::int64_t period_limit = 0;
  double p50_late_us = 0;
  double p99_late_us = 0;
  double cpu_us_per_request = 0;
};

Figures run(const std::string& text, const Options& o) {
  std::string error;
  auto rate = weir::limiter::parse_rate(text, &error);
  if (!rate) throw std::runtime_error(error);
  rate->burst = o.burst;
  weir::limiter::AppLimiter app("bench", *rate, 0);
  const auto& ticker = weir::steady_ticker();
  std::mutex mu;
  std::vector<std::int64_t> granted, resumed;
  const double cpu0 = cpu_seconds();
  const std::int64_t begin = ticker.now_ns();
  const std::int64_t end = begin + static_cast<std::int64_t>(o.seconds * 1e9);
  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> g, r;
      for (;;) {
        auto permit = app.acquire(end);
        if (!permit) break;
        r.push_back(ticker.now_ns());
        g.push_back(permit->granted_ns());
        if (o.hold_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(o.hold_us));
      }
      std::lock_guard lock(mu);
      granted.insert(granted.end(), g.begin(), g.end());
      resumed.insert(resumed.end(), r.begin(), r.end());
    });
  }
  for (auto& t : threads) t.join();
  const double cpu = cpu_seconds() - cpu0;
  std::vector<std::int64_t> late;
  // Pairs in grant order (one thread's vectors were filled together).
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
  for (std::size_t i = 0; i < granted.size(); ++i) pairs.emplace_back(granted[i], resumed[i]);
  std::sort(pairs.begin(), pairs.end());
  for (const auto& [g, r] : pairs) late.push_back(r - g);
  std::sort(granted.begin(), granted.end());
  std::sort(resumed.begin(), resumed.end());
  std::sort(late.begin(), late.end());
  Figures f;
  f.rate = text;
  f.starts = granted.size();
  f.allowed = rate->per_second() * o.seconds + double(rate->burst);
  f.worst_granted = weir::limiter::worst_window_excess(granted, *rate);
  f.worst_resumed = weir::limiter::worst_window_excess(resumed, *rate);
  f.busiest_resumed = weir::limiter::busiest_window(resumed, rate->per_ns);
  f.period_limit = rate->count + rate->burst;
  if (!late.empty()) {
    f.p50_late_us = double(late[late.size() / 2]) / 1e3;
    f.p99_late_us = double(late[std::min(late.size() - 1, late.size() * 99 / 100)]) / 1e3;
  }
  f.cpu_us_per_request = f.starts ? cpu * 1e6 / double(f.starts) : 0;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    std::printf("bench_limiter: %d threads, %.0f s per rate, burst %lld, hold %lld us\n\n",
                o.workers, o.seconds, static_cast<long long>(o.burst),
                static_cast<long long>(o.hold_us));
    std::string line =
        "limiter: workers=" + std::to_string(o.workers) + " burst=" + std::to_string(o.burst);
    for (const auto& text : o.rates) {
      const Figures f = run(text, o);
      const double util = f.allowed > 0 ? 100.0 * double(f.starts) / f.allowed : 0;
      std::printf("  %-8s started %zu of %.0f allowed (utilisation %.1f%%)\n", text.c_str(),
                  f.starts, f.allowed, util);
      std::printf("           worst window over the limit %lld (as the callers resumed: %lld)\n",
                  static_cast<long long>(f.worst_granted), static_cast<long long>(f.worst_resumed));
      std::printf("           busiest period as resumed %lld (allowed %lld)\n",
                  static_cast<long long>(f.busiest_resumed),
                  static_cast<long long>(f.period_limit));
      std::printf("           wake lateness p50 %.0f us, p99 %.0f us; CPU %.1f us per request\n\n",
                  f.p50_late_us, f.p99_late_us, f.cpu_us_per_request);
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    " rate_%s: started=%zu util_pct=%.1f worst=%lld worst_resumed=%lld "
                    "busiest_period=%lld/%lld late_p99_us=%.0f cpu_us=%.1f",
                    text.c_str(), f.starts, util, static_cast<long long>(f.worst_granted),
                    static_cast<long long>(f.worst_resumed),
                    static_cast<long long>(f.busiest_resumed),
                    static_cast<long long>(f.period_limit), f.p99_late_us, f.cpu_us_per_request);
      line += buf;
    }
    std::puts(line.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_limiter: %s\n", e.what());
    return 2;
  }
}
