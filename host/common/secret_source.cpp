#include "common/secret_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace weir {
namespace {

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<SecretRef> parse_secret_ref(std::string_view text, const std::string& base_dir) {
  SecretRef ref;
  if (text.rfind("env:", 0) == 0) {
    ref.name = std::string(text.substr(4));
    if (!is_env_name(ref.name)) {
      return Status::error(
          "env: must be followed by a variable name (letters, digits and _), "
          "e.g. env:WC_SECRET");
    }
    return ref;
  }
  if (text.rfind("file:", 0) == 0) {
    ref.kind = SecretRef::Kind::file;
    ref.name = std::string(text.substr(5));
    if (ref.name.empty())
      return Status::error("file: must be followed by a path, e.g. file:/run/secrets/wc");
    if (ref.name[0] != '/' && !base_dir.empty()) ref.name = base_dir + "/" + ref.name;
    return ref;
  }
  return Status::error(
      "a secret is given by reference: env:NAME or file:PATH, never the secret "
      "itself (the value is not shown here, in case it is one)");
}

std::shared_ptr<SecretSource> SecretSource::from(const SecretRef& ref) {
  return ref.kind == SecretRef::Kind::env ? from_env(ref.name) : from_file(ref.name);
}

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
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::error(where() + " is open to group or others (mode " + mode +
                         "); weir reads only private secret files: chmod 600 " + name_);
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
