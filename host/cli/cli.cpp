// The command-line grammar. Kept apart from the commands because CLI11 is
// slow to compile.
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace weir::cli {
namespace {

void add_common(CLI::App* app, Common& c, bool json) {
  app->add_option("-c,--config", c.config, "weir.yaml of the host")->capture_default_str();
  if (json) app->add_flag("--json", c.json, "print JSON instead of a table");
}

void add_trash_filter(CLI::App* app, TrashOptions& t) {
  app->add_option("--topology", t.topology, "only entries of this topology");
  app->add_option("--node", t.node, "only entries that failed at this node");
  app->add_option("--since", t.since, "only entries that last failed within this (30m, 2h, 1d)");
  app->add_option("--grep", t.grep, "only entries whose error, history or payload contains this");
}

// weir trash ls|show|replay|discard|export
void add_trash(CLI::App& app, Common& common, TrashOptions& t, std::int64_t& id, int& code) {
  auto* trash = app.add_subcommand("trash", "messages that failed for good: inspect, replay, discard");
  trash->require_subcommand(1);
  auto* ls = trash->add_subcommand("ls", "list trash entries, oldest first");
  add_common(ls, common, true);
  add_trash_filter(ls, t);
  ls->add_option("--limit", t.limit, "at most this many")->capture_default_str();
  ls->callback([&] { code = trash_ls(common, t); });
  auto* show = trash->add_subcommand("show", "one entry: payload as JSON and every attempt's error");
  add_common(show, common, true);
  show->add_option("ID", id, "trash entry id")->required();
  show->callback([&] { code = trash_show(common, id); });
  auto* replay = trash->add_subcommand("replay", "put entries back at the node that failed");
  auto* discard = trash->add_subcommand("discard", "remove entries for good");
  for (auto* cmd : {replay, discard}) {
    add_common(cmd, common, true);
    cmd->add_option("IDS", t.ids, "trash entry ids");
    add_trash_filter(cmd, t);
    cmd->add_flag("--all", t.all, "every entry (when no ids or filter are given)");
  }
  discard->add_option("--reason", t.reason, "why (kept in the audit)");
  replay->callback([&] { code = trash_replay(common, t); });
  discard->callback([&] { code = trash_discard(common, t); });
  auto* exp = trash->add_subcommand("export", "every matching entry as JSON lines, on stdout");
  add_common(exp, common, false);
  add_trash_filter(exp, t);
  exp->callback([&] { code = trash_export(common, t); });
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

  auto* reload_cmd = app.add_subcommand(
      "reload", "rescan plugins and topologies now (the host also does it when files change)");
  add_common(reload_cmd, common, true);
  reload_cmd->callback([&] { code = reload(common); });

  auto* plugins_cmd = app.add_subcommand("plugins", "loaded plugins");
  plugins_cmd->require_subcommand(1);
  auto* plugins_ls_cmd = plugins_cmd->add_subcommand("ls", "list loaded plugins and node types");
  add_common(plugins_ls_cmd, common, true);
  plugins_ls_cmd->callback([&] { code = plugins_ls(common); });

  auto* apps_cmd = app.add_subcommand("apps", "applications: the outside systems nodes talk to");
  apps_cmd->require_subcommand(1);
  auto* apps_ls_cmd =
      apps_cmd->add_subcommand("ls", "list applications (secrets by reference only) and problems");
  add_common(apps_ls_cmd, common, true);
  apps_ls_cmd->callback([&] { code = apps_ls(common); });
  std::string check_app;
  auto* apps_check_cmd = apps_cmd->add_subcommand(
      "check", "make the application's check request and show status, latency, the remote's error");
  add_common(apps_check_cmd, common, true);
  apps_check_cmd->add_option("APP", check_app, "application name")->required();
  apps_check_cmd->callback([&] { code = apps_check(common, check_app); });

  auto* limiter_cmd = app.add_subcommand(
      "limiter", "each application's budget: configured and current rate, tokens, waiting, "
                 "throttled, paused");
  add_common(limiter_cmd, common, true);
  limiter_cmd->callback([&] { code = limiter_ls(common); });

  auto* topo_cmd = app.add_subcommand("topology", "topologies");
  topo_cmd->require_subcommand(1);
  auto* topo_ls = topo_cmd->add_subcommand("ls", "list topologies and their problems");
  add_common(topo_ls, common, true);
  topo_ls->callback([&] { code = topology_ls(common); });
  std::string discard_name, discard_reason;
  auto* topo_discard = topo_cmd->add_subcommand(
      "discard", "move the messages waiting for a topology that no longer runs to the trash");
  add_common(topo_discard, common, true);
  topo_discard->add_option("TOPOLOGY", discard_name, "topology name")->required();
  topo_discard->add_option("--reason", discard_reason, "why (kept with each trash entry)");
  topo_discard->callback([&] { code = topology_discard(common, discard_name, discard_reason); });
  std::string file, plugins_dir;
  auto* validate = topo_cmd->add_subcommand("validate", "check a topology file (no host needed)");
  validate->add_option("FILE", file, "the topology YAML file")->required();
  validate->add_option("-c,--config", common.config, "weir.yaml whose plugins_dir to use");
  validate->add_option("--plugins-dir", plugins_dir, "plugins to validate against");
  validate->callback([&] { code = topology_validate(file, common, plugins_dir); });

  std::string cmp_topology, cmp_node, cmp_key;
  auto* cmp = app.add_subcommand("comparator", "what core.comparator remembers of items sent");
  cmp->require_subcommand(1);
  auto* cmp_reset = cmp->add_subcommand(
      "reset", "forget the fingerprints: the next run sends every item (or --key's) on");
  add_common(cmp_reset, common, true);
  cmp_reset->add_option("TOPOLOGY", cmp_topology, "topology name")->required();
  cmp_reset->add_option("--node", cmp_node, "only this comparator node (default: all of them)");
  cmp_reset->add_option("--key", cmp_key, "only the item with this key (a SKU)");
  cmp_reset->callback([&] { code = comparator_reset(common, cmp_topology, cmp_node, cmp_key); });

  std::string sync_topology;
  auto* sync = app.add_subcommand("sync", "delta topologies: where each one's next run starts");
  sync->require_subcommand(1);
  auto* sync_reset_cmd =
      sync->add_subcommand("reset", "forget where it left off: the next run is a full sync");
  add_common(sync_reset_cmd, common, true);
  sync_reset_cmd->add_option("TOPOLOGY", sync_topology, "topology name")->required();
  sync_reset_cmd->callback([&] { code = sync_reset(common, sync_topology); });

  IdsOptions ids;
  auto* ids_cmd = app.add_subcommand("ids", "the ID map: which object of another system ours is");
  ids_cmd->require_subcommand(1);
  auto* ids_list = ids_cmd->add_subcommand("ls", "mappings, by system, entity and local id");
  add_common(ids_list, common, true);
  ids_list->add_option("--system", ids.system, "only this system's (e.g. an application's name)");
  ids_list->add_option("--entity", ids.entity, "only this entity's (e.g. product)");
  ids_list->add_option("--limit", ids.limit, "at most this many")->capture_default_str();
  ids_list->callback([&] { code = ids_ls(common, ids); });
  auto* ids_one = ids_cmd->add_subcommand("show", "one mapping, by our id or by theirs");
  add_common(ids_one, common, true);
  ids_one->add_option("--system", ids.system, "the other system")->required();
  ids_one->add_option("--entity", ids.entity, "the entity")->required();
  auto* by_local = ids_one->add_option("LOCAL_ID", ids.local, "our id (a SKU)");
  auto* by_remote = ids_one->add_option("--remote", ids.remote, "their id");
  by_local->excludes(by_remote);
  ids_one->callback([&] {
    code = ids.local.empty() && ids.remote.empty()
               ? fail("weir ids show: give our id (LOCAL_ID) or theirs (--remote)")
               : ids_show(common, ids);
  });

  auto* ids_rm = ids_cmd->add_subcommand(
      "forget", "delete one mapping (the remote object is gone): the next write finds or creates it");
  add_common(ids_rm, common, true);
  ids_rm->add_option("--system", ids.system, "the other system")->required();
  ids_rm->add_option("--entity", ids.entity, "the entity")->required();
  ids_rm->add_option("LOCAL_ID", ids.local, "our id (a SKU)")->required();
  ids_rm->callback([&] { code = ids_forget(common, ids); });

  TrashOptions trash;
  std::int64_t trash_id = 0;
  add_trash(app, common, trash, trash_id, code);

  std::string proc_topology, proc_state;
  std::size_t proc_limit = 100;
  std::uint64_t proc_id = 0;
  auto* proc = app.add_subcommand("process", "processes: what each trigger firing caused");
  proc->require_subcommand(1);
  auto* proc_ls = proc->add_subcommand("ls", "processes, newest first");
  add_common(proc_ls, common, true);
  proc_ls->add_option("--topology", proc_topology, "only this topology's");
  proc_ls->add_option("--state", proc_state, "running, completed or failed")
      ->check(CLI::IsMember({"running", "completed", "failed"}));
  proc_ls->add_option("--limit", proc_limit, "at most this many")->capture_default_str();
  proc_ls->callback([&] { code = process_ls(common, proc_topology, proc_state, proc_limit); });
  auto* proc_show = proc->add_subcommand("show", "one process: each node visit, as a tree");
  add_common(proc_show, common, true);
  proc_show->add_option("ID", proc_id, "process id")->required();
  proc_show->callback([&] { code = process_show(common, proc_id); });

  std::size_t audit_limit = 100;
  auto* audit = app.add_subcommand("audit", "what operators changed");
  audit->require_subcommand(1);
  auto* audit_list = audit->add_subcommand("ls", "newest first: who, when, what, from where");
  add_common(audit_list, common, true);
  audit_list->add_option("--limit", audit_limit, "at most this many")->capture_default_str();
  audit_list->callback([&] { code = audit_ls(common, audit_limit); });

  RunOptions r;
  auto* run_cmd = app.add_subcommand("run", "start processes of a topology");
  add_common(run_cmd, common, true);
  run_cmd->add_option("TOPOLOGY", r.topology, "topology name")->required();
  auto* one = run_cmd->add_option("--payload", r.payload, "JSON payload, or @file.json");
  auto* many = run_cmd->add_option("--payloads", r.payloads_file, "JSON lines file: one process per line");
  one->excludes(many);
  run_cmd->add_option("--start", r.start, "start at this node only (default: every entry node)");
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
