// Checkpointer: copies the WAL back into the database file on its own thread
// and connection, so the committing thread never pays for it.
//
// The writer connection turns SQLite's automatic checkpoint off and reports
// the WAL's size after each commit (note_wal_pages); past a threshold this
// thread runs a PASSIVE checkpoint, which never blocks the writer. If the
// WAL still grows past a hard limit (checkpoints starved), the writer's next
// commit waits for a full checkpoint, so the file cannot grow without bound.
//
// Threads: note_wal_pages from the writer (under the store's write lock);
// everything else on the checkpointer thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite_db.hpp"

namespace weir::store {

class Checkpointer {
 public:
  // ~40 MB of WAL. Queue pages are rewritten over and over; a checkpoint
  // copies only each page's last version, so a larger window copies less.
  static constexpr int kStartPages = 10000;
  static constexpr int kHardLimitPages = 262144;  // ~1 GB: the writer helps

  explicit Checkpointer(std::string path);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  Status start();
  // Called after a commit with the WAL's size in pages.
  void note_wal_pages(int pages);

 private:
  void run();

  std::string path_;
  Db db_;  // checkpointer thread only
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  bool stop_ = false;    // guarded by mu_
  std::thread thread_;
};

}  // namespace weir::store
