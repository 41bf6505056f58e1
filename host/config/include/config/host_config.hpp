// HostConfig: what weir.yaml says. Relative paths are resolved against the
// directory of the file, so a config can be moved with its data.
//
//   data_dir: ./data            # required: store, control socket, plugin cache
//   plugins_dir: ./plugins      # required: *.so files loaded at start
//   topologies_dir: ./topologies  # required: *.yaml topology files
//   apps_dir: ./apps            # *.yaml application files (apps/app.hpp); default
//                               # `apps` beside this file; a missing directory is no apps
//   log: {level: info, format: text}   # format: text | json
//   engine: {workers: 8}
//   store: {synchronous: full, max_size: 50GB, keep_processes: 14d}
//                               # full | normal; max_size: the database file's cap (a
//                               # commit past it fails as on a full disk: nothing of it is
//                               # applied); default none. keep_processes: finished
//                               # processes (and their trace) older than this are deleted
//                               # in the background, except those with trash entries;
//                               # default 14d; `forever` keeps them
//   store: {kind: postgres, url: env:WEIR_PG_URL, host: web-1, lease: 30s, keep_processes: 14d}
//                               # several hosts on one PostgreSQL database (docs/architecture.md);
//                               # url: a libpq URL by reference (env:NAME or file:PATH);
//                               # host: this host's name in the cluster, default the
//                               # machine's; lease: how long a dead host's messages stay
//                               # taken (default 30s)
//   retry: {max_attempts: 5, delay: 1s, multiplier: 2, max_delay: 5m, jitter: 0.2}
//                               # default retry policy of every node
//   timezone: Europe/Prague     # of cron triggers that name none; default UTC
//   http: {listen: 127.0.0.1:8780, threads: 2, max_body: 1MB, enabled: true,
//          max_queued: 100000,
//          max_connections: 1024, max_buffered: 64MB, header_timeout: 10s,
//          body_timeout: 10s, min_body_rate: 32KB, idle_timeout: 60s}
//                               # webhooks and /metrics; loopback by default. The limits
//                               # against slow or abusive clients are explained in
//                               # host/http/http_server.hpp; max_connections defaults to
//                               # 1024 or what the file-descriptor limit allows
//   reload: {watch: true, settle: 300ms}
//                               # hot reload: watch plugins_dir, topologies_dir and apps_dir and
//                               # apply changes once no file changed for `settle`
//
// Unknown keys and wrong types are errors naming file:line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/retry_policy.hpp"
#include "common/secret_source.hpp"
#include "common/status.hpp"

namespace weir::config {

struct HostConfig {
  std::string file;            // the weir.yaml it came from
  std::string data_dir;
  std::string plugins_dir;
  std::string topologies_dir;
  std::string apps_dir;
  std::string log_level = "info";
  std::string log_format = "text";
  int workers = 8;
  std::string store_kind = "sqlite";  // or "postgres"
  SecretRef store_url;                // postgres: where the URL is read from
  std::string store_host;             // postgres: this host's name; empty: the machine's
  std::chrono::milliseconds store_lease{30000};
  bool synchronous_full = true;
  std::int64_t store_max_bytes = 0;  // 0: no cap
  // Finished processes older than this are pruned (with their trace); 0: for ever.
  std::chrono::milliseconds store_keep_processes{std::chrono::hours(14 * 24)};
  RetryPolicy retry;  // the default for every node; a node's `retry:` overrides fields
  std::string timezone = "UTC";  // of cron triggers that name none (checked when serving)
  bool http_enabled = true;      // webhooks, /metrics, /healthz, /readyz
  std::string http_address = "127.0.0.1";
  int http_port = 8780;          // 0: any free port (`weir status` says which)
  int http_threads = 2;
  std::size_t http_max_body = 1024 * 1024;
  // A webhook answers 503 (Retry-After) while its topology's first nodes
  // hold this many messages or more; 0: no cap.
  int http_max_queued = 0;
  // Against slow and abusive clients (http::ServerOptions has the same fields).
  int http_max_connections = 0;  // 0: 1024, or fewer if the file-descriptor limit is low
  std::size_t http_max_buffered = 64 * 1024 * 1024;  // body bytes across all connections
  std::chrono::milliseconds http_header_timeout{10000};
  std::chrono::milliseconds http_body_timeout{10000};
  std::size_t http_min_body_rate = 32 * 1024;  // bytes per second
  std::chrono::milliseconds http_idle_timeout{60000};
  bool reload_watch = true;  // hot reload of plugins_dir and topologies_dir
  std::chrono::milliseconds reload_settle{300};

  std::string control_endpoint() const { return "ipc://" + data_dir + "/weir.sock"; }
  std::string socket_path() const { return data_dir + "/weir.sock"; }
  std::string store_path() const { return data_dir + "/weir.db"; }
  std::string plugin_cache_dir() const { return data_dir + "/plugin-cache"; }
};

Result<HostConfig> load_host_config(const std::string& path);

}  // namespace weir::config
