// The `weir` subcommands. Each returns the process exit code:
// 0 success, 1 error (message on stderr, one line), 2 a process it waited
// for completed with failures. Operator commands find the host through the
// control socket named by the config's data_dir.
#pragma once

#include <string>

namespace weir::cli {

struct Common {
  std::string config = "weir.yaml";
  bool json = false;
};

int serve(const std::string& config, const std::string& log_format, const std::string& log_level);
int status(const Common& c);
int plugins_ls(const Common& c);
int topology_ls(const Common& c);
// Offline: loads the plugins (from --plugins-dir, or the config's plugins_dir)
// and checks one topology file.
int topology_validate(const std::string& file, const Common& c, const std::string& plugins_dir);

struct RunOptions {
  std::string topology;
  std::string payload;        // JSON text, or @file.json; empty: {}
  std::string payloads_file;  // JSON lines: one process per line
  std::string correlation_id;
  bool wait = false;
  double timeout_s = 0;  // with --wait; 0 waits as long as it takes
};
int run(const Common& c, const RunOptions& r);

}  // namespace weir::cli
