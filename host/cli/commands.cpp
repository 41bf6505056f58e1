#include "commands.hpp"

#include <cstdio>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <weir/payload.hpp>

#include "table.hpp"
#include "common/duration.hpp"
#include "config/host_config.hpp"
#include "control/control_client.hpp"
#include "log/logging.hpp"
#include "message/json_msgpack.hpp"
#include "plugins/plugin_registry.hpp"
#include "runtime/host.hpp"
#include "topology/topology_loader.hpp"

namespace weir::cli {
namespace {

using Json = nlohmann::json;
constexpr std::size_t kRunChunk = 1000;  // payloads per control request

// Who runs this command, for the host's audit of what it changes.
Json who_am_i() {
  const passwd* pw = ::getpwuid(::geteuid());
  return Json{{"user", pw ? pw->pw_name : "unknown"}, {"uid", ::geteuid()}, {"pid", ::getpid()}};
}

}  // namespace

Result<Json> ask(const Common& c, Json request, std::chrono::milliseconds timeout) {
  auto config = config::load_host_config(c.config);
  if (!config) return config.status();
  request["who"] = who_am_i();
  return control::ControlClient(config->socket_path()).call(request, timeout);
}

int fail(const std::string& message) {
  std::cerr << "weir: " << message << '\n';
  return 1;
}

namespace {

void print_problems(const Json& problems) {
  for (const auto& p : problems) std::cout << "problem: " << str(p) << '\n';
}

}  // namespace

int serve(const std::string& config_path, const std::string& log_format,
          const std::string& log_level) {
  auto config = config::load_host_config(config_path);
  if (!config) return fail(config.error());
  if (!log_format.empty()) config->log_format = log_format;
  if (!log_level.empty()) config->log_level = log_level;
  log::setup(config->log_format, config->log_level);
  return runtime::serve(*config);
}

// The hosts sharing the store (PostgreSQL); nothing for one host on SQLite.
void print_hosts(const Json& hosts) {
  if (!hosts.is_array() || hosts.empty()) return;
  std::vector<Row> rows;
  for (const auto& h : hosts) {
    std::string running;
    for (const auto& t : h["topologies"]) {
      running += (running.empty() ? "" : ", ") + str(t["name"]) + " v" + str(t["version"]);
    }
    const auto silent = h["silent_ms"].get<std::int64_t>();
    char heartbeat[48];
    std::snprintf(heartbeat, sizeof heartbeat, "%s%.1f s ago", h["alive"].get<bool>() ? "" : "SILENT ",
                  static_cast<double>(silent) / 1000.0);
    rows.push_back({str(h["name"]) + (h["self"].get<bool>() ? " (this host)" : ""), str(h["pid"]),
                    heartbeat, str(h["leased"]), running.empty() ? "-" : running});
  }
  std::cout << '\n';
  print_table(std::cout, {"HOST", "PID", "HEARTBEAT", "LEASED", "TOPOLOGIES"}, rows);
}

int status(const Common& c) {
  auto data = ask(c, Json{{"cmd", "status"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& t : (*data)["topologies"]) {
    for (const auto& n : t["nodes"]) {
      rows.push_back({str(t["name"]), str(n["id"]), str(n["type"]), str(n["queued"]),
                      str(n["in_flight"]), str(n["waiting"]), str(n["retried"]), str(n["done"]),
                      str(n["stopped"]), str(n["failed"])});
    }
  }
  print_table(std::cout,
              {"TOPOLOGY", "NODE", "TYPE", "QUEUED", "IN FLIGHT", "WAITING", "RETRIED", "DONE",
               "STOPPED", "FAILED"},
              rows);
  for (const auto& o : (*data)["orphaned_queues"]) {
    std::cout << "waiting: " << str(o["queued"]) << " message(s) for " << str(o["topology"]) << "/"
              << str(o["node"]) << ", which is not loaded\n";
  }
  print_hosts((*data)["hosts"]);
  print_problems((*data)["problems"]);
  return 0;
}

int plugins_ls(const Common& c) {
  auto data = ask(c, Json{{"cmd", "plugins.ls"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& p : (*data)["plugins"]) {
    // The hash tells two builds of one version apart; the load time, when a reload took it.
    const std::string sha = str(p["sha256"]).substr(0, 12);
    const std::string loaded = utc_ms(p["loaded_ms"].get<std::int64_t>());
    for (const auto& t : p["node_types"]) {
      rows.push_back({str(p["name"]), str(p["version"]), sha, loaded, str(t["type"]),
                      str(t["kind"]), str(t["description"])});
    }
  }
  print_table(std::cout,
              {"PLUGIN", "VERSION", "SHA256", "LOADED (UTC)", "NODE TYPE", "KIND", "DESCRIPTION"},
              rows);
  for (const auto& r : (*data)["refused"]) std::cout << "refused: " << str(r["reason"]) << '\n';
  return 0;
}

int topology_discard(const Common& c, const std::string& name, const std::string& reason) {
  auto data = ask(c, Json{{"cmd", "topology.discard"}, {"name", name}, {"reason", reason}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::cout << str((*data)["discarded"]) << " message(s) of topology " << name
            << " moved to the trash (weir trash ls --topology " << name << ")\n";
  return 0;
}

int reload(const Common& c) {
  auto data = ask(c, Json{{"cmd", "reload"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::cout << "reloaded\n";
  return topology_ls(c);
}

int topology_ls(const Common& c) {
  auto data = ask(c, Json{{"cmd", "topology.ls"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& t : (*data)["topologies"]) {
    std::string entries;
    for (const auto& e : t["entry_nodes"]) entries += (entries.empty() ? "" : ",") + str(e);
    rows.push_back({str(t["name"]), str(t["version"]), t["enabled"].get<bool>() ? "yes" : "no",
                    str(t["nodes"]), entries, str(t["file"])});
  }
  print_table(std::cout, {"TOPOLOGY", "VERSION", "ENABLED", "NODES", "STARTS AT", "FILE"}, rows);
  std::vector<Row> triggers;
  for (const auto& t : (*data)["topologies"]) {
    for (const auto& g : t.value("triggers", Json::array())) {
      const auto next = g["next_ms"].get<std::int64_t>();
      const auto last = g["last_fire_ms"].get<std::int64_t>();
      triggers.push_back({str(t["name"]) + "/" + str(g["id"]), str(g["cron"]), str(g["timezone"]),
                          next ? utc_ms(next) : "never", last ? utc_ms(last) : "-",
                          str(g["fired"]), str(g["skipped"])});
    }
  }
  if (!triggers.empty()) {
    std::cout << '\n';
    print_table(std::cout, {"TRIGGER", "SCHEDULE", "TIMEZONE", "NEXT (UTC)", "LAST", "FIRED", "SKIPPED"},
                triggers);
  }
  std::vector<Row> deltas;
  for (const auto& t : (*data)["topologies"]) {
    if (!t.contains("delta")) continue;
    const Json& d = t["delta"];
    deltas.push_back({str(t["name"]),
                      d["since_ms"].is_null() ? "- (next run: full)" : utc_ms(d["since_ms"].get<std::int64_t>()),
                      format_duration(std::chrono::milliseconds(d["overlap_ms"].get<std::int64_t>()))});
  }
  if (!deltas.empty()) {
    std::cout << '\n';
    print_table(std::cout, {"DELTA", "CHANGES SINCE (UTC)", "OVERLAP"}, deltas);
  }
  for (const auto& e : (*data)["errors"]) {
    std::cout << "invalid: " << str(e["file"]) << ":" << str(e["line"]) << ": "
              << str(e["message"]) << '\n';
  }
  for (const auto& t : (*data)["topologies"]) {
    if (t.value("invalid_edit", false)) {
      std::cout << "kept: " << str(t["name"]) << " runs version " << str(t["version"]) << " until "
                << str(t["file"]) << " is valid again\n";
    }
  }
  return 0;
}

int apps_ls(const Common& c) {
  auto data = ask(c, Json{{"cmd", "apps.ls"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& a : (*data)["apps"]) {
    std::string secrets;
    for (const auto& [role, ref] : a["auth"]["secrets"].items()) {
      secrets += (secrets.empty() ? "" : " ") + role + "=" + str(ref);
    }
    const std::string rate =
        a.contains("rate") ? str(a["rate"]) + (a["burst"].get<int>() > 1 ? " burst " + str(a["burst"]) : "")
                           : "-";
    rows.push_back({str(a["name"]), str(a["type"]), str(a["base_url"]), rate, str(a["concurrency"]),
                    str(a["auth"]["kind"]) + (secrets.empty() ? "" : " " + secrets)});
  }
  print_table(std::cout, {"APP", "TYPE", "BASE URL", "RATE", "CONCURRENCY", "AUTH (SECRETS BY REFERENCE)"},
              rows);
  for (const auto& a : (*data)["apps"]) {
    if (a["tls"]["insecure"].get<bool>()) {
      std::cout << "insecure: " << str(a["name"]) << " does not verify TLS certificates ("
                << str(a["file"]) << ")\n";
    }
  }
  for (const auto& e : (*data)["errors"]) {
    std::cout << "invalid: " << str(e["file"]) << ":" << str(e["line"]) << ": " << str(e["message"])
              << '\n';
  }
  for (const auto& a : (*data)["apps"]) {
    if (a.value("invalid_edit", false)) {
      std::cout << "kept: " << str(a["name"]) << " runs as it was until " << str(a["file"])
                << " is valid again\n";
    }
    if (a.contains("file_gone_kept_for") && !a["file_gone_kept_for"].empty()) {
      std::string users;
      for (const auto& t : a["file_gone_kept_for"]) users += (users.empty() ? "" : ", ") + str(t);
      std::cout << "kept: " << str(a["name"]) << ": its file " << str(a["file"])
                << " is gone, but topology " << users << " still names it\n";
    }
  }
  return 0;
}

int apps_check(const Common& c, const std::string& app) {
  // The host may wait 10 s for the app's budget, then the app's timeout for
  // the answer: wait that long (plus a margin), not the usual 15 s.
  std::int64_t timeout_ms = 30'000;
  if (auto listed = ask(c, Json{{"cmd", "apps.ls"}})) {
    for (const auto& a : (*listed)["apps"]) {
      if (a.value("name", "") == app) timeout_ms = a.value("timeout_ms", timeout_ms);
    }
  }
  auto data = ask(c, Json{{"cmd", "apps.check"}, {"app", app}},
                  std::chrono::milliseconds(10'000 + timeout_ms + 5'000));
  if (!data) return fail(data.error());
  if (c.json) {
    std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
    return (*data)["ok"].get<bool>() ? 0 : 1;
  }
  const Json& d = *data;
  if (d["ok"].get<bool>()) {
    std::cout << "ok: " << app << " answered " << str(d["status"]) << " in " << str(d["ms"])
              << " ms (" << str(d["url"]) << ")\n";
    return 0;
  }
  std::cout << "failed: " << app;
  if (d["status"].get<int>() > 0) std::cout << " answered " << str(d["status"]) << " in " << str(d["ms"]) << " ms";
  std::cout << ": " << str(d["error"]) << '\n';
  return 1;
}

int limiter_ls(const Common& c) {
  auto data = ask(c, Json{{"cmd", "limiter.ls"}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  char current[32];
  for (const auto& l : (*data)["limiters"]) {
    std::snprintf(current, sizeof current, "%.3g/s", l["current_per_s"].get<double>());
    const auto paused = l["paused_for_ms"].get<std::int64_t>();
    rows.push_back({str(l["app"]), str(l["rate"]) + (l["burst"].get<int>() > 1 ? " burst " + str(l["burst"]) : ""),
                    current, l.value("shared", false) ? "cluster" : str(l["tokens"]), str(l["in_flight"]) + "/" + str(l["concurrency"]),
                    str(l["waiting"]), str(l["started_last_minute"]), str(l["throttled_last_minute"]),
                    paused > 0 ? std::to_string(paused) + " ms" : "-"});
  }
  print_table(std::cout, {"APP", "RATE", "NOW", "TOKENS", "IN FLIGHT", "WAITING", "LAST MIN", "THROTTLED", "PAUSED"},
              rows);
  return 0;
}

int topology_validate(const std::string& file, const Common& c, const std::string& plugins_dir) {
  std::string dir = plugins_dir;
  if (dir.empty()) {
    auto config = config::load_host_config(c.config);
    if (!config) return fail(config.error() + " (or pass --plugins-dir)");
    dir = config->plugins_dir;
  }
  std::string cache = (std::filesystem::temp_directory_path() / "weir-validate-XXXXXX").string();
  if (!::mkdtemp(cache.data())) return fail("cannot make a temporary directory");
  int code = 0;
  {
    plugins::PluginRegistry registry(cache);
    for (const auto& r : registry.load_directory(dir)) std::cerr << "weir: refused " << r.reason << '\n';
    auto loaded = topology::load_topology_file(file, registry);
    for (const auto& e : loaded.errors) std::cout << e.to_string() << '\n';
    if (loaded.topology) {
      std::cout << file << ": ok: topology " << loaded.topology->name << " ("
                << loaded.topology->nodes.size() << " nodes, " << loaded.topology->edges.size()
                << " edges)\n";
    }
    code = loaded.errors.empty() ? 0 : 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(cache, ec);
  return code;
}

namespace {

// Streams a JSON lines file: checks every line first, so a bad line starts nothing.
class JsonLines {
 public:
  explicit JsonLines(std::string path) : path_(std::move(path)) {}

  Status check(std::size_t* count) const {
    std::ifstream in(path_);
    if (!in) return Status::error(path_ + ": cannot read");
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto parsed = message::json_text_to_msgpack(line);  // only checked here; again when sent
      if (!parsed) {
        return Status::error(path_ + ":" + std::to_string(n) + ": not JSON: " + parsed.error());
      }
      ++*count;
    }
    return Status::ok();
  }

  template <class Fn>  // fn(std::vector<Json> chunk) -> Status
  Status each_chunk(std::size_t size, Fn fn) const {
    std::ifstream in(path_);
    std::vector<Json> chunk;
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto bytes = message::json_text_to_msgpack(line);
      if (!bytes) return bytes.status();  // checked before; changed since?
      chunk.push_back(Json::binary(std::move(bytes).value()));
      if (chunk.size() == size) {
        Status st = fn(std::move(chunk));
        if (!st) return st;
        chunk.clear();
      }
    }
    return chunk.empty() ? Status::ok() : fn(std::move(chunk));
  }

 private:
  std::string path_;
};

Result<Json> single_payload(const std::string& arg) {
  std::string text = arg.empty() ? "{}" : arg;
  std::string where = "--payload";
  if (!arg.empty() && arg[0] == '@') {
    where = arg.substr(1);
    std::ifstream in(where);
    if (!in) return Status::error(where + ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto bytes = message::json_text_to_msgpack(text);
  if (!bytes) return Status::error(where + ": not JSON: " + bytes.error());
  return Json::binary(std::move(bytes).value());
}

Result<std::vector<std::uint64_t>> start_all(const Common& c, const RunOptions& r) {
  std::vector<std::uint64_t> ids;
  auto send = [&](std::vector<Json> payloads, Json cids) -> Status {
    Json request{{"cmd", "run"}, {"topology", r.topology}, {"payloads", payloads},
                 {"correlation_ids", cids}};
    if (!r.start.empty()) request["start"] = r.start;
    auto data = ask(c, request);
    if (!data) return data.status();
    for (const auto& id : (*data)["processes"]) ids.push_back(id.get<std::uint64_t>());
    return Status::ok();
  };
  if (r.payloads_file.empty()) {
    auto p = single_payload(r.payload);
    if (!p) return p.status();
    Json cids = r.correlation_id.empty() ? Json::array() : Json::array({r.correlation_id});
    Status st = send({*p}, cids);
    if (!st) return st;
    return ids;
  }
  JsonLines lines(r.payloads_file);
  std::size_t count = 0;
  Status st = lines.check(&count);
  if (!st) return st.prefixed("nothing was started");
  st = lines.each_chunk(kRunChunk, [&](std::vector<Json> chunk) { return send(chunk, Json::array()); });
  if (!st) {
    return st.prefixed(std::to_string(ids.size()) + " of " + std::to_string(count) +
                       " processes were started before an error");
  }
  return ids;
}

int print_outcomes(const Json& processes, bool json) {
  int failed = 0;
  for (const auto& p : processes) failed += str(p["state"]) != "completed";
  if (json) {
    std::cout << Json{{"processes", processes}}.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  } else if (processes.size() == 1) {
    const auto& p = processes[0];
    std::cout << "process " << str(p["id"]) << " " << str(p["state"]) << " in "
              << str(p["duration_ms"]) << " ms (" << str(p["done"]) << " node visit(s) done, "
              << str(p["failed"]) << " failed)\n";
  } else {
    std::cout << processes.size() << " processes: " << processes.size() - failed
              << " completed, " << failed << " completed with failures\n";
  }
  return failed ? 2 : 0;
}

}  // namespace

int run(const Common& c, const RunOptions& r) {
  auto ids = start_all(c, r);
  if (!ids) return fail(ids.error());
  if (!r.wait) {
    if (c.json) return std::cout << Json{{"processes", *ids}}.dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
    if (ids->size() == 1) std::cout << "started process " << ids->front() << '\n';
    else if (!ids->empty()) std::cout << "started " << ids->size() << " processes (ids " << ids->front() << ".." << ids->back() << ")\n";
    return 0;
  }
  auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(r.timeout_s * 1000));
  auto data = ask(c, Json{{"cmd", "process.wait"}, {"ids", *ids}}, timeout);
  if (!data) return fail(data.error());
  return print_outcomes((*data)["processes"], c.json);
}

}  // namespace weir::cli
