#include "plugin_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/content_hash.hpp"
#include "common/private_files.hpp"

namespace weir::plugins {
namespace {

namespace fs = std::filesystem;

// Hex digits of the sha256 in a copy's file name: 64 bits, enough that two
// builds of one plugin never share a name by accident.
constexpr std::size_t kCopyHashChars = 16;

std::string errno_text() { return std::strerror(errno); }

Status write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::error(n < 0 ? errno_text() : "nothing written");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

// A new file of ours (O_EXCL: never one someone put there), 0600.
Status write_new_file(const std::string& path, std::span<const std::uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::error(errno_text());
  Status st = ::fchmod(fd, 0600) == 0 ? write_all(fd, bytes) : Status::error(errno_text());
  if (::close(fd) != 0 && st) st = Status::error(errno_text());
  return st;
}

}  // namespace

Result<std::string> PluginCache::copy(const std::string& source,
                                      std::span<const std::uint8_t> bytes,
                                      const std::string& sha) const {
  auto dir = make_private_dir(dir_, "plugin cache directory");
  if (!dir) return dir.status();
  const std::string name =
      fs::path(source).stem().string() + "-" + sha.substr(0, kCopyHashChars) + ".so";
  const std::string copy = (fs::path(dir_) / name).string();
  auto usable = usable_copy(copy, sha);
  if (!usable) return usable.status();
  if (usable.value()) return copy;
  Status written = write_verified(source, copy, bytes, sha);
  if (!written) return written;
  return copy;
}

// A copy already in the cache is used only if it is a regular file of ours
// with the right content. Anything else there is replaced by the rename.
Result<bool> PluginCache::usable_copy(const std::string& copy, const std::string& sha) const {
  struct stat st {};
  if (::lstat(copy.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    return false;
  }
  std::string ignored;
  if (sha256_hex_of_file(copy, &ignored) != sha) return false;
  auto tightened = make_private_file(copy, "plugin copy");  // an older weir's 0644
  if (!tightened) return tightened.status();
  return true;
}

Status PluginCache::write_verified(const std::string& source, const std::string& copy,
                                   std::span<const std::uint8_t> bytes,
                                   const std::string& sha) const {
  static std::atomic<unsigned> counter{0};
  const std::string tmp =
      copy + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  // Errors name the copy, not the temporary (whose name changes every try).
  Status written = write_new_file(tmp, bytes);
  if (!written) {
    ::unlink(tmp.c_str());
    return written.prefixed("cannot write plugin copy " + copy);
  }
  if (after_write_) after_write_(tmp);
  std::string why;
  const std::string got = sha256_hex_of_file(tmp, &why);
  if (got != sha) {
    ::unlink(tmp.c_str());
    return Status::error("plugin copy " + copy + " does not match " + source +
                         " once written (sha256 of the copy: " + (got.empty() ? why : got) +
                         ", of the file: " + sha + "); refused");
  }
  // rename() never touches the inode a loaded older copy is mapped from.
  if (::rename(tmp.c_str(), copy.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(tmp.c_str());
    return Status::error("cannot write plugin copy " + copy + ": " + reason);
  }
  return Status::ok();
}

}  // namespace weir::plugins
