// Committer: the thread that runs store commits for the pump, one at a time,
// so the pump keeps dispatching and collecting results while a commit waits
// for its fsync. Results of a commit come back through take(); fd() becomes
// readable when one is ready (the pump polls it with its sockets).
//
// Threads: submit/take/fd from the pump thread only; the committer thread
// runs store commits.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "store/store.hpp"

namespace weir::engine {

class Committer {
 public:
  explicit Committer(store::Store& store);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  int fd() const { return fd_; }
  bool busy() const { return busy_; }  // a submitted commit has not been taken back yet

  // Starts committing `batch`. Precondition: !busy().
  void submit(store::CommitBatch batch);

  struct Done {
    store::CommitBatch batch;
    Result<store::CommitResult> result;
  };
  // The finished commit, if there is one (clears busy()).
  std::optional<Done> take();

 private:
  void run();

  store::Store& store_;
  int fd_ = -1;
  bool busy_ = false;  // pump thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<store::CommitBatch> todo_;  // guarded by mu_
  std::optional<Done> done_;                // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  std::thread thread_;
};

}  // namespace weir::engine
