// The command-line grammar. Kept apart from the commands because CLI11 is
// slow to compile.
#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace weir::cli {
namespace {

void add_common(CLI::App* app, Common& c, bool json) {
  app->add_option("-c,--config", c.config, "weir.yaml of the host")->capture_default_str();
  if (json) app->add_flag("--json", c.json, "print JSON instead of a table");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weir: keeps e-shops and ERPs in step"};
  app.require_subcommand(1);
  Common common;
  int code = 0;

  std::string log_format, log_level;
  auto* serve_cmd = app.add_subcommand("serve", "run the host");
  add_common(serve_cmd, common, false);
  serve_cmd->add_option("--log-format", log_format, "text or json (overrides weir.yaml)")
      ->check(CLI::IsMember({"text", "json"}));
  serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  serve_cmd->callback([&] { code = serve(common.config, log_format, log_level); });

  auto* status_cmd = app.add_subcommand("status", "queues and counters per topology and node");
  add_common(status_cmd, common, true);
  status_cmd->callback([&] { code = status(common); });

  auto* plugins_cmd = app.add_subcommand("plugins", "loaded plugins");
  plugins_cmd->require_subcommand(1);
  auto* plugins_ls_cmd = plugins_cmd->add_subcommand("ls", "list loaded plugins and node types");
  add_common(plugins_ls_cmd, common, true);
  plugins_ls_cmd->callback([&] { code = plugins_ls(common); });

  auto* topo_cmd = app.add_subcommand("topology", "topologies");
  topo_cmd->require_subcommand(1);
  auto* topo_ls = topo_cmd->add_subcommand("ls", "list topologies and their problems");
  add_common(topo_ls, common, true);
  topo_ls->callback([&] { code = topology_ls(common); });
  std::string file, plugins_dir;
  auto* validate = topo_cmd->add_subcommand("validate", "check a topology file (no host needed)");
  validate->add_option("FILE", file, "the topology YAML file")->required();
  validate->add_option("-c,--config", common.config, "weir.yaml whose plugins_dir to use");
  validate->add_option("--plugins-dir", plugins_dir, "plugins to validate against");
  validate->callback([&] { code = topology_validate(file, common, plugins_dir); });

  RunOptions r;
  auto* run_cmd = app.add_subcommand("run", "start processes of a topology");
  add_common(run_cmd, common, true);
  run_cmd->add_option("TOPOLOGY", r.topology, "topology name")->required();
  auto* one = run_cmd->add_option("--payload", r.payload, "JSON payload, or @file.json");
  auto* many = run_cmd->add_option("--payloads", r.payloads_file, "JSON lines file: one process per line");
  one->excludes(many);
  run_cmd->add_option("--correlation-id", r.correlation_id, "correlation id (single process)")
      ->excludes(many);
  run_cmd->add_flag("--wait", r.wait, "wait until the process(es) complete and print the outcome");
  run_cmd->add_option("--timeout", r.timeout_s, "seconds to wait with --wait (0: no limit)");
  run_cmd->callback([&] { code = run(common, r); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return code;
}

}  // namespace weir::cli
