#include "command_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace weir::engine {

CommandQueue::CommandQueue() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error("engine: eventfd failed");
}

CommandQueue::~CommandQueue() { ::close(fd_); }

void CommandQueue::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

void CommandQueue::open() {
  std::lock_guard lock(mu_);
  open_ = true;
  stop_ = false;
  quiet_starts_ = false;
}

// Only the first command after a take() wakes the pump: take() reads the
// eventfd before it swaps the lists out under the lock, so a command pushed
// after that swap finds the lists empty and wakes it again. Under a burst of
// webhooks this saves a write() per request. While a commit runs (quiet)
// no start wakes the pump at all: it takes them when the commit is back.
bool CommandQueue::push_start(std::unique_ptr<StartCommand>& cmd) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    first = empty_locked() && !quiet_starts_;
    starts_.push_back(std::move(cmd));
  }
  if (first) wake();
  return true;
}

bool CommandQueue::empty_locked() const {
  return starts_.empty() && replays_.empty() && swaps_.empty() && ready_.empty() && !stop_;
}

bool CommandQueue::push_replay(std::unique_ptr<ReplayCommand>& cmd) {
  {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    replays_.push_back(std::move(cmd));
  }
  wake();
  return true;
}

bool CommandQueue::push_swap(std::unique_ptr<SwapCommand>& cmd) {
  {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    swaps_.push_back(std::move(cmd));
  }
  wake();
  return true;
}

void CommandQueue::quiet_starts(bool quiet) {
  std::lock_guard lock(mu_);
  quiet_starts_ = quiet;
}

void CommandQueue::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    open_ = false;
  }
  wake();
}

void CommandQueue::push_ready(const std::vector<store::QueueId>& queues) {
  if (queues.empty()) return;
  {
    std::lock_guard lock(mu_);
    ready_.insert(ready_.end(), queues.begin(), queues.end());
  }
  wake();
}

CommandQueue::Taken CommandQueue::take() {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
  std::lock_guard lock(mu_);
  Taken t;
  t.starts.swap(starts_);
  t.replays.swap(replays_);
  t.swaps.swap(swaps_);
  t.ready.swap(ready_);
  t.stop = stop_;
  return t;
}

}  // namespace weir::engine
