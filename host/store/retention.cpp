#include "retention.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/duration.hpp"

namespace weir::store {

Retention::Retention(Prune prune, RetentionOptions options)
    : prune_(std::move(prune)), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return now_ms(); };
  options_.batch = std::max<std::size_t>(1, options_.batch);
}

Retention::~Retention() { stop(); }

void Retention::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Retention::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Retention::rest(std::chrono::steady_clock::duration d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

Result<Retention::Pass> Retention::run_pass() {
  using Clock = std::chrono::steady_clock;
  const std::int64_t before = options_.clock() - options_.keep.count();
  Pass pass;
  for (ProcessId after = 0;;) {
    const auto t0 = Clock::now();
    auto batch = prune_(before, after, options_.batch);
    const auto took = Clock::now() - t0;
    if (!batch) return batch.status();
    ++pass.batches;
    pass.processes += batch->processes;
    pass.visits += batch->visits;
    pass.longest = std::max(pass.longest,
                            std::chrono::duration_cast<std::chrono::microseconds>(took));
    if (!batch->more) break;
    after = batch->last;
    // As long as the batch took: commits get the writer at least half the time.
    if (!rest(std::max<Clock::duration>(took, std::chrono::milliseconds(1)))) break;
  }
  return pass;
}

void Retention::run() {
  while (rest(options_.interval)) {
    auto pass = run_pass();
    if (!pass) {
      spdlog::warn("store: pruning finished processes failed ({}); trying again in {}",
                   pass.error(), format_duration(options_.interval));
    } else if (pass->processes > 0) {
      spdlog::info("store: pruned {} process(es) finished over {} ago, with {} trace row(s), "
                   "in {} batch(es) (longest {} ms)",
                   pass->processes, format_duration(options_.keep), pass->visits, pass->batches,
                   pass->longest.count() / 1000);
    }
  }
}

std::unique_ptr<Retention> start_retention(
    std::int64_t keep_ms,
    std::function<Result<PruneResult>(std::int64_t, ProcessId, std::size_t)> prune) {
  if (keep_ms <= 0) return nullptr;
  RetentionOptions options;
  options.keep = std::chrono::milliseconds(keep_ms);
  auto retention = std::make_unique<Retention>(std::move(prune), options);
  retention->start();
  return retention;
}

}  // namespace weir::store
