#include "dispatch_marks.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/private_files.hpp"

namespace weir::store {
namespace {

constexpr std::uint64_t kTag = 0x3170736472696577ull;  // "weirdsp1", little-endian
constexpr std::size_t kHeaderWords = 2;
constexpr std::size_t kPage = 4096;

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<std::unique_ptr<DispatchMarks>> DispatchMarks::open(const std::string& path,
                                                           std::int64_t instance) {
  // Private like the database beside it (an older file left readable is tightened).
  auto privacy = make_private_file(path, "dispatch marks file");
  if (!privacy) return privacy.status();
  if (privacy->action == PrivacyChange::kTightened) {
    spdlog::warn("store: {}", privacy->note("dispatch marks file", path));
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error(os_error("cannot open " + path));
  std::unique_ptr<DispatchMarks> marks(new DispatchMarks(fd, path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::error(os_error("cannot stat " + path));
  const auto size = static_cast<std::size_t>(st.st_size);
  Status mapped = marks->map(size >= kPage && size % kPage == 0 ? size : kPage);
  if (!mapped) return mapped;
  auto* w = marks->words_;
  if (w[0] != kTag || w[1] != static_cast<std::uint64_t>(instance)) {
    if (w[0] != 0) spdlog::warn("store: {} belongs to another database; its marks are ignored", path);
    marks->clear();
    w[0] = kTag;
    w[1] = static_cast<std::uint64_t>(instance);
  }
  return marks;
}

DispatchMarks::~DispatchMarks() {
  if (words_) ::munmap(words_, bytes_);
  if (fd_ >= 0) ::close(fd_);
}

Status DispatchMarks::map(std::size_t bytes) {
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    return Status::error(os_error("cannot size " + path_));
  }
  void* p = words_ ? ::mremap(words_, bytes_, bytes, MREMAP_MAYMOVE)
                   : ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return Status::error(os_error("cannot map " + path_));
  words_ = static_cast<std::uint64_t*>(p);
  bytes_ = bytes;
  return Status::ok();
}

std::uint64_t* DispatchMarks::slot(std::int64_t queue) {
  if (queue < 0) return nullptr;
  const std::size_t index = kHeaderWords + static_cast<std::size_t>(queue);
  if (index >= bytes_ / sizeof(std::uint64_t)) {
    std::size_t bytes = bytes_;
    while (index >= bytes / sizeof(std::uint64_t)) bytes *= 2;
    Status st = map(bytes);
    if (!st) {  // then this queue's calls are not marked: they count as unstarted
      spdlog::error("store: {}", st.message());
      return nullptr;
    }
  }
  return words_ + index;
}

void DispatchMarks::set(std::int64_t queue, std::uint64_t seq) {
  // A plain store into shared memory: it survives the process dying.
  if (std::uint64_t* s = slot(queue)) std::atomic_ref<std::uint64_t>(*s).store(seq, std::memory_order_relaxed);
}

std::uint64_t DispatchMarks::started(std::int64_t queue) const {
  const std::size_t index = kHeaderWords + static_cast<std::size_t>(queue);
  if (queue < 0 || index >= bytes_ / sizeof(std::uint64_t)) return 0;
  return words_[index];
}

void DispatchMarks::clear() {
  std::memset(words_ + kHeaderWords, 0, bytes_ - kHeaderWords * sizeof(std::uint64_t));
}

}  // namespace weir::store
