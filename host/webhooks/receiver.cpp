// Webhook triggers: POST /hooks/<topology>/<trigger>. A request is checked in this
// order, and answered as an e-shop's delivery code expects:
//   404  no such topology or webhook trigger
//   405  not a POST
//   413  over the trigger's max_body (the server refuses over the host's)
//   200  WooCommerce's ping on webhook creation: a form body "webhook_id=N"
//        without signature; nothing is started
//   500  the trigger's secret is not available (env var unset, file unreadable)
//   401  signature missing or wrong; nothing is stored
//   400  the body is not JSON (with the parse error's byte position)
//   202  {"process": id}: the process is committed (durable) before this
//   503  the store cannot take it now (disk full, shutting down), with
//        Retry-After; nothing of it was stored
// Answers before the signature is checked (404, 500) name nothing of the
// configuration (no topology list, no variable or file name): the caller
// may be anyone. The log line says what is missing or what exists.
// The signature headers never reach the stored message.
#include "webhooks/receiver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <weir/payload.hpp>

#include "http/router.hpp"
#include "message/json_msgpack.hpp"
#include "signature.hpp"

namespace weir::webhooks {

using http::Request;
using http::Respond;
using http::Response;

namespace {

using Json = nlohmann::json;

Response text(int status, std::string body) { return http::text_response(status, std::move(body)); }

Response json(int status, const Json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump() + "\n";
  return r;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr const char* kWooSignature = "x-wc-webhook-signature";

// How old the queued count of the entry nodes may be (see entry_depth).
constexpr std::int64_t kDepthRefreshMs = 250;

// WooCommerce sends "webhook_id=<n>" (form-encoded, unsigned) when a
// webhook is created, to check the URL answers.
bool is_woocommerce_ping(const Request& r) {
  const std::string& b = r.body;
  if (b.rfind("webhook_id=", 0) != 0 || b.size() == 11 || b.size() > 32) return false;
  for (std::size_t i = 11; i < b.size(); ++i) {
    if (b[i] < '0' || b[i] > '9') return false;
  }
  return true;
}

// A hook for `spec` of `topology`: where its secret is read from and which
// header carries its signature.
Hook make_hook(const std::string& topology, const topology::TriggerSpec& spec,
               std::size_t host_max_body) {
  const auto& w = *spec.webhook;
  Hook h{topology, spec, nullptr, "", w.max_body ? w.max_body : host_max_body};
  if (w.signature == "none") return h;
  h.signature_header = w.signature == "woocommerce" ? kWooSignature : lower(w.header);
  if (!w.secret_env.empty()) h.secret = SecretSource::from_env(w.secret_env);
  if (!w.secret_file.empty()) h.secret = SecretSource::from_file(w.secret_file);
  return h;
}

// A request header that goes with the message: the sender's x-* headers,
// except any signature (a signature is no use downstream, and with the body
// it is an oracle for the secret).
bool is_stored_header(const std::string& name, const Hook& hook) {
  return name.rfind("x-", 0) == 0 && name != kWooSignature && name != hook.signature_header;
}

}  // namespace

void StatusCounts::count(int status) {
  std::size_t i = 0;
  while (i + 1 < kCodes.size() && kCodes[i] != status) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::pair<int, std::uint64_t>> StatusCounts::snapshot() const {
  std::vector<std::pair<int, std::uint64_t>> out;
  for (std::size_t i = 0; i < kCodes.size(); ++i) out.emplace_back(kCodes[i], counts_[i].load());
  return out;
}

Receiver::Receiver(engine::ProcessStarter& starter, store::Store& store,
                   const std::vector<topology::Topology>& topologies, std::size_t max_body,
                   std::int64_t max_queued, const Clock& clock)
    : starter_(starter),
      store_(store),
      max_body_(max_body),
      max_queued_(max_queued),
      clock_(clock) {
  set_topologies(topologies);
}

void Receiver::set_topologies(const std::vector<topology::Topology>& topologies) {
  auto routes = std::make_shared<Routes>();
  for (const auto& t : topologies) {
    if (!t.enabled) continue;
    routes->topology_names.push_back(t.name);
    // Where its processes start: the entry nodes, and a webhook's `start:`
    // node (the queue a flood of deliveries fills, which max_queued caps).
    auto& entries = routes->entry_nodes[t.name];
    entries = t.entry_nodes();
    for (const auto& spec : t.triggers) {
      if (spec.webhook && !spec.start.empty() &&
          std::find(entries.begin(), entries.end(), spec.start) == entries.end()) {
        entries.push_back(spec.start);
      }
    }
    auto& hooks = routes->hooks[t.name];
    for (const auto& spec : t.triggers) {
      if (!spec.webhook) continue;
      Hook h = make_hook(t.name, spec, max_body_);
      if (h.secret) {
        if (auto secret = h.secret->get(); !secret) {
          spdlog::error(
              "webhook {}/{}: {}; it answers 500 until the secret is there (read at "
              "each request)",
              t.name, spec.id, secret.error());
        }
      }
      hooks.push_back(std::move(h));
    }
  }
  std::lock_guard lock(routes_mu_);
  routes_ = std::move(routes);
}

std::shared_ptr<const Receiver::Routes> Receiver::routes() const {
  std::lock_guard lock(routes_mu_);
  return routes_;
}

// The store counts queued messages per queue; a count per request would
// cost more than the request, so it is refreshed at most every 250 ms (a
// burst may overshoot the cap by what arrives in that time). A clock that
// went back counts again at once rather than trust an old count.
std::int64_t Receiver::entry_depth(const Routes& routes, const std::string& topology) {
  std::lock_guard lock(depth_mu_);
  const std::int64_t now = clock_.now_ms();
  if (depth_at_ms_ == 0 || now - depth_at_ms_ > kDepthRefreshMs || now < depth_at_ms_) {
    auto queues = store_.queues();
    if (!queues) return -1;
    depth_.clear();
    for (const auto& q : *queues) {
      auto entries = routes.entry_nodes.find(q.topology);
      if (entries != routes.entry_nodes.end() &&
          std::find(entries->second.begin(), entries->second.end(), q.node) !=
              entries->second.end()) {
        depth_[q.topology] += q.queued;
      }
    }
    depth_at_ms_ = now;
  }
  return depth_[topology];
}

void Receiver::count_refused(int status) { answers_.count(status); }

Respond Receiver::counted(Respond respond) {
  return [this, respond = std::move(respond)](Response r) {
    answers_.count(r.status);
    respond(std::move(r));
  };
}

void Receiver::handle(Request&& request, Respond answer) {
  Respond respond = counted(std::move(answer));
  // /hooks/<topology>/<trigger> (the router sends only paths under kPathPrefix)
  const std::string rest = request.path.substr(std::min(request.path.size(), kPathPrefix.size()));
  const auto slash = rest.find('/');
  const std::string topology = rest.substr(0, slash);
  const std::string trigger = slash == std::string::npos ? "" : rest.substr(slash + 1);
  const auto routes = this->routes();  // keeps `hook` valid through a reload
  auto t = routes->hooks.find(topology);
  if (t == routes->hooks.end()) {
    spdlog::info("webhook {}: no topology '{}' (this host runs: {}); answered 404", request.path,
                 topology, joined(routes->topology_names));
    return respond(text(404, "no such webhook"));
  }
  const Hook* hook = nullptr;
  std::vector<std::string> ids;
  for (const auto& h : t->second) {
    ids.push_back(h.spec.id);
    if (h.spec.id == trigger) hook = &h;
  }
  if (!hook) {
    spdlog::info("webhook {}: topology {} has no webhook trigger '{}' (it has: {}); answered 404",
                 request.path, topology, trigger, joined(ids));
    return respond(text(404, "no such webhook"));
  }
  if (request.method != "POST") {
    Response r = text(405, "webhooks take POST");
    r.headers.emplace_back("Allow", "POST");
    return respond(std::move(r));
  }
  if (request.body.size() > hook->max_body) {
    return respond(text(413, "body of " + std::to_string(request.body.size()) +
                                 " bytes is over this webhook's limit of " +
                                 std::to_string(hook->max_body)));
  }
  if (is_woocommerce_ping(request)) {
    spdlog::info("webhook {}/{}: ping from WooCommerce ({}); nothing started", topology, trigger,
                 request.body);
    return respond(text(200, "pong"));
  }
  const auto& w = *hook->spec.webhook;
  if (w.signature != "none") {  // fails closed: a signed hook without a secret takes nothing
    auto secret = hook->secret ? hook->secret->get()
                               : Result<std::string>(Status::error("no secret_env or secret_file"));
    if (!secret) {
      spdlog::error("webhook {}/{}: cannot check signatures: {}; answered 500", topology, trigger,
                    secret.error());
      return respond(text(500, "webhook not configured on this host"));
    }
    const std::string header = w.signature == "woocommerce" ? "X-WC-Webhook-Signature" : w.header;
    const std::string given = request.header(header);
    if (given.empty()) return respond(text(401, "missing signature header " + header));
    if (!signature_matches(w, secret.value(), given, request.body)) {
      spdlog::warn("webhook {}/{}: bad signature from {}", topology, trigger, request.remote);
      return respond(text(401, "signature in " + header + " does not match the body"));
    }
  }
  if (max_queued_ > 0) {
    const std::int64_t depth = entry_depth(*routes, topology);
    if (depth >= max_queued_) {
      Response r = text(503, "topology " + topology + " has " + std::to_string(depth) +
                                 " messages waiting at its first node(s), over the cap of " +
                                 std::to_string(max_queued_) +
                                 " (weir.yaml http.max_queued); "
                                 "try again later");
      r.headers.emplace_back("Retry-After", "5");
      return respond(std::move(r));
    }
  }
  // Parsed straight into the message payload (no JSON document in between).
  auto body = message::json_text_to_msgpack(request.body);
  if (!body) {
    // The parser's text names line and column (the byte position, for one-line bodies).
    return respond(text(400, "body is not JSON: " + body.error()));
  }
  // The delivery's identity and topic go with the message as headers.
  Headers headers = {{"webhook", topology + "/" + trigger}};
  for (const auto& [name, value] : request.headers) {
    if (is_stored_header(name, *hook)) headers[name] = value;
  }
  std::string correlation = request.header("X-WC-Webhook-Delivery-ID");
  if (correlation.empty()) correlation = request.header("X-Request-ID");
  engine::StartRequest start{std::move(body).value(), payload::encode_headers(headers),
                             correlation};
  start.start_node = hook->spec.start;
  starter_.start_processes_async(topology, {std::move(start)},
                                 [respond = std::move(respond), topology](engine::StartResult r) {
                                   if (r && !r->empty())
                                     return respond(json(202, Json{{"process", r->front()}}));
                                   const std::string why = r ? "nothing was started" : r.error();
                                   spdlog::error("webhook {}: {}", topology, why);
                                   // The store cannot take it now (disk full) or the host is
                                   // stopping: nothing was stored, and later is worth a try.
                                   Response out = text(503, "cannot accept now: " + why);
                                   out.headers.emplace_back("Retry-After", "5");
                                   respond(std::move(out));
                                 });
}

}  // namespace weir::webhooks
