// SecretSource: a secret given by reference, never inline: an environment
// variable or a file. Today these are a webhook trigger's `secret_env` and
// `secret_file`; the `env:NAME` / `file:PATH` references of applications
// are meant to become one of these too (one place that reads secrets).
//
// A secret is read when it is asked for, so a secret file created or
// rotated after the host started is used from the next request on; a
// reload (or the directory watcher) needs to do nothing for it. Asking costs
// one stat(): the file's bytes are read again only when its device, inode,
// size or timestamps change, or while its last change is less than
// kSettle old (file timestamps are coarse, a few milliseconds: a file
// rewritten with the same size right after it was read could keep the
// timestamp the cache saw, so a recent change is never trusted).
//
// Errors name the variable or the file: they are for the log, never for an
// HTTP client. The environment is read as it is (weir never changes its own).
//
// Threads: get() from any thread (the file cache is guarded by mu_).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.hpp"

namespace weir {

class SecretSource {
 public:
  // A secret file larger than this is refused (a wrong path, not a secret).
  static constexpr std::size_t kMaxFileBytes = 64 * 1024;
  static constexpr std::chrono::seconds kSettle{2};

  static std::shared_ptr<SecretSource> from_env(std::string name);
  static std::shared_ptr<SecretSource> from_file(std::string path);

  // The secret (a file's trailing newlines and spaces dropped), or why there
  // is none: "environment variable X is not set", "secret file Y is empty",
  // "secret file Y cannot be read: No such file or directory". Never empty
  // when ok.
  Result<std::string> get() const;
  // "environment variable X" or "secret file Y".
  std::string where() const;

 private:
  enum class Kind { kEnv, kFile };
  // What stat() says of a file; a different stamp means different bytes.
  struct Stamp {
    std::uint64_t dev = 0, ino = 0;
    std::int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  SecretSource(Kind kind, std::string name) : kind_(kind), name_(std::move(name)) {}
  Result<std::string> get_env() const;
  Result<std::string> get_file() const;
  Result<std::string> read_file() const;

  Kind kind_;
  std::string name_;  // the variable's name or the file's path
  mutable std::mutex mu_;
  mutable bool cached_ = false;                                   // guarded by mu_
  mutable Stamp stamp_;                                           // guarded by mu_
  mutable Result<std::string> value_{Status::error("not read")};  // guarded by mu_
};

}  // namespace weir
