// The directory watcher behind hot reload: the host watches its topologies and
// plugins directories with inotify and rescans them when their files change.
//
// Files are created, written, deleted, moved in and out, and replaced by the
// "write a temp file, rename it over" dance of editors and cp/install. One save
// makes several events, and a copy of many files makes many, so events are
// coalesced: the callback runs once `settle` has passed without an event, or at
// the latest 5 x settle after the first event of a burst, so that a steady
// stream of writes still reloads. A file that is still being written (modified,
// not yet closed) holds the callback back, whatever the cap, so a
// plugin copied slowly is never read half-written; one whose writer has gone
// silent for `write_stall` no longer does (it is logged). Names starting with
// '.' (editor swap and temp files) are ignored; renaming one to a real name
// counts, as a move-in of that name. Only the directories themselves are
// watched, not subdirectories.
//
// If a watched directory is removed, a warning is logged and it is reported
// once as changed; it is not watched again until the host restarts. An inotify
// queue overflow reports every directory as changed.
//
// Threads: start() and stop() from the owner; trigger() from any thread, at any
// time while the watcher exists. The callback runs on the watcher's own thread
// ("weir-watch"), never concurrently with itself; it may take long, as events
// arriving meanwhile are read afterwards and give another call. It must not
// call stop() or destroy the watcher. After stop() returns, it is not called.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "common/status.hpp"

struct inotify_event;  // <sys/inotify.h>

namespace weir::runtime {

struct WatchOptions {
  std::chrono::milliseconds settle{300};  // quiet time after the last event before the callback
  // A file open for writing with no write for this long stops holding the callback back.
  std::chrono::milliseconds write_stall{30000};
};

class DirWatcher {
 public:
  // `on_change` runs on the watcher's own thread with the directories (as given to the
  // constructor, in that order) that saw events since the last call; never concurrently with
  // itself.
  using OnChange = std::function<void(const std::vector<std::string>& dirs)>;

  DirWatcher(std::vector<std::string> dirs, OnChange on_change, WatchOptions options = {});
  ~DirWatcher();  // stops
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  // Watches every directory and starts the thread. Fails, naming the directory, if one cannot be
  // watched (missing, not a directory, no permission, out of inotify watches). Once only.
  Status start();
  // Wakes the thread and joins it; a pending burst is dropped. Idempotent.
  void stop();
  // Acts as if every directory changed: the callback runs after `settle` (a manual reload).
  void trigger();

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  void wake();
  // Reads all queued inotify events and marks the directories they concern in `changed`;
  // true if any counted.
  bool read_events(std::vector<bool>& changed);
  bool note(const inotify_event& ev, std::vector<bool>& changed);
  // Calls on_change_ with the marked directories and clears the marks.
  void deliver(std::vector<bool>& changed);
  // Tracks files between their first write and their close (see the file comment).
  void note_write(int wd, const inotify_event& ev);
  // When the files being written stop holding the callback back (none: now); drops (and logs)
  // the ones whose writer went silent for write_stall.
  Clock::time_point writes_done(Clock::time_point now);

  const std::vector<std::string> dirs_;
  const OnChange on_change_;
  const WatchOptions options_;
  const int wake_fd_;     // eventfd written by trigger() and stop(); closed by ~DirWatcher
  int wake_errno_ = 0;    // why wake_fd_ is -1, for start() to report
  int inotify_fd_ = -1;   // set by start(), then used only by the thread
  std::vector<int> wds_;  // inotify watch per dir (-1: removed); the thread's after start()
  // Files written and not yet closed: (watch, name) -> time of the last write. The thread's.
  std::map<std::pair<int, std::string>, Clock::time_point> writing_;
  std::atomic<bool> triggered_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace weir::runtime
