// SecretSource: a secret given by reference, never inline: an environment
// variable or a file. Files write a reference as `env:NAME` or `file:PATH`
// (parse_secret_ref; applications and webhook triggers alike), or, for
// webhook triggers as before, `secret_env: NAME` / `secret_file: PATH`.
//
// A secret file must be private to its owner, as ssh asks of a private
// key: one open to group or others (any of mode 077) is refused, saying so
// and how to fix it, each time it is read.
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
#include <string_view>

#include "common/status.hpp"

namespace weir {

struct SecretRef {
  enum class Kind { env, file };
  Kind kind = Kind::env;
  std::string name;  // the variable, or the file's path (made absolute from base_dir)
};

// "env:NAME" (NAME: letters, digits and _, not starting with a digit) or
// "file:PATH"; a relative PATH is taken from `base_dir` (the directory of the
// file that names it; "" keeps it as written). An error never repeats
// `text`: a value that is not a reference may be the secret itself.
Result<SecretRef> parse_secret_ref(std::string_view text, const std::string& base_dir);

class SecretSource {
 public:
  // A secret file larger than this is refused (a wrong path, not a secret).
  static constexpr std::size_t kMaxFileBytes = 64 * 1024;
  static constexpr std::chrono::seconds kSettle{2};

  static std::shared_ptr<SecretSource> from_env(std::string name);
  static std::shared_ptr<SecretSource> from_file(std::string path);
  static std::shared_ptr<SecretSource> from(const SecretRef& ref);

  // The secret (a file's trailing newlines and spaces dropped), or why there
  // is none: "environment variable X is not set", "secret file Y is empty",
  // "secret file Y cannot be read: No such file or directory", "secret file
  // Y is open to group or others (mode 0644) ...". Never empty when ok.
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
