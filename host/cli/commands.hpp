// The `weir` subcommands. Each returns the process exit code:
// 0 success, 1 error (message on stderr, one line), 2 a process it waited
// for completed with failures. Operator commands find the host through the
// control socket named by the config's data_dir.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace weir::cli {

struct Common {
  std::string config = "weir.yaml";
  bool json = false;
};

int serve(const std::string& config, const std::string& log_format, const std::string& log_level);
int status(const Common& c);
int reload(const Common& c);
int topology_discard(const Common& c, const std::string& name, const std::string& reason);
int plugins_ls(const Common& c);
int topology_ls(const Common& c);
int apps_ls(const Common& c);
int apps_check(const Common& c, const std::string& app);
int limiter_ls(const Common& c);
// Offline: loads the plugins (from --plugins-dir, or the config's plugins_dir)
// and checks one topology file.
int topology_validate(const std::string& file, const Common& c, const std::string& plugins_dir);

struct RunOptions {
  std::string topology;
  std::string payload;        // JSON text, or @file.json; empty: {}
  std::string payloads_file;  // JSON lines: one process per line
  std::string correlation_id;
  std::string start;          // only this node; empty: every entry node
  bool wait = false;
  double timeout_s = 0;  // with --wait; 0 waits as long as it takes
};
int run(const Common& c, const RunOptions& r);

// Which trash entries a command means: ids, or a filter (or --all).
struct TrashOptions {
  std::vector<std::int64_t> ids;
  std::string topology;
  std::string node;
  std::string since;  // a duration: entries that last failed within it
  std::string grep;
  bool all = false;
  std::size_t limit = 100;  // ls only
  std::string reason;       // discard only
};
int trash_ls(const Common& c, const TrashOptions& t);
int trash_show(const Common& c, std::int64_t id);
int trash_replay(const Common& c, const TrashOptions& t);
int trash_discard(const Common& c, const TrashOptions& t);
int trash_export(const Common& c, const TrashOptions& t);
int audit_ls(const Common& c, std::size_t limit);

// state: running, completed or failed (completed with failures); empty: any.
int process_ls(const Common& c, const std::string& topology, const std::string& state,
               std::size_t limit);
int process_show(const Common& c, std::uint64_t id);

// data_commands.cpp: forgets core.comparator's fingerprints of a topology
// (all its comparator nodes, or `node`; every key, or `key`).
int comparator_reset(const Common& c, const std::string& topology, const std::string& node,
                     const std::string& key);

// data_commands.cpp: a delta topology's next run is a full sync.
int sync_reset(const Common& c, const std::string& topology);

// data_commands.cpp: the ID map (`weir ids ls`, `show`, `forget`).
struct IdsOptions {
  std::string system;
  std::string entity;
  std::string local;   // show: by our id
  std::string remote;  // show: or by theirs
  std::size_t limit = 100;
};
int ids_ls(const Common& c, const IdsOptions& o);
int ids_show(const Common& c, const IdsOptions& o);
int ids_forget(const Common& c, const IdsOptions& o);

// Shared by the command files: a request to the host (with who is asking)
// and a one-line error on stderr (returns 1).
Result<nlohmann::json> ask(const Common& c, nlohmann::json request,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
int fail(const std::string& message);

}  // namespace weir::cli
