// /metrics (prometheus.hpp). A scrape must stay cheap however large the
// store grows: processes per state, the trash's size and the queue depths
// are counts the store keeps as rows change (sqlite_counts.cpp and the
// store's depths), not scans of tables with millions of rows
// (bench/metrics.cpp measures both).
#include "metrics/prometheus.hpp"

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

}  // namespace

std::string prometheus_text(const engine::Engine& engine, store::Store& store,
                            const std::vector<std::pair<int, std::uint64_t>>& webhook_answers) {
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
  return w.text();
}

}  // namespace weir::metrics
