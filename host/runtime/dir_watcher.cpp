#include "dir_watcher.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <system_error>

#include <spdlog/spdlog.h>

namespace weir::runtime {
namespace {

// IN_DELETE_SELF only to be told the directory went; IN_IGNORED comes with it, and always.
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR;
// A burst is delivered at most this many settle times after its first event, so that a steady
// stream of writes (a slow copy, a log someone put in the wrong place) still reloads.
constexpr int kMaxSettles = 5;

std::string errno_text(int e) { return std::generic_category().message(e); }

const char* what_happened(std::uint32_t mask) {
  if (mask & IN_CREATE) return "created";
  if (mask & IN_CLOSE_WRITE) return "written";
  if (mask & IN_MODIFY) return "being written";
  if (mask & IN_MOVED_TO) return "moved in";
  if (mask & IN_MOVED_FROM) return "moved out";
  if (mask & IN_DELETE) return "deleted";
  return "attributes changed";
}

}  // namespace

DirWatcher::DirWatcher(std::vector<std::string> dirs, OnChange on_change, WatchOptions options)
    : dirs_(std::move(dirs)),
      on_change_(std::move(on_change)),
      options_(options),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  // Made here rather than in start() so that trigger() may be called at any time.
  if (wake_fd_ < 0) wake_errno_ = errno;
}

DirWatcher::~DirWatcher() {
  stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status DirWatcher::start() {
  if (wake_fd_ < 0) return Status::error("watch: eventfd: " + errno_text(wake_errno_));
  if (inotify_fd_ >= 0 || stopping_) return Status::error("watch: start() called twice");
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) return Status::error("watch: inotify_init1: " + errno_text(errno));
  for (const std::string& dir : dirs_) {
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
    if (wd < 0) {
      const int e = errno;
      ::close(inotify_fd_);
      inotify_fd_ = -1;
      wds_.clear();
      return Status::error(
          "watch: " + dir + ": " + errno_text(e) +
          (e == ENOSPC ? " (inotify watch limit: fs.inotify.max_user_watches)" : ""));
    }
    wds_.push_back(wd);
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-watch");
    run();
  });
  return Status::ok();
}

void DirWatcher::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void DirWatcher::trigger() {
  triggered_ = true;
  wake();
}

void DirWatcher::wake() {
  const std::uint64_t one = 1;
  // Fails only if the counter is full, and then the thread is awake anyway.
  if (wake_fd_ >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

void DirWatcher::run() {
  std::vector<bool> changed(dirs_.size());
  bool pending = false;
  Clock::time_point first;  // of the pending burst
  Clock::time_point last;
  while (!stopping_) {
    int timeout_ms = -1;
    if (pending) {
      const Clock::time_point now = Clock::now();
      const Clock::time_point due =
          std::max(std::min(last + options_.settle, first + kMaxSettles * options_.settle),
                   writes_done(now));
      if (now >= due) {
        pending = false;
        deliver(changed);
        continue;
      }
      // Rounded up: rounding down would spin with a 0 ms timeout for the last partial ms.
      timeout_ms =
          static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(due - now).count());
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("watch: poll: {}; hot reload is off", errno_text(errno));
      return;
    }
    bool saw = false;
    if (fds[1].revents & POLLIN) {
      std::uint64_t count;
      [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
      if (stopping_) return;
      if (triggered_.exchange(false)) {
        std::fill(changed.begin(), changed.end(), true);
        saw = true;
      }
    }
    if (fds[0].revents & POLLIN) saw = read_events(changed) || saw;
    if (saw) {
      const Clock::time_point now = Clock::now();
      if (!pending) first = now;
      last = now;
      pending = true;
    }
  }
}

bool DirWatcher::read_events(std::vector<bool>& changed) {
  alignas(inotify_event) char buf[4096];  // room for at least one event with a NAME_MAX name
  bool saw = false;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN) spdlog::error("watch: read: {}", errno_text(errno));
      return saw;
    }
    for (const char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      saw = note(*ev, changed) || saw;
    }
  }
}

bool DirWatcher::note(const inotify_event& ev, std::vector<bool>& changed) {
  if (ev.mask & IN_Q_OVERFLOW) {
    spdlog::warn("watch: inotify queue overflowed; rescanning every directory");
    std::fill(changed.begin(), changed.end(), true);
    return true;
  }
  if (ev.mask & IN_DELETE_SELF) return false;  // the IN_IGNORED that follows is reported
  const bool removed = ev.mask & IN_IGNORED;
  if (!removed && ev.len > 0 && ev.name[0] == '.') return false;  // editor swap and temp files
  bool saw = false;
  for (std::size_t i = 0; i < wds_.size(); ++i) {  // a loop: a dir given twice shares its wd
    if (wds_[i] != ev.wd) continue;
    if (removed) {
      spdlog::warn("watch: {} was removed; changes there are not seen until restart", dirs_[i]);
      wds_[i] = -1;
    } else {
      spdlog::debug("watch: {}/{} {}", dirs_[i], ev.len > 0 ? ev.name : "", what_happened(ev.mask));
      note_write(ev.wd, ev);
    }
    changed[i] = true;
    saw = true;
  }
  return saw;
}

void DirWatcher::note_write(int wd, const inotify_event& ev) {
  if (ev.len == 0 || (ev.mask & IN_ISDIR)) return;
  const auto key = std::make_pair(wd, std::string(ev.name));
  if (ev.mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM)) {
    writing_.erase(key);
  } else if (ev.mask & IN_MODIFY) {  // not IN_CREATE alone: a hard link is never closed
    writing_[key] = Clock::now();
  }
}

DirWatcher::Clock::time_point DirWatcher::writes_done(Clock::time_point now) {
  Clock::time_point done{};
  for (auto it = writing_.begin(); it != writing_.end();) {
    const Clock::time_point stall = it->second + options_.write_stall;
    if (now >= stall) {
      spdlog::warn("watch: {} has had no write for {} ms and is still open; reading it as it is",
                   it->first.second, options_.write_stall.count());
      it = writing_.erase(it);
      continue;
    }
    done = std::max(done, stall);
    ++it;
  }
  return done;
}

void DirWatcher::deliver(std::vector<bool>& changed) {
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < dirs_.size(); ++i) {
    if (changed[i]) dirs.push_back(dirs_[i]);
  }
  std::fill(changed.begin(), changed.end(), false);
  if (dirs.empty()) return;
  // An exception must not end the thread (and with it the process).
  try {
    on_change_(dirs);
  } catch (const std::exception& e) {
    spdlog::error("watch: reload failed: {}", e.what());
  } catch (...) {
    spdlog::error("watch: reload failed");
  }
}

}  // namespace weir::runtime
