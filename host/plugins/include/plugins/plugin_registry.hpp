// PluginRegistry: loads weir plugins (.so) with Boost.DLL and keeps the
// node types they declare, by full name.
//
// Loading a file: it is copied to <cache_dir>/<stem>-<sha256 prefix>.so and
// loaded from that copy, so a rebuilt file at the same path is really new
// code (the dynamic loader would otherwise hand back the old mapping). The
// ABI is checked before anything else is called: the entry symbol exists,
// the descriptor's struct_size is sane, the ABI major equals the host's, the
// minor is not newer than the host's; then names and node types are checked
// (well-formed, not already registered by another plugin).
//
// Lifetime: a LoadedPlugin (and so the library) stays loaded while any
// NodeTypeRef to one of its types lives, even after the registry drops it.
//
// Threads: all methods are safe to call from any thread (guarded by mu_).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "common/status.hpp"
#include "plugins/node_catalog.hpp"

namespace weir::plugins {

// One loaded build of a plugin file.
struct LoadedPlugin {
  std::string name;
  std::string version;
  std::string description;
  std::string source_path;   // the file in the plugins directory
  std::string loaded_path;   // the content-addressed copy actually loaded
  std::string sha256;        // hex digest of the file's bytes
  std::int64_t loaded_ms = 0;
  std::uint32_t abi_major = 0;
  std::uint32_t abi_minor = 0;
  boost::dll::shared_library library;  // unloads when the last reference goes
  const weir_plugin* descriptor = nullptr;  // owned by `library`
};

// A file that was refused, and why (the reason names the file).
struct LoadRefusal {
  std::string path;
  std::string reason;
};

class PluginRegistry : public NodeTypeCatalog {
 public:
  // `cache_dir` holds the content-addressed copies; created if missing.
  explicit PluginRegistry(std::string cache_dir);
  ~PluginRegistry() override;

  // Loads every regular file ending in ".so" in `dir` (sorted by name).
  // Files that are refused are returned (and not registered); the others
  // are registered. A missing directory is one refusal.
  std::vector<LoadRefusal> load_directory(const std::string& dir);

  // Loads and registers one file. The error names the file and the reason.
  Result<std::shared_ptr<const LoadedPlugin>> load_file(const std::string& path);

  // Forgets what `path` registered (its file was removed). Objects made from
  // its types keep the library loaded until they are gone. False: nothing
  // was registered from `path`.
  bool unload_file(const std::string& path);

  // NodeTypeCatalog
  NodeTypeRef find(std::string_view full_name) const override;
  std::vector<std::string> type_names() const override;

  // Loaded plugins, sorted by name.
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins() const;
  // Every loaded plugin's application types (ABI 1.4), by plugin then name.
  std::vector<AppTypeInfo> app_types() const;
  // Node types of one plugin, sorted by full name.
  std::vector<NodeTypeRef> node_types(const std::string& plugin) const;

 private:
  std::string cache_dir_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> plugins_;  // guarded by mu_
  std::map<std::string, NodeTypeRef, std::less<>> types_;               // guarded by mu_
};

}  // namespace weir::plugins
