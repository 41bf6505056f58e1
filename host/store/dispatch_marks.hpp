// Which leased messages had really been handed to a worker when the host
// died. A lease is durable (the queue's cursor moves in the commit that
// leases), but a node keeps up to thousands of leased messages prefetched
// that no call has started; after a SIGKILL those did nothing wrong, and
// must come back as they were: no attempt used, no crash on record (with
// `max_attempts: 1` they would otherwise go to the trash without running).
//
// Writing "call started" to the database before every call would cost an
// fsync per call. Instead the pump writes, per queue, the highest seq it has
// handed to a worker into a small file mapped into memory (MAP_SHARED): a
// plain store, no system call. The kernel keeps the page when the process
// dies, so recovery after a crash reads exactly what had started. After a
// power loss the page may be older (fewer marks): then fewer messages are
// blamed, never more, and every leased message is redelivered either way.
//
// A node hands out its prefetched messages in seq order, so for every
// message still queued, "seq <= mark" means "was in a call". The pump sets
// the mark to the last seq of each call it sends, and, when it gives leases
// back (LeaseRelease), to the newest seq still in a call (or 0), so a
// message leased again later is not mistaken for one that started.
//
// The file (`<database>-dispatch`, 0600) starts with a tag and the
// database's instance id, so marks of another database are never applied.
//
// Threads: set() from one thread (the pump); started() and clear() only
// while it does not run (opening the store).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.hpp"

namespace weir::store {

class DispatchMarks {
 public:
  // Opens or creates the file at `path` for the database `instance`. Marks
  // written for another instance are dropped.
  static Result<std::unique_ptr<DispatchMarks>> open(const std::string& path,
                                                     std::int64_t instance);
  ~DispatchMarks();
  DispatchMarks(const DispatchMarks&) = delete;
  DispatchMarks& operator=(const DispatchMarks&) = delete;

  // Every message of `queue` still queued with a seq up to `seq` is (or was)
  // in a call; none above it is.
  void set(std::int64_t queue, std::uint64_t seq);
  // The last set() for `queue` since the last clear() (0: none).
  std::uint64_t started(std::int64_t queue) const;
  // Forgets every mark (after recovery has used them).
  void clear();

 private:
  DispatchMarks(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status map(std::size_t bytes);
  std::uint64_t* slot(std::int64_t queue);  // grows the file when needed; null if it cannot

  int fd_ = -1;
  std::string path_;
  std::uint64_t* words_ = nullptr;  // the mapping: [tag, instance, slot 1, slot 2, ...]
  std::size_t bytes_ = 0;
};

}  // namespace weir::store
