#include "runtime/host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/private_files.hpp"
#include "dir_watcher.hpp"
#include "metrics/prometheus.hpp"
#include "reload_plan.hpp"
#include "topology/topology_loader.hpp"

namespace weir::runtime {
namespace {

// A node's calls reach its application through the host's HTTP client.
class ClientsGateway final : public engine::AppGateway {
 public:
  explicit ClientsGateway(const httpclient::AppClients& clients) : clients_(clients) {}
  engine::AppAnswer send(const std::string& app, const engine::AppRequest& r) override {
    engine::AppAnswer out;
    auto client = clients_.client(app);
    if (!client) {
      out.error = "http: no application '" + app + "' is in effect (weir apps ls)";
      return out;
    }
    httpclient::Request request{r.method, r.target, r.query, r.headers, r.body};
    auto answer = client->send(request);
    if (!answer) {
      out.error = answer.error();
      return out;
    }
    out.retry_later = answer->retry_later;
    out.sent = !answer->retry_later;
    out.status = answer->status;
    out.headers = std::move(answer->headers);
    out.body = std::move(answer->body);
    out.error = std::move(answer->transport_error);
    out.retry_after_ms = answer->retry_after_ms;
    return out;
  }

  std::optional<std::string> settings_json(const std::string& app) const override {
    auto client = clients_.client(app);
    if (!client) return std::nullopt;
    return client->app().settings.dump();
  }

  int workers_for(const std::string& app) const override {
    auto client = clients_.client(app);
    return client ? client->app().concurrency : 0;
  }

 private:
  const httpclient::AppClients& clients_;
};

// The data directory holds the database (every order's customer data), the
// plugin cache (code we load) and the control socket: it is 0700, so the
// socket is private from the moment it is bound. One an older weir made
// readable by others is tightened and logged (an upgrade should just work);
// one others can write, or that is not ours, is refused (see
// common/private_files.hpp).
Status make_data_dir_private(const config::HostConfig& config) {
  struct Dir {
    const char* what;
    std::string path;
  };
  for (const Dir& d : {Dir{"data directory", config.data_dir},
                       Dir{"plugin cache directory", config.plugin_cache_dir()}}) {
    auto change = make_private_dir(d.path, d.what);
    if (!change) return change.status().prefixed(config.file + ": data_dir");
    if (change->action == PrivacyChange::kTightened) {
      spdlog::warn("data: {}", change->note(d.what, d.path));
    }
  }
  return Status::ok();
}

}  // namespace

Host::Host(config::HostConfig config) : config_(std::move(config)) {}

Host::~Host() {
  stop();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

// Two hosts on one data directory would both dispatch the same messages.
Status Host::lock_data_dir() {
  const std::string path = config_.data_dir + "/weir.lock";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    [[maybe_unused]] auto n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
    return Status::error("data directory " + config_.data_dir +
                         " is in use by another weir host (pid " + std::string(pid) + ")");
  }
  const std::string me = std::to_string(::getpid());
  [[maybe_unused]] auto t = ::ftruncate(lock_fd_, 0);
  [[maybe_unused]] auto w = ::pwrite(lock_fd_, me.data(), me.size(), 0);
  return Status::ok();
}

// SQLite in the data directory, or the PostgreSQL database weir.yaml names
// (several hosts may share it; each is one host of the cluster, by name).
Result<std::unique_ptr<store::Store>> Host::open_store() {
  if (config_.store_kind != "postgres") {
    store_name_ = config_.store_path();
    return store::open_sqlite_store(
        store::SqliteOptions{config_.store_path(), config_.synchronous_full,
                             config_.store_max_bytes, config_.store_keep_processes.count()});
  }
  auto url = SecretSource::from(config_.store_url)->get();
  if (!url) return url.status().prefixed(config_.file + ": store url");
  store::PgOptions options{*url, config_.store_host, config_.store_lease.count(),
                           config_.store_keep_processes.count()};
  if (options.host.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    // The data directory makes it unique on one machine and stable across restarts.
    options.host = std::string(name) + ":" + config_.data_dir;
  }
  store_name_ = "postgres as host " + options.host;
  return store::open_pg_store(options);
}

Status Host::start() {
  Status st = make_data_dir_private(config_);
  if (!st) return st;
  st = lock_data_dir();
  if (!st) return st;
  auto store = open_store();
  if (!store) return store.status();
  store_ = std::move(store).value();
  clients_.share_budget(store_->shared_budget());  // the cluster's rate, on PostgreSQL
  const auto rec = store_->recovery();
  spdlog::info("store: {} ({} message(s) queued; after an unclean stop, {} were in a call and "
               "count it as an attempt, {} only prefetched are ready as they were)",
               store_name_, rec.queued, rec.redelivered, rec.unstarted);
  st = load_plugins_and_topologies();
  if (!st) return st;
  auto zone = triggers::TimeZone::load(config_.timezone);
  if (!zone) return zone.status().prefixed(config_.file + ": timezone");
  scheduler_ = std::make_unique<schedule::Scheduler>(*store_, *engine_, *zone);
  for (const auto& t : loaded_.get()->topologies) {
    if (!t.enabled) continue;
    st = scheduler_->add(t);
    if (!st) return st;
  }
  control::HostView view{engine_.get(), store_.get(),     registry_.get(),
                         &loaded_,      scheduler_.get(), &http_address_,
                         [this] { reload(); },
                         [this](const std::string& name, const std::string& reason) {
                           return discard(name, reason);
                         }};
  view.check_app = [this](const std::string& app) {
    const auto c = clients_.check(app);
    return nlohmann::json{{"app", app}, {"ok", c.ok},   {"status", c.status},
                          {"ms", c.ms},   {"url", c.url}, {"error", c.error}};
  };
  view.limiters = [this] {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : clients_.limiters()) {
      list.push_back({{"app", v.app},
                      {"rate", limiter::format_rate(v.configured)},
                      {"burst", v.configured.burst},
                      {"configured_per_s", v.configured.per_second()},
                      {"current_per_s", v.current_per_second},
                      {"tokens", v.tokens},
                      {"shared", v.shared},
                      {"in_flight", v.in_flight},
                      {"concurrency", v.concurrency},
                      {"waiting", v.waiting},
                      {"started_last_minute", v.started_last_minute},
                      {"throttled_last_minute", v.overloads_last_minute},
                      {"paused_for_ms", v.paused_for_ms}});
    }
    return nlohmann::json{{"limiters", list}};
  };
  control_ = std::make_unique<control::ControlServer>(view, config_.socket_path());
  engine_->add_finished_listener(
      [c = control_.get()](const store::ProcessRecord& p) { c->on_process_finished(p); });
  st = engine_->start();
  if (!st) return st;
  st = scheduler_->start();  // after the engine: a missed fire starts at once
  if (!st) return st;
  st = start_http();
  if (!st) return st;
  st = control_->start();
  if (!st) return st;
  ready_ = true;
  if (config_.reload_watch) {
    std::vector<std::string> watched{config_.plugins_dir, config_.topologies_dir};
    // A missing apps_dir is no apps; made later, `weir reload` reads it.
    if (std::error_code ec; std::filesystem::is_directory(config_.apps_dir, ec)) {
      watched.push_back(config_.apps_dir);
    }
    watcher_ = std::make_unique<DirWatcher>(
        watched,
        [this](const std::vector<std::string>&) { reload(); },
        WatchOptions{config_.reload_settle});
    Status watching = watcher_->start();
    if (!watching) {  // the host still runs; only hot reload is off
      spdlog::warn("reload: cannot watch for changes ({}); `weir reload` still works",
                   watching.message());
      watcher_.reset();
    } else {
      std::string dirs;
      for (const auto& d : watched) dirs += (dirs.empty() ? "" : ", ") + d;
      spdlog::info("reload: watching {}", dirs);
    }
  }
  return Status::ok();
}

Status Host::start_http() {
  if (!config_.http_enabled) return Status::ok();
  std::vector<topology::Topology> running;
  for (const auto& t : loaded_.get()->topologies) {
    if (t.enabled) running.push_back(t);
  }
  webhooks_ = std::make_unique<webhooks::Receiver>(*engine_, *store_, running,
                                                   config_.http_max_body, config_.http_max_queued);
  routes_.prefix(std::string(webhooks::kPathPrefix), "/hooks/<topology>/<trigger>",
                 [w = webhooks_.get()](http::Request&& r, http::Respond respond) {
                   w->handle(std::move(r), std::move(respond));
                 },
                 [w = webhooks_.get()](int status) { w->count_refused(status); });
  routes_.page("/metrics", [this] {
    http::Response r;
    r.content_type = metrics::kContentType;
    r.body = metrics::prometheus_text(*engine_, *store_, webhooks_->answers(), clients_.figures(),
                                      clients_.limiters());
    return r;
  });
  routes_.page("/healthz", [] { return http::text_response(200, "ok"); });
  routes_.page("/readyz", [this] {
    return ready_ ? http::text_response(200, "ready")
                  : http::text_response(503, "starting: store, plugins, topologies");
  });
  http::ServerOptions options;
  options.address = config_.http_address;
  options.port = static_cast<std::uint16_t>(config_.http_port);
  options.threads = config_.http_threads;
  options.max_body = config_.http_max_body;
  options.max_connections = static_cast<std::size_t>(config_.http_max_connections);
  options.max_buffered = config_.http_max_buffered;
  options.header_timeout = config_.http_header_timeout;
  options.body_timeout = config_.http_body_timeout;
  options.min_body_rate = config_.http_min_body_rate;
  options.idle_timeout = config_.http_idle_timeout;
  options.on_note = [](http::NoteLevel level, const std::string& note) {
    if (level == http::NoteLevel::warning) spdlog::warn("http: {}", note);
    else spdlog::info("http: {}", note);
  };
  options.on_refused = [this](const std::string& path, int status) {
    routes_.refused(path, status);
  };
  http_ = std::make_unique<http::Server>(
      options, [this](http::Request&& r, http::Respond respond) {
        routes_.handle(std::move(r), std::move(respond));
      });
  Status st = http_->start();
  if (!st) return st.prefixed("http (weir.yaml http.listen)");
  http_address_ = http_->address();
  spdlog::info("http: listening on {} (webhooks at /hooks/<topology>/<trigger>, /metrics)",
               http_address_);
  return Status::ok();
}

Status Host::load_plugins_and_topologies() {
  registry_ = std::make_unique<plugins::PluginRegistry>(config_.plugin_cache_dir());
  control::Loaded now;
  now.plugin_refusals = registry_->load_directory(config_.plugins_dir);
  for (const auto& r : now.plugin_refusals) {
    spdlog::warn("plugins: refused {}", r.reason);
    refusals_logged_[r.path] = r.reason;
  }
  for (const auto& p : registry_->plugins()) {
    spdlog::info("plugins: loaded {} {} from {}", p->name, p->version, p->source_path);
  }
  load_apps(now);  // first: nodes name the apps they talk to
  topology::AppNames app_names;
  for (const auto& a : now.apps) app_names.emplace(a.name, a.type);
  auto loaded = topology::load_topology_directory(config_.topologies_dir, *registry_, &app_names);
  now.topology_errors = loaded.errors;
  for (const auto& e : now.topology_errors) spdlog::error("topology: {}", e.to_string());
  now.topologies = std::move(loaded.topologies);
  loaded_.set(now);
  engine::EngineOptions options;
  options.workers = config_.workers;
  options.retry = config_.retry;
  gateway_ = std::make_unique<ClientsGateway>(clients_);
  options.apps = gateway_.get();
  engine_ = std::make_unique<engine::Engine>(*store_, options);
  for (const auto& t : now.topologies) {
    if (!t.enabled) {
      spdlog::info("topology: {} is disabled ({})", t.name, t.file);
      continue;
    }
    Status st = engine_->install(t, *registry_);
    if (!st) return st;
    spdlog::info("topology: {} ready ({} node(s), from {})", t.name, t.nodes.size(), t.file);
  }
  share_running(now.topologies);
  return Status::ok();
}

// http, and the application types of the plugins loaded now.
apps::AppTypes Host::app_types() const {
  apps::AppTypes types;
  for (const auto& t : registry_->app_types()) {
    types.add(t.full_name, {t.settings_schema, t.check_target});
  }
  return types;
}

void Host::load_apps(control::Loaded& now) {
  auto scan = apps::load_app_directory(config_.apps_dir, app_types());
  for (const auto& e : scan.errors) spdlog::error("app: {}", e.to_string());
  for (const auto& a : scan.apps) {
    spdlog::info("app: {} ready ({} at {}, from {})", a.name, a.type, a.base_url, a.file);
    log_insecure(a);
  }
  now.apps = std::move(scan.apps);
  now.app_errors = std::move(scan.errors);
  clients_.update(now.apps);
}

// Said at every start and reload: an operator must not forget it is on.
void Host::log_insecure(const apps::App& a) {
  if (a.tls.insecure) {
    spdlog::warn("app {}: tls.insecure is true: TLS certificates are NOT verified ({})", a.name,
                 a.file);
  }
}

void Host::stop() {
  watcher_.reset();                    // no reload while the parts stop
  {
    std::lock_guard lock(reload_mu_);  // waits for one under way (`weir reload`)
    stopping_ = true;
  }
  if (http_) http_->stop();            // no new webhooks
  if (scheduler_) scheduler_->stop();  // no new fires while the engine drains
  clients_.stop();                      // requests waiting for a budget give up
  if (control_) control_->stop();
  if (engine_) engine_->stop();
  control_.reset();
  http_.reset();
  webhooks_.reset();
  scheduler_.reset();
  engine_.reset();
  store_.reset();
}

int serve(const config::HostConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait below sees them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Host host(config);
  Status st = host.start();
  if (!st) {
    spdlog::error("weir cannot start: {}", st.message());
    return 1;
  }
  spdlog::info("weir is ready (config {})", config.file);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("weir: {} received, stopping (again to stop at once)", strsignal(sig));
  std::thread([signals] {
    int again = 0;
    sigwait(&signals, &again);
    std::_Exit(130);
  }).detach();
  host.stop();
  spdlog::info("weir: stopped cleanly");
  return 0;
}

}  // namespace weir::runtime
