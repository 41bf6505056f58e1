#include "config/host_config.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/duration.hpp"

namespace weir::config {
namespace {

namespace fs = std::filesystem;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::string where(const YAML::Node& n) const {
    return file_ + ":" + std::to_string(n.Mark().line + 1);
  }
  // Throws with file:line when `map` has a key outside `allowed`.
  void only_keys(const YAML::Node& map, const std::set<std::string>& allowed) const {
    if (!map.IsMap()) throw std::runtime_error(where(map) + ": expected a mapping");
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (allowed.count(key)) continue;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw std::runtime_error(where(kv.first) + ": unknown key '" + key + "' (known: " + list + ")");
    }
  }
  std::string path(const YAML::Node& root, const char* key) const {
    const YAML::Node n = root[key];
    if (!n) throw std::runtime_error(file_ + ": missing required key '" + std::string(key) + "'");
    if (!n.IsScalar() || n.Scalar().empty()) {
      throw std::runtime_error(where(n) + ": '" + key + "' must be a path");
    }
    fs::path p(n.Scalar());
    if (p.is_relative()) p = fs::absolute(file_).parent_path() / p;
    return p.lexically_normal().string();
  }
  std::string choice(const YAML::Node& n, const char* key, const std::set<std::string>& allowed,
                     const std::string& fallback) const {
    if (!n || !n[key]) return fallback;
    const std::string v = n[key].Scalar();
    if (allowed.count(v)) return v;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw std::runtime_error(where(n[key]) + ": " + key + " '" + v + "' is not one of " + list);
  }
  // "512KB", "2MB", "1GB" or bytes; `fallback` when absent.
  std::int64_t size(const YAML::Node& n, const char* key, std::int64_t fallback) const {
    if (!n || !n[key]) return fallback;
    const std::string v = n[key].Scalar();
    const auto bytes = parse_size(v);
    if (!bytes || *bytes == 0) {
      throw std::runtime_error(where(n[key]) + ": " + key +
                               " must be a size such as 512KB, 2MB or 1GB, got '" + v + "'");
    }
    return *bytes;
  }
  std::chrono::milliseconds duration(const YAML::Node& n, const char* key,
                                     std::chrono::milliseconds fallback) const {
    if (!n || !n[key]) return fallback;
    const std::string v = n[key].Scalar();
    const auto d = parse_duration(v);
    if (!d) {
      throw std::runtime_error(where(n[key]) + ": " + key +
                               " must be a duration such as 300ms, 2s or 1m, got '" + v + "'");
    }
    return *d;
  }
  // A duration above zero (a timeout), with what the key is for in the error.
  std::chrono::milliseconds timeout(const YAML::Node& n, const char* key,
                                    std::chrono::milliseconds fallback) const {
    const auto d = duration(n, key, fallback);
    if (d.count() > 0) return d;
    throw std::runtime_error(where(n[key]) + ": " + key +
                             " must be longer than 0, such as 500ms, 10s or 1m");
  }
  // How long finished processes are kept: a duration of at least a minute,
  // or `forever` (0).
  std::chrono::milliseconds keep(const YAML::Node& n, const char* key,
                                 std::chrono::milliseconds fallback) const {
    if (!n || !n[key]) return fallback;
    const std::string v = n[key].Scalar();
    if (v == "forever") return std::chrono::milliseconds(0);
    const auto d = parse_duration(v);
    if (!d || *d < std::chrono::minutes(1)) {
      throw std::runtime_error(where(n[key]) + ": " + key +
                               " must be a duration of at least 1m such as 14d, 36h or 90m, "
                               "or forever; got '" + v + "'");
    }
    return *d;
  }
  int positive(const YAML::Node& n, const char* key, int fallback) const {
    if (!n || !n[key]) return fallback;
    try {
      int v = n[key].as<int>();
      if (v >= 1) return v;
    } catch (const YAML::Exception&) {
    }
    throw std::runtime_error(where(n[key]) + ": " + key + " must be a whole number >= 1");
  }

 private:
  std::string file_;
};

// The limits against slow and abusive clients (http_server.hpp).
void read_http_limits(const Reader& r, const YAML::Node& http, HostConfig& c) {
  c.http_max_connections = r.positive(http, "max_connections", 0);
  // Unset, it grows with max_body, so that one request's body always fits.
  const auto fallback = static_cast<std::int64_t>(std::max(c.http_max_buffered, c.http_max_body));
  const auto buffered = r.size(http, "max_buffered", fallback);
  if (static_cast<std::size_t>(buffered) < c.http_max_body) {
    throw std::runtime_error(r.where(http["max_buffered"]) + ": http.max_buffered (" +
                             std::to_string(buffered) +
                             " bytes) must be at least http.max_body (" +
                             std::to_string(c.http_max_body) +
                             " bytes): one request's body must fit");
  }
  c.http_max_buffered = static_cast<std::size_t>(buffered);
  c.http_header_timeout = r.timeout(http, "header_timeout", c.http_header_timeout);
  c.http_body_timeout = r.timeout(http, "body_timeout", c.http_body_timeout);
  c.http_idle_timeout = r.timeout(http, "idle_timeout", c.http_idle_timeout);
  c.http_min_body_rate = static_cast<std::size_t>(
      r.size(http, "min_body_rate", static_cast<std::int64_t>(c.http_min_body_rate)));
}

// store: {kind: postgres, url: env:WEIR_PG_URL, host: shop-a, lease: 30s}.
// The URL holds a password, so it is a secret reference like every other;
// what SQLite alone means (synchronous, max_size) is refused.
void read_postgres(const Reader& r, const YAML::Node& store, HostConfig& c) {
  for (const char* sqlite_only : {"synchronous", "max_size"}) {
    if (store[sqlite_only]) {
      throw std::runtime_error(r.where(store[sqlite_only]) + ": " + sqlite_only +
                               " is for kind sqlite; PostgreSQL's own settings say this");
    }
  }
  const YAML::Node url = store["url"];
  if (!url || !url.IsScalar() || url.Scalar().empty()) {
    throw std::runtime_error(r.where(store) +
                             ": kind postgres needs url: env:NAME or file:PATH (a libpq "
                             "connection URL, given by reference: it may hold a password)");
  }
  auto ref = parse_secret_ref(url.Scalar(), fs::path(c.file).parent_path().string());
  if (!ref) throw std::runtime_error(r.where(url) + ": url: " + ref.error());
  c.store_url = *ref;
  if (const YAML::Node host = store["host"]) {
    if (!host.IsScalar() || host.Scalar().empty()) {
      throw std::runtime_error(r.where(host) + ": host must be a name");
    }
    c.store_host = host.Scalar();
  }
  c.store_lease = r.timeout(store, "lease", c.store_lease);
  if (c.store_lease < std::chrono::seconds(2)) {
    throw std::runtime_error(r.where(store["lease"]) + ": lease must be at least 2s");
  }
}

HostConfig parse(const std::string& path) {
  Reader r(path);
  YAML::Node root = YAML::LoadFile(path);
  if (!root.IsMap()) throw std::runtime_error(path + ": expected a mapping of settings");
  r.only_keys(root, {"data_dir", "plugins_dir", "topologies_dir", "apps_dir", "log", "engine",
                     "store", "retry", "timezone", "http", "reload"});
  HostConfig c;
  c.file = fs::absolute(path).lexically_normal().string();
  c.data_dir = r.path(root, "data_dir");
  c.plugins_dir = r.path(root, "plugins_dir");
  c.topologies_dir = r.path(root, "topologies_dir");
  c.apps_dir = root["apps_dir"]
                   ? r.path(root, "apps_dir")
                   : (fs::path(c.file).parent_path() / "apps").lexically_normal().string();
  if (root["log"]) r.only_keys(root["log"], {"level", "format"});
  c.log_level = r.choice(root["log"], "level", {"trace", "debug", "info", "warn", "error"}, "info");
  c.log_format = r.choice(root["log"], "format", {"text", "json"}, "text");
  if (root["engine"]) r.only_keys(root["engine"], {"workers"});
  c.workers = r.positive(root["engine"], "workers", 8);
  if (root["store"]) {
    r.only_keys(root["store"], {"kind", "synchronous", "max_size", "keep_processes", "url",
                                "host", "lease"});
  }
  c.store_kind = r.choice(root["store"], "kind", {"sqlite", "postgres"}, "sqlite");
  if (c.store_kind == "postgres") read_postgres(r, root["store"], c);
  c.store_max_bytes = r.size(root["store"], "max_size", 0);
  c.store_keep_processes = r.keep(root["store"], "keep_processes", c.store_keep_processes);
  c.synchronous_full = r.choice(root["store"], "synchronous", {"full", "normal"}, "full") == "full";
  if (const YAML::Node http = root["http"]) {
    r.only_keys(http, {"listen", "threads", "max_body", "enabled", "max_queued", "max_connections",
                       "max_buffered", "header_timeout", "body_timeout", "min_body_rate",
                       "idle_timeout"});
    if (http["max_queued"]) c.http_max_queued = r.positive(http, "max_queued", 0);
    c.http_enabled = r.choice(http, "enabled", {"true", "false"}, "true") == "true";
    if (http["listen"]) {
      const std::string listen = http["listen"].Scalar();
      const auto colon = listen.rfind(':');
      int port = -1;
      try {
        if (colon != std::string::npos) port = std::stoi(listen.substr(colon + 1));
      } catch (const std::exception&) {
      }
      if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
        throw std::runtime_error(r.where(http["listen"]) +
                                 ": http.listen must be address:port such as 127.0.0.1:8780 "
                                 "(port 0: any free port), got '" + listen + "'");
      }
      c.http_address = listen.substr(0, colon);
      c.http_port = port;
    }
    c.http_threads = r.positive(http, "threads", 2);
    c.http_max_body = static_cast<std::size_t>(r.size(http, "max_body", 1024 * 1024));
    read_http_limits(r, http, c);
  }
  if (const YAML::Node reload = root["reload"]) {
    r.only_keys(reload, {"watch", "settle"});
    c.reload_watch = r.choice(reload, "watch", {"true", "false"}, "true") == "true";
    c.reload_settle = r.duration(reload, "settle", c.reload_settle);
  }
  if (root["timezone"]) {
    if (!root["timezone"].IsScalar()) {
      throw std::runtime_error(path + ":" + std::to_string(root["timezone"].Mark().line + 1) +
                               ": timezone must be a zone name such as UTC or Europe/Prague");
    }
    c.timezone = root["timezone"].Scalar();
  }
  if (root["retry"]) {
    std::string problems;
    auto overrides = read_retry(root["retry"], [&](int line, const std::string& message) {
      problems += (problems.empty() ? "" : "\n") + path + ":" + std::to_string(line) + ": " + message;
    });
    if (!problems.empty()) throw std::runtime_error(problems);
    c.retry = overrides.over(c.retry);
  }
  return c;
}

}  // namespace

Result<HostConfig> load_host_config(const std::string& path) {
  if (!fs::exists(path)) return Status::error(path + ": config file not found");
  try {
    return parse(path);
  } catch (const YAML::ParserException& e) {
    return Status::error(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::error(e.what());
  }
}

}  // namespace weir::config
