// File modes in tests: the permission bits of a path, and a umask set for
// one scope (the usual 022, so a test sees what an operator's shell gives
// weir; a host started in the scope inherits it).
#pragma once

#include <sys/stat.h>

#include <string>

namespace weir::test {

// The permission bits of `path` (e.g. 0600), or -1 if it cannot be stat-ed.
inline int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

}  // namespace weir::test
