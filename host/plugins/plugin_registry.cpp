// Loading one plugin file happens in three stages, so that a refused file
// registers nothing (all or nothing per file):
//   1. copy: the file's bytes are read once, hashed, and written to
//      <cache_dir>/<stem>-<16 hex of sha256>.so unless a copy with that
//      content is there already (plugin_cache.hpp: a private directory, each
//      copy verified after it is written, then renamed into place). Hashing
//      the bytes we copy, not the file twice, means a file rewritten during
//      the load can never give a copy whose name lies about its content.
//   2. open + check: dlopen the copy, call weir_plugin_entry, check the ABI
//      version (before any other descriptor field is read), then names and
//      node types. Any refusal drops the LoadedPlugin, which unloads it.
//   3. register: under mu_, check for conflicts with plugins of other files,
//      then replace what the same file registered before (hot reload).
//
// Ownership: every NodeTypeInfo holds a plain shared_ptr to its LoadedPlugin
// (NodeTypeInfo::library), and LoadedPlugin owns the boost::dll library. So
// a NodeTypeRef keeps the code mapped on its own, after a reload replaced the
// plugin or after the registry is gone.
//
// Loads are serialised process-wide (load_mutex) because abi.h promises a
// plugin that weir_plugin_entry runs on one thread at a time; lookups only
// take mu_ and are never blocked by a slow dlopen.
#include "plugins/plugin_registry.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "common/clock.hpp"
#include "common/content_hash.hpp"
#include "common/private_files.hpp"
#include "plugin_cache.hpp"

namespace weir::plugins {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

std::mutex& load_mutex() {
  static std::mutex mu;
  return mu;
}

std::string abi_text(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

const std::string& host_abi() {
  static const std::string text = abi_text(WEIR_ABI_MAJOR, WEIR_ABI_MINOR);
  return text;
}

std::string too_small(const char* what, size_t have, size_t need) {
  return std::string(what) + " is too small (struct_size " + std::to_string(have) + ", weir ABI " +
         host_abi() + " needs at least " + std::to_string(need) + ")";
}

// Names end up in full names ("core.pass"), file names and metric labels.
bool is_well_formed_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string or_empty(const char* text) { return text ? text : ""; }

// ---- stage 1: the content-addressed copy -----------------------------------

Result<Bytes> read_source(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return Status::error("no such file");
  if (ec) return Status::error("cannot read: " + ec.message());
  if (st.type() != fs::file_type::regular) return Status::error("not a regular file");
  std::ifstream in(path, std::ios::binary);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return Status::error(std::string("cannot read: ") + std::strerror(errno));
  return bytes;
}

// ---- stage 2: open and check -------------------------------------------------

Status open_library(LoadedPlugin& plugin) {
  boost::dll::fs::error_code ec;
  try {
    plugin.library.load(boost::dll::fs::path(plugin.loaded_path),
                        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  } catch (const std::exception& e) {
    return Status::error(std::string("not a loadable shared library: ") + e.what());
  }
  if (!ec) return Status::ok();
  // Boost only says "bad file descriptor"; dlerror() says what is wrong.
  const char* why = ::dlerror();
  return Status::error(std::string("not a loadable shared library: ") + (why ? why : ec.message()));
}

Status call_entry(LoadedPlugin& plugin) {
  if (!plugin.library.has(WEIR_PLUGIN_ENTRY_SYMBOL)) {
    return Status::error("not a weir plugin: no " WEIR_PLUGIN_ENTRY_SYMBOL " symbol");
  }
  auto& entry = plugin.library.get<const weir_plugin*()>(WEIR_PLUGIN_ENTRY_SYMBOL);
  plugin.descriptor = entry();
  if (!plugin.descriptor) return Status::error(WEIR_PLUGIN_ENTRY_SYMBOL " returned NULL");
  return Status::ok();
}

// Reads only struct_size, abi_major and abi_minor: a plugin of another major
// may lay out everything after them differently.
Status check_abi(const weir_plugin* d) {
  if (!WEIR_HAS_FIELD(d, weir_plugin, abi_minor)) {
    return Status::error(too_small("plugin descriptor", d->struct_size,
                                   offsetof(weir_plugin, abi_minor) + sizeof(d->abi_minor)));
  }
  std::string built = abi_text(d->abi_major, d->abi_minor);
  if (d->abi_major != WEIR_ABI_MAJOR) {
    return Status::error("built for weir ABI " + built + ", this host speaks " + host_abi());
  }
  if (d->abi_minor > WEIR_ABI_MINOR) {
    return Status::error("built for weir ABI " + built + ", newer than this host's " + host_abi() +
                         "; upgrade weir");
  }
  return Status::ok();
}

Status check_descriptor(const weir_plugin* d) {
  if (!WEIR_HAS_FIELD(d, weir_plugin, node_type_count)) {
    return Status::error(too_small("plugin descriptor", d->struct_size,
                                   offsetof(weir_plugin, node_type_count) + sizeof(size_t)));
  }
  if (!d->name) return Status::error("plugin name is missing (NULL)");
  if (!is_well_formed_name(d->name)) {
    return Status::error("plugin name \"" + std::string(d->name) +
                         "\" is ill-formed (must match [a-z0-9_-]+)");
  }
  if (d->node_type_count > 0 && !d->node_types) {
    return Status::error("plugin '" + std::string(d->name) + "' has node_type_count " +
                         std::to_string(d->node_type_count) + " but node_types is NULL");
  }
  return Status::ok();
}

Status check_node_functions(const std::string& full_name, const weir_node_type* t) {
  const char* missing = !t->create    ? "create"
                        : !t->destroy ? "destroy"
                        : !t->process ? "process"
                                      : nullptr;
  if (missing) {
    return Status::error("node type " + full_name + " has no " + missing + " function (NULL)");
  }
  if (t->config_schema && !nlohmann::json::accept(t->config_schema)) {
    return Status::error("node type " + full_name + " has a config_schema that is not valid JSON");
  }
  return Status::ok();
}

Status check_node_type(const std::string& plugin, size_t index, const weir_node_type* t) {
  std::string which = "node type #" + std::to_string(index) + " of plugin '" + plugin + "'";
  if (!t) return Status::error(which + " is NULL");
  size_t need = offsetof(weir_node_type, process) + sizeof(t->process);
  if (!WEIR_HAS_FIELD(t, weir_node_type, process)) {
    return Status::error(too_small(which.c_str(), t->struct_size, need));
  }
  if (!t->name) return Status::error(which + ": name is missing (NULL)");
  if (!is_well_formed_name(t->name)) {
    return Status::error(which + ": name \"" + std::string(t->name) +
                         "\" is ill-formed (must match [a-z0-9_-]+)");
  }
  return check_node_functions(plugin + "." + t->name, t);
}

NodeTypeRef describe_node_type(const std::shared_ptr<const LoadedPlugin>& plugin,
                               const weir_node_type* t) {
  auto info = std::make_shared<NodeTypeInfo>();
  info->plugin = plugin->name;
  info->name = t->name;
  info->full_name = info->plugin + "." + info->name;
  info->kind = t->kind;
  info->description = or_empty(t->description);
  info->config_schema = or_empty(t->config_schema);
  info->max_batch = std::max<std::uint32_t>(t->max_batch, 1);  // abi.h: 0 means 1
  if (WEIR_HAS_FIELD(t, weir_node_type, app_type)) info->app_type = or_empty(t->app_type);
  info->type = t;
  info->library = plugin;
  return info;
}

// The node types of a checked descriptor, or why the plugin is refused.
Result<std::vector<NodeTypeRef>> describe_node_types(
    const std::shared_ptr<const LoadedPlugin>& plugin) {
  const weir_plugin* d = plugin->descriptor;
  std::vector<NodeTypeRef> types;
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < d->node_type_count; ++i) {
    const weir_node_type* t = d->node_types[i];
    Status ok = check_node_type(plugin->name, i, t);
    if (!ok) return ok;
    if (!seen.insert(t->name).second) {
      return Status::error("node type " + plugin->name + "." + t->name +
                           " is declared twice in this plugin");
    }
    types.push_back(describe_node_type(plugin, t));
  }
  return types;
}

// The application types a descriptor declares (ABI 1.4), or why the plugin
// is refused: each one whole, well named, once, with a schema that is JSON.
Result<std::vector<AppTypeInfo>> describe_app_types(const weir_plugin* d,
                                                    const std::string& plugin) {
  std::vector<AppTypeInfo> out;
  if (!WEIR_HAS_FIELD(d, weir_plugin, app_type_count) || d->app_type_count == 0) return out;
  if (!d->app_types) {
    return Status::error("plugin '" + plugin + "' has app_type_count " +
                         std::to_string(d->app_type_count) + " but app_types is NULL");
  }
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < d->app_type_count; ++i) {
    const weir_app_type* a = d->app_types[i];
    const std::string which = "application type #" + std::to_string(i) + " of plugin '" + plugin + "'";
    if (!a) return Status::error(which + " is NULL");
    if (!WEIR_HAS_FIELD(a, weir_app_type, check_target)) {
      return Status::error(too_small(which.c_str(), a->struct_size,
                                     offsetof(weir_app_type, check_target) + sizeof(a->check_target)));
    }
    if (!a->name || !is_well_formed_name(a->name)) {
      return Status::error(which + ": name is missing or ill-formed (must match [a-z0-9_-]+)");
    }
    AppTypeInfo info{plugin + "." + a->name, plugin, or_empty(a->description),
                     or_empty(a->settings_schema), or_empty(a->check_target)};
    if (!seen.insert(a->name).second) {
      return Status::error("application type " + info.full_name + " is declared twice in this plugin");
    }
    if (!info.settings_schema.empty() && !nlohmann::json::accept(info.settings_schema)) {
      return Status::error("application type " + info.full_name +
                           " has a settings_schema that is not valid JSON");
    }
    out.push_back(std::move(info));
  }
  return out;
}

// A plugin that passed every check, with its node types, not yet registered.
struct Candidate {
  std::shared_ptr<const LoadedPlugin> plugin;
  std::vector<NodeTypeRef> types;
};

Result<Candidate> open_and_check(std::shared_ptr<LoadedPlugin> plugin) {
  for (auto stage : {&open_library, &call_entry}) {
    Status ok = stage(*plugin);
    if (!ok) return ok;
  }
  const weir_plugin* d = plugin->descriptor;
  for (auto check : {&check_abi, &check_descriptor}) {
    Status ok = check(d);
    if (!ok) return ok;
  }
  plugin->abi_major = d->abi_major;
  plugin->abi_minor = d->abi_minor;
  plugin->name = d->name;
  plugin->version = or_empty(d->version);
  plugin->description = or_empty(d->description);
  std::shared_ptr<const LoadedPlugin> loaded = std::move(plugin);
  auto types = describe_node_types(loaded);
  if (!types) return types.status();
  if (auto app_types = describe_app_types(d, loaded->name); !app_types) {
    return app_types.status();
  }
  return Candidate{std::move(loaded), std::move(types.value())};
}

Result<Candidate> load_candidate(const std::string& cache_dir, const std::string& path,
                                 const Bytes& bytes, const std::string& sha) {
  auto copy = PluginCache(cache_dir).copy(path, bytes, sha);
  if (!copy) return copy.status();
  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->source_path = path;
  plugin->loaded_path = copy.value();
  plugin->sha256 = sha;
  plugin->loaded_ms = now_ms();
  return open_and_check(std::move(plugin));
}

// ---- stage 3: register ---------------------------------------------------------

using PluginMap = std::map<std::string, std::shared_ptr<const LoadedPlugin>>;
using TypeMap = std::map<std::string, NodeTypeRef, std::less<>>;

// The plugin registered from `path` with the same bytes, if any: loading an
// unchanged file again is a no-op, so a directory can be rescanned freely.
std::shared_ptr<const LoadedPlugin> find_same_build(const PluginMap& plugins,
                                                    const std::string& path,
                                                    const std::string& sha) {
  for (const auto& [name, p] : plugins) {
    if (p->source_path == path && p->sha256 == sha) return p;
  }
  return nullptr;
}

// Only other files conflict; what the same file registered is replaced.
Status check_conflicts(const PluginMap& plugins, const TypeMap& types, const Candidate& c) {
  const std::string& path = c.plugin->source_path;
  auto same_name = plugins.find(c.plugin->name);
  if (same_name != plugins.end() && same_name->second->source_path != path) {
    return Status::error("plugin '" + c.plugin->name + "' is already loaded from " +
                         same_name->second->source_path);
  }
  // Unreachable while plugin names are unique and contain no '.', but the
  // catalog must never hold two owners for one full name.
  for (const auto& t : c.types) {
    auto other = types.find(t->full_name);
    if (other != types.end() && other->second->library->source_path != path) {
      return Status::error("node type " + t->full_name + " is already registered by " +
                           other->second->library->source_path);
    }
  }
  return Status::ok();
}

// What a registration took out of the maps. Released by the caller after
// mu_ is unlocked, so a library's unload (its static destructors) never runs
// under the lock.
struct Displaced {
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins;
  std::vector<NodeTypeRef> types;
};

void replace_file_plugin(PluginMap& plugins, TypeMap& types, const Candidate& c, Displaced& out) {
  const std::string& path = c.plugin->source_path;
  std::erase_if(types, [&](const auto& kv) {
    if (kv.second->library->source_path != path) return false;
    out.types.push_back(kv.second);
    return true;
  });
  std::erase_if(plugins, [&](const auto& kv) {
    if (kv.second->source_path != path) return false;
    out.plugins.push_back(kv.second);
    return true;
  });
  plugins.emplace(c.plugin->name, c.plugin);
  for (const auto& t : c.types) types.emplace(t->full_name, t);
}

// The regular *.so files directly in `dir`, sorted by name.
Result<std::vector<std::string>> list_plugin_files(const std::string& dir) {
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) {
    return Status::error("plugins directory does not exist");
  }
  if (ec) return Status::error("plugins directory cannot be read: " + ec.message());
  if (st.type() != fs::file_type::directory) {
    return Status::error("plugins directory is not a directory");
  }
  std::vector<std::string> files;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;  // a dangling symlink is skipped, not an error
    if (it->path().extension() == ".so" && it->is_regular_file(entry_ec)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) return Status::error("plugins directory cannot be read: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

PluginRegistry::PluginRegistry(std::string cache_dir) : cache_dir_(std::move(cache_dir)) {
  // A failure here shows up, with its reason, on the first load_file.
  [[maybe_unused]] auto ignored = make_private_dir(cache_dir_, "plugin cache directory");
}

PluginRegistry::~PluginRegistry() = default;

std::vector<LoadRefusal> PluginRegistry::load_directory(const std::string& dir) {
  auto files = list_plugin_files(dir);
  if (!files) return {LoadRefusal{dir, files.status().prefixed(dir).message()}};
  std::vector<LoadRefusal> refusals;
  for (const auto& file : files.value()) {
    auto loaded = load_file(file);
    if (!loaded) refusals.push_back(LoadRefusal{file, loaded.error()});
  }
  return refusals;
}

Result<std::shared_ptr<const LoadedPlugin>> PluginRegistry::load_file(const std::string& path) {
  std::lock_guard load_lock(load_mutex());
  auto bytes = read_source(path);
  if (!bytes) return bytes.status().prefixed(path);
  std::string sha = sha256_hex(bytes.value());
  {
    std::lock_guard lock(mu_);
    if (auto same = find_same_build(plugins_, path, sha)) return same;
  }
  auto candidate = load_candidate(cache_dir_, path, bytes.value(), sha);
  if (!candidate) return candidate.status().prefixed(path);
  Displaced displaced;  // declared before the lock: released after it
  std::lock_guard lock(mu_);
  Status ok = check_conflicts(plugins_, types_, candidate.value());
  if (!ok) return ok.prefixed(path);
  replace_file_plugin(plugins_, types_, candidate.value(), displaced);
  return candidate->plugin;
}

bool PluginRegistry::unload_file(const std::string& path) {
  Displaced displaced;  // declared before the lock: released after it
  std::lock_guard lock(mu_);
  std::erase_if(types_, [&](const auto& kv) {
    if (kv.second->library->source_path != path) return false;
    displaced.types.push_back(kv.second);
    return true;
  });
  std::erase_if(plugins_, [&](const auto& kv) {
    if (kv.second->source_path != path) return false;
    displaced.plugins.push_back(kv.second);
    return true;
  });
  return !displaced.plugins.empty();
}

NodeTypeRef PluginRegistry::find(std::string_view full_name) const {
  std::lock_guard lock(mu_);
  auto it = types_.find(full_name);
  return it == types_.end() ? nullptr : it->second;
}

std::vector<std::string> PluginRegistry::type_names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, type] : types_) names.push_back(name);
  return names;
}

std::vector<std::shared_ptr<const LoadedPlugin>> PluginRegistry::plugins() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const LoadedPlugin>> out;
  for (const auto& [name, plugin] : plugins_) out.push_back(plugin);
  return out;
}

std::vector<AppTypeInfo> PluginRegistry::app_types() const {
  std::lock_guard lock(mu_);
  std::vector<AppTypeInfo> out;
  for (const auto& [name, p] : plugins_) {
    auto types = describe_app_types(p->descriptor, name);  // checked when it was loaded
    if (types) out.insert(out.end(), types->begin(), types->end());
  }
  return out;
}

std::vector<NodeTypeRef> PluginRegistry::node_types(const std::string& plugin) const {
  std::lock_guard lock(mu_);
  std::vector<NodeTypeRef> out;
  for (const auto& [name, type] : types_) {
    if (type->plugin == plugin) out.push_back(type);
  }
  return out;
}

}  // namespace weir::plugins
