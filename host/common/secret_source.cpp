#include "common/secret_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace weir {
namespace {

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::shared_ptr<SecretSource> SecretSource::from_env(std::string name) {
  return std::shared_ptr<SecretSource>(new SecretSource(Kind::kEnv, std::move(name)));
}

std::shared_ptr<SecretSource> SecretSource::from_file(std::string path) {
  return std::shared_ptr<SecretSource>(new SecretSource(Kind::kFile, std::move(path)));
}

std::string SecretSource::where() const {
  return (kind_ == Kind::kEnv ? "environment variable " : "secret file ") + name_;
}

Result<std::string> SecretSource::get() const {
  return kind_ == Kind::kEnv ? get_env() : get_file();
}

Result<std::string> SecretSource::get_env() const {
  const char* v = std::getenv(name_.c_str());
  if (!v) return Status::error(where() + " is not set");
  if (!*v) return Status::error(where() + " is empty");
  return std::string(v);
}

Result<std::string> SecretSource::get_file() const {
  struct stat st {};
  if (::stat(name_.c_str(), &st) != 0) {
    return Status::error(where() + " cannot be read: " + std::strerror(errno));
  }
  const Stamp stamp{st.st_dev, st.st_ino, st.st_size, ns_of(st.st_mtim), ns_of(st.st_ctim)};
  {
    std::lock_guard lock(mu_);
    if (cached_ && stamp_ == stamp) return value_;
  }
  auto value = read_file();
  // Trusted only once the change is older than the timestamps' granularity.
  const auto changed = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(std::max(stamp.mtime_ns, stamp.ctime_ns))));
  const bool settled = std::chrono::system_clock::now() - changed > kSettle;
  std::lock_guard lock(mu_);
  cached_ = settled;
  stamp_ = stamp;
  value_ = value;
  return value;
}

Result<std::string> SecretSource::read_file() const {
  std::ifstream in(name_, std::ios::binary);
  if (!in) return Status::error(where() + " cannot be read: " + std::strerror(errno));
  std::string bytes;
  bytes.resize(kMaxFileBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) return Status::error(where() + " cannot be read: " + std::strerror(errno));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > kMaxFileBytes) {
    return Status::error(where() + " is over " + std::to_string(kMaxFileBytes / 1024) +
                         " KB; a secret is shorter (is it the right file?)");
  }
  std::string secret = trimmed(std::move(bytes));
  if (secret.empty()) return Status::error(where() + " is empty");
  return secret;
}

}  // namespace weir
