#include "common/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace weir {
namespace {

constexpr unsigned kGroupOther = 077;
constexpr unsigned kGroupOtherWrite = 022;

std::string errno_text() { return std::strerror(errno); }

std::string named(const std::string& what, const std::string& path) { return what + " " + path; }

Status not_ours(const std::string& what, const std::string& path, const struct stat& st) {
  return Status::error(named(what, path) + " belongs to uid " + std::to_string(st.st_uid) +
                       ", but weir runs as uid " + std::to_string(::geteuid()) +
                       ": weir keeps it private to its own user; chown it to that user or "
                       "choose another path");
}

// Group/other bits dropped; the owner's bits and nothing else kept.
Result<PrivacyChange> tighten(const std::string& what, const std::string& path,
                              const struct stat& st) {
  PrivacyChange change;
  const unsigned mode = st.st_mode & 07777;
  if ((mode & kGroupOther) == 0) return change;
  change.action = PrivacyChange::kTightened;
  change.old_mode = mode;
  change.new_mode = mode & 0700;
  if (::chmod(path.c_str(), change.new_mode) != 0) {
    return Status::error("cannot make " + named(what, path) + " private (chmod " +
                         mode_text(change.new_mode) + "): " + errno_text());
  }
  return change;
}

// Creates `path` (its parents with the usual mode) as a 0700 directory.
// False: it appeared in the meantime, made by someone else.
Result<bool> create_dir(const std::string& path, const std::string& what) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::error("cannot create " + named(what, path) + ": " + ec.message());
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) return false;
    return Status::error("cannot create " + named(what, path) + ": " + errno_text());
  }
  // The umask may have taken away owner bits too; a made directory is 0700 exactly.
  if (::chmod(path.c_str(), 0700) != 0) {
    return Status::error("cannot make " + named(what, path) +
                         " private (chmod 0700): " + errno_text());
  }
  return true;
}

}  // namespace

std::string mode_text(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

std::string PrivacyChange::note(const std::string& what, const std::string& path) const {
  if (action != kTightened) return "";
  return named(what, path) + " was readable by group or others (mode " + mode_text(old_mode) +
         "); made it private (" + mode_text(new_mode) + ")";
}

Result<PrivacyChange> make_private_dir(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Status::error("cannot read " + named(what, path) + ": " + errno_text());
    }
    auto made = create_dir(path, what);
    if (!made) return made.status();
    if (made.value()) return PrivacyChange{PrivacyChange::kCreated};
    if (::stat(path.c_str(), &st) != 0) {  // made by someone else just now: check it
      return Status::error("cannot read " + named(what, path) + ": " + errno_text());
    }
  }
  if (!S_ISDIR(st.st_mode)) return Status::error(named(what, path) + " is not a directory");
  if (st.st_uid != ::geteuid()) return not_ours(what, path, st);
  if ((st.st_mode & kGroupOtherWrite) != 0) {
    return Status::error(named(what, path) + " is writable by group or others (mode " +
                         mode_text(st.st_mode) +
                         "): anyone could have put files there, so weir will not use it; give "
                         "weir a directory of its own (mode 0700)");
  }
  return tighten(what, path, st);
}

Result<PrivacyChange> make_private_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return PrivacyChange{};
    return Status::error("cannot read " + named(what, path) + ": " + errno_text());
  }
  if (!S_ISREG(st.st_mode)) return Status::error(named(what, path) + " is not a regular file");
  if (st.st_uid != ::geteuid()) return not_ours(what, path, st);
  return tighten(what, path, st);
}

Status create_private_file(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::ok();
    return Status::error("cannot create " + named(what, path) + ": " + errno_text());
  }
  // 0600 whatever the umask took away (SQLite needs to write it).
  const bool ok = ::fchmod(fd, 0600) == 0;
  const std::string why = ok ? "" : errno_text();
  ::close(fd);
  if (!ok)
    return Status::error("cannot make " + named(what, path) + " private (chmod 0600): " + why);
  return Status::ok();
}

Status check_private_dir(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::error("cannot read " + named(what, path) + ": " + errno_text());
  }
  if (!S_ISDIR(st.st_mode)) return Status::error(named(what, path) + " is not a directory");
  if (st.st_uid != ::geteuid()) return not_ours(what, path, st);
  if ((st.st_mode & kGroupOther) != 0) {
    return Status::error(named(what, path) + " is not private (mode " + mode_text(st.st_mode) +
                         "; group and others must have no access)");
  }
  return Status::ok();
}

}  // namespace weir
