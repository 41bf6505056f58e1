// /metrics (prometheus.hpp). A scrape must stay cheap however large the
// store grows: processes per state, the trash's size and the queue depths
// are counts the store keeps as rows change (sqlite_counts.cpp and the
// store's depths), not scans of tables with millions of rows
// (bench/metrics.cpp measures both).
#include "metrics/prometheus.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace weir::metrics {
namespace {

// A label value with \, " and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << number(value) << '\n';
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string node_labels(const std::string& topology, const std::string& node) {
  return "topology=\"" + label(topology) + "\",node=\"" + label(node) + "\"";
}

// Per application (httpclient/app_counters.hpp, limiter/app_limiter.hpp).
void write_apps(Writer& w, const std::vector<httpclient::AppFigures>& apps,
                const std::vector<limiter::LimiterView>& limiters) {
  using httpclient::AppCounters;
  const auto app_label = [](const std::string& app) { return "app=\"" + label(app) + "\""; };
  w.family("weir_app_requests_total", "counter",
           "Requests to the application by answer class (none: no answer; not_sent: no budget "
           "in time or the host stopping)");
  for (const auto& a : apps) {
    for (std::size_t i = 0; i < a.by_class.size(); ++i) {
      w.sample("weir_app_requests_total",
               app_label(a.app) + ",class=\"" + AppCounters::kClasses[i] + "\"",
               double(a.by_class[i]));
    }
  }
  w.family("weir_app_request_seconds", "histogram", "Duration of the application's requests");
  for (const auto& a : apps) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < a.buckets.size(); ++i) {
      cumulative += a.buckets[i];
      const std::string le =
          i < AppCounters::kBounds.size() ? number(AppCounters::kBounds[i]) : "+Inf";
      w.sample("weir_app_request_seconds_bucket", app_label(a.app) + ",le=\"" + le + "\"",
               double(cumulative));
    }
    w.sample("weir_app_request_seconds_sum", app_label(a.app), double(a.duration_sum_us) / 1e6);
    w.sample("weir_app_request_seconds_count", app_label(a.app), double(a.duration_count));
  }
  w.family("weir_app_throttled_total", "counter",
           "Answers that said slow down (429, 503, 508)");
  for (const auto& a : apps) w.sample("weir_app_throttled_total", app_label(a.app), double(a.throttled));
  w.family("weir_app_limiter_wait_seconds_total", "counter",
           "Time requests waited for the application's limiter");
  for (const auto& a : apps) {
    w.sample("weir_app_limiter_wait_seconds_total", app_label(a.app),
             double(a.limiter_wait_ns) / 1e9);
  }
  w.family("weir_app_limiter_waits_total", "counter", "Requests that asked the limiter");
  for (const auto& a : apps) {
    w.sample("weir_app_limiter_waits_total", app_label(a.app), double(a.limiter_waits));
  }
  w.family("weir_app_rate_per_second", "gauge",
           "The limiter's current rate (the configured one, or lower after throttled answers; "
           "0: no rate)");
  for (const auto& l : limiters) {
    const double rate = std::isfinite(l.current_per_second) ? l.current_per_second : 0.0;
    w.sample("weir_app_rate_per_second", app_label(l.app), rate);
  }
  w.family("weir_app_waiting", "gauge", "Requests waiting for the limiter now");
  for (const auto& l : limiters) w.sample("weir_app_waiting", app_label(l.app), double(l.waiting));
  w.family("weir_app_paused_seconds", "gauge", "Retry-After pause still to run");
  for (const auto& l : limiters) {
    w.sample("weir_app_paused_seconds", app_label(l.app), double(l.paused_for_ms) / 1e3);
  }
}

}  // namespace

std::string prometheus_text(const engine::Engine& engine, store::Store& store,
                            const std::vector<std::pair<int, std::uint64_t>>& webhook_answers,
                            const std::vector<httpclient::AppFigures>& apps,
                            const std::vector<limiter::LimiterView>& limiters) {
  Writer w;
  w.family("weir_up", "gauge", "1 while the host serves");
  w.sample("weir_up", "", 1);

  auto queues = store.queues();
  const auto nodes = engine.nodes();
  if (queues) {
    std::map<store::QueueId, const engine::NodeStatus*> by_queue;
    for (const auto& n : nodes) by_queue[n.queue] = &n;
    struct Family {
      const char* name;
      const char* type;
      const char* help;
      double (*value)(const store::QueueInfo&, const engine::NodeStatus*);
    };
    const Family families[] = {
        {"weir_queue_depth", "gauge", "Messages in a node's queue, in flight included",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.queued); }},
        {"weir_node_waiting", "gauge", "Messages waiting to be retried or for a prerequisite",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.waiting); }},
        {"weir_node_in_flight", "gauge", "Messages handed to the node's calls, not yet committed",
         [](const store::QueueInfo&, const engine::NodeStatus* n) {
           return n ? double(n->in_flight) : 0.0;
         }},
        {"weir_node_processed_total", "counter", "Messages the node finished (acknowledged)",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.done); }},
        {"weir_node_failed_total", "counter", "Messages sent to the trash from the node",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.failed); }},
        {"weir_node_retried_total", "counter", "Deliveries that ended in retry later",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.retried); }},
        {"weir_node_stopped_total", "counter",
         "Messages the node ended on purpose with nothing going on (filtered, e.g. unchanged)",
         [](const store::QueueInfo& q, const engine::NodeStatus*) { return double(q.stopped); }},
    };
    for (const Family& f : families) {
      w.family(f.name, f.type, f.help);
      for (const auto& q : *queues) {
        auto n = by_queue.find(q.id);
        w.sample(f.name, node_labels(q.topology, q.node),
                 f.value(q, n == by_queue.end() ? nullptr : n->second));
      }
    }
  }

  w.family("weir_node_call_seconds", "histogram",
           "Duration of the node's process() calls (a call takes up to max_batch messages)");
  for (const auto& n : nodes) {
    const std::string labels = node_labels(n.topology, n.node);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < n.call_buckets.size(); ++i) {
      cumulative += n.call_buckets[i];
      const std::string le = i < engine::CallHistogram::kBounds.size()
                                 ? number(engine::CallHistogram::kBounds[i])
                                 : "+Inf";
      w.sample("weir_node_call_seconds_bucket", labels + ",le=\"" + le + "\"", double(cumulative));
    }
    w.sample("weir_node_call_seconds_sum", labels, double(n.call_sum_us) / 1e6);
    w.sample("weir_node_call_seconds_count", labels, double(n.calls));
  }

  if (auto trash = store.trash_count()) {
    w.family("weir_trash_entries", "gauge", "Messages in the trash");
    w.sample("weir_trash_entries", "", double(*trash));
  }
  if (auto counts = store.process_counts()) {
    w.family("weir_processes", "gauge",
             "Processes in the store per topology and state (finished ones are pruned after "
             "store.keep_processes)");
    for (const auto& c : *counts) {
      w.sample("weir_processes",
               "topology=\"" + label(c.topology) + "\",state=\"" + store::to_string(c.state) + "\"",
               double(c.count));
    }
  }
  w.family("weir_webhook_requests_total", "counter", "Webhook requests by answer");
  for (const auto& [code, n] : webhook_answers) {
    w.sample("weir_webhook_requests_total",
             "code=\"" + (code ? std::to_string(code) : std::string("other")) + "\"", double(n));
  }
  write_apps(w, apps, limiters);
  return w.text();
}

}  // namespace weir::metrics
