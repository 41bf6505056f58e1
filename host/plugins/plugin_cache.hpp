// PluginCache: the directory plugin files are loaded from, as copies named
// by their content (<dir>/<stem>-<16 hex of sha256>.so), so a rebuilt file
// at the same path is really new code to the dynamic loader.
//
// What is loaded must be what was hashed, and nobody else may change it:
//   - the directory is private (made 0700; refused if group or others can
//     write it or it is not ours: common/private_files.hpp), checked at every
//     copy, so nobody else can swap a copy between its check and dlopen;
//   - a copy is written to a new temporary file (O_EXCL, 0600), hashed again
//     once written, and renamed into place only if its SHA-256 equals the
//     source's; otherwise it is removed and refused, naming both;
//   - a copy already there is used only if it is a regular file of ours
//     whose hash is right (made 0600 if an older weir left it readable);
//     otherwise it is written again.
// dlopen needs no execute bit: 0600 copies load.
//
// Threads: copy() may run on several threads at once (temporary names are
// unique per process and call); the registry serialises loads anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/status.hpp"

namespace weir::plugins {

class PluginCache {
 public:
  // Called with the temporary file's path after it is written and before it
  // is hashed again. Tests change the file here to see it refused.
  using AfterWrite = std::function<void(const std::string& temporary)>;

  explicit PluginCache(std::string dir, AfterWrite after_write = nullptr)
      : dir_(std::move(dir)), after_write_(std::move(after_write)) {}

  // The path of a verified private copy of `source`, whose content is
  // `bytes` with SHA-256 `sha` (hex). Errors name the copy (and the source).
  Result<std::string> copy(const std::string& source, std::span<const std::uint8_t> bytes,
                           const std::string& sha) const;

  const std::string& dir() const { return dir_; }

 private:
  Result<bool> usable_copy(const std::string& copy, const std::string& sha) const;
  Status write_verified(const std::string& source, const std::string& copy,
                        std::span<const std::uint8_t> bytes, const std::string& sha) const;

  std::string dir_;
  AfterWrite after_write_;
};

}  // namespace weir::plugins
