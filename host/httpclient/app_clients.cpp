#include "httpclient/app_clients.hpp"

#include <weir/remote_error.hpp>

namespace weir::httpclient {

AppClients::~AppClients() { stop(); }

void AppClients::share_budget(std::shared_ptr<SharedBudget> shared) {
  std::lock_guard lock(mu_);
  shared_ = std::move(shared);
}

void AppClients::update(const std::vector<apps::App>& in_effect) {
  std::lock_guard lock(mu_);
  std::map<std::string, Entry> next;
  for (const apps::App& a : in_effect) {
    Entry e;
    if (auto old = apps_.find(a.name); old != apps_.end()) {
      e = old->second;
      if (e.client->app().content_hash == a.content_hash && e.client->app().file == a.file) {
        next[a.name] = std::move(e);
        continue;
      }
    }
    // Every app has a limiter: without a rate it still caps the requests
    // in flight and keeps Retry-After pauses.
    const limiter::Rate rate = a.rate ? *a.rate : limiter::Rate::unlimited();
    if (e.limiter) {
      e.limiter->configure(rate, a.concurrency);
    } else {
      e.limiter = std::make_shared<limiter::AppLimiter>(a.name, rate, a.concurrency,
                                                        steady_ticker(), shared_);
    }
    if (!e.counters) e.counters = std::make_shared<AppCounters>();
    e.client = std::make_shared<AppClient>(a, e.limiter, e.counters);
    next[a.name] = std::move(e);
  }
  for (auto& [name, e] : apps_) {
    if (!next.count(name) && e.limiter) e.limiter->stop();
  }
  apps_ = std::move(next);
}

std::shared_ptr<AppClient> AppClients::client(const std::string& app) const {
  std::lock_guard lock(mu_);
  auto it = apps_.find(app);
  return it == apps_.end() ? nullptr : it->second.client;
}

std::vector<limiter::LimiterView> AppClients::limiters() const {
  std::lock_guard lock(mu_);
  std::vector<limiter::LimiterView> out;
  for (const auto& [name, e] : apps_) {
    if (e.limiter) out.push_back(e.limiter->view());
  }
  return out;
}

std::vector<AppFigures> AppClients::figures() const {
  std::lock_guard lock(mu_);
  std::vector<AppFigures> out;
  for (const auto& [name, e] : apps_) {
    if (e.counters) out.push_back(figures_of(name, *e.counters));
  }
  return out;
}

AppClients::Check AppClients::check(const std::string& app) const {
  Check out;
  auto c = client(app);
  if (!c) {
    out.error = "no application '" + app + "' is in effect (weir apps ls)";
    return out;
  }
  Request r;
  const auto& settings = c->app().settings;
  r.target = c->app().check_target;  // its type's, if a plugin declared one
  if (settings.contains("check_path") && settings["check_path"].is_string()) {
    r.target = settings["check_path"].get<std::string>();
  }
  r.headers.emplace_back("Accept", "application/json");
  out.url = c->app().base_url + (r.target.empty() ? "" : "/" + r.target);
  // At most kCheckBudgetWaitMs for the limiter, then the app's timeout:
  // `weir apps check` waits that long plus a margin (cli/commands.cpp).
  auto answer = c->send(r, kCheckBudgetWaitMs);
  if (!answer) {
    out.error = answer.error();
    return out;
  }
  out.status = answer->status;
  out.ms = answer->duration_ms;
  out.ok = answer->status >= 200 && answer->status < 300;
  if (!answer->status)
    out.error = answer->transport_error;
  else if (!out.ok)
    out.error = weir::remote_error::text(answer->body);  // what the SDK shows plugins, too
  return out;
}

void AppClients::stop() {
  std::lock_guard lock(mu_);
  for (auto& [name, e] : apps_) {
    if (e.limiter) e.limiter->stop();
  }
}

}  // namespace weir::httpclient
