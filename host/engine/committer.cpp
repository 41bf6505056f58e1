#include "committer.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace weir::engine {

Committer::Committer(store::Store& store)
    : store_(store), fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error("engine: eventfd failed");
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-commit");
    run();
  });
}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  ::close(fd_);
}

void Committer::submit(store::CommitBatch batch) {
  busy_ = true;
  {
    std::lock_guard lock(mu_);
    todo_ = std::move(batch);
  }
  cv_.notify_one();
}

std::optional<Committer::Done> Committer::take() {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
  std::lock_guard lock(mu_);
  std::optional<Done> out;
  out.swap(done_);
  if (out) busy_ = false;
  return out;
}

void Committer::run() {
  for (;;) {
    store::CommitBatch batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || todo_.has_value(); });
      if (!todo_) return;  // stopping with nothing to do
      batch = std::move(*todo_);
      todo_.reset();
    }
    auto result = store_.commit(batch);
    {
      std::lock_guard lock(mu_);
      done_.emplace(Done{std::move(batch), std::move(result)});
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
  }
}

}  // namespace weir::engine
