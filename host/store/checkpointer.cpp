#include "checkpointer.hpp"

#include <pthread.h>

namespace weir::store {

Checkpointer::Checkpointer(std::string path) : path_(std::move(path)) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Status Checkpointer::start() {
  Status st = db_.open(path_);
  if (st) st = db_.exec("PRAGMA busy_timeout=10000");
  if (!st) return st;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-checkpoint");
    run();
  });
  return Status::ok();
}

void Checkpointer::note_wal_pages(int pages) {
  if (pages < kStartPages) return;
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || wanted_; });
      if (stop_) return;
      wanted_ = false;
    }
    // PASSIVE: copies what it can without waiting for, or blocking, the writer.
    (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)");  // busy: the next one catches up
  }
}

}  // namespace weir::store
