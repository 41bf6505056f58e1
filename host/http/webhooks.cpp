// Face: routing, and webhook triggers. A webhook request is checked in this
// order, and answered as an e-shop's delivery code expects:
//   404  no such topology or webhook trigger (naming what there is)
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
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <weir/payload.hpp>

#include "http/face.hpp"
#include "message/json_msgpack.hpp"

namespace weir::http {
namespace {

using Json = nlohmann::json;

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body) + "\n";
  return r;
}

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

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

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

// Resolves a hook's secret from the environment or a file (trailing
// newline dropped, as secret files usually end with one).
void resolve_secret(Hook& h) {
  const auto& w = *h.spec.webhook;
  if (w.signature == "none") return;
  if (!w.secret_env.empty()) {
    const char* v = std::getenv(w.secret_env.c_str());
    if (!v || !*v) h.problem = "environment variable " + w.secret_env + " is not set";
    else h.secret = v;
  } else if (!w.secret_file.empty()) {
    std::ifstream in(w.secret_file, std::ios::binary);
    if (!in) {
      h.problem = "secret file " + w.secret_file + " cannot be read";
    } else {
      h.secret = trimmed(std::string(std::istreambuf_iterator<char>(in), {}));
      if (h.secret.empty()) h.problem = "secret file " + w.secret_file + " is empty";
    }
  }
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

std::string hmac_signature(const std::string& algorithm, const std::string& encoding,
                           const std::string& secret, const std::string& body) {
  const EVP_MD* md = algorithm == "sha1"     ? EVP_sha1()
                     : algorithm == "sha256" ? EVP_sha256()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (!md) return "";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(md, secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len)) {
    return "";
  }
  if (encoding == "hex") {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[mac[i] >> 4];
      out += kHex[mac[i] & 15];
    }
    return out;
  }
  std::string out(4 * ((len + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac,
                                static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Face::Face(engine::Engine& engine, store::Store& store,
           const std::vector<topology::Topology>& topologies, std::size_t max_body,
           std::int64_t max_queued)
    : engine_(engine), store_(store), max_body_(max_body), max_queued_(max_queued) {
  set_topologies(topologies);
}

void Face::set_topologies(const std::vector<topology::Topology>& topologies) {
  auto routes = std::make_shared<Routes>();
  for (const auto& t : topologies) {
    if (!t.enabled) continue;
    routes->topology_names.push_back(t.name);
    routes->entry_nodes[t.name] = t.entry_nodes();
    auto& hooks = routes->hooks[t.name];
    for (const auto& spec : t.triggers) {
      if (!spec.webhook) continue;
      Hook h{t.name, spec, "", "", spec.webhook->max_body ? spec.webhook->max_body : max_body_};
      resolve_secret(h);
      if (!h.problem.empty()) {
        spdlog::error("webhook {}/{}: {}; it answers 500 until a reload finds the secret", t.name,
                      spec.id, h.problem);
      }
      hooks.push_back(std::move(h));
    }
  }
  std::lock_guard lock(routes_mu_);
  routes_ = std::move(routes);
}

std::shared_ptr<const Face::Routes> Face::routes() const {
  std::lock_guard lock(routes_mu_);
  return routes_;
}

// The store counts queued messages per queue; a count per request would
// cost more than the request, so it is refreshed at most every 250 ms (a
// burst may overshoot the cap by what arrives in that time).
std::int64_t Face::entry_depth(const Routes& routes, const std::string& topology) {
  std::lock_guard lock(depth_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - depth_at_ > std::chrono::milliseconds(250)) {
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
    depth_at_ = now;
  }
  return depth_[topology];
}

void Face::count_refused(const std::string& path, int status) {
  if (path.rfind("/hooks/", 0) == 0) webhook_counts_.count(status);
}

Respond Face::counted(Respond respond) {
  return [this, respond = std::move(respond)](Response r) {
    webhook_counts_.count(r.status);
    respond(std::move(r));
  };
}

void Face::handle(Request&& request, Respond respond) {
  const std::string& path = request.path;
  if (path.rfind("/hooks/", 0) == 0) return webhook(std::move(request), counted(std::move(respond)));
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = text(405, "use GET for " + path);
    r.headers.emplace_back("Allow", "GET");
    return respond(std::move(r));
  }
  if (path == "/healthz") return respond(text(200, "ok"));
  if (path == "/readyz") {
    return respond(ready_ ? text(200, "ready") : text(503, "starting: store, plugins, topologies"));
  }
  if (path == "/metrics") {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_text();
    return respond(std::move(r));
  }
  respond(text(404, "no such path: " + path +
                        " (weir serves /hooks/<topology>/<trigger>, /metrics, /healthz, /readyz)"));
}

void Face::webhook(Request&& request, Respond respond) {
  // /hooks/<topology>/<trigger>
  const std::string rest = request.path.substr(7);
  const auto slash = rest.find('/');
  const std::string topology = rest.substr(0, slash);
  const std::string trigger = slash == std::string::npos ? "" : rest.substr(slash + 1);
  const auto routes = this->routes();  // keeps `hook` valid through a reload
  auto t = routes->hooks.find(topology);
  if (t == routes->hooks.end()) {
    return respond(text(404, "no topology '" + topology + "' (this host runs: " +
                                 joined(routes->topology_names) + ")"));
  }
  const Hook* hook = nullptr;
  std::vector<std::string> ids;
  for (const auto& h : t->second) {
    ids.push_back(h.spec.id);
    if (h.spec.id == trigger) hook = &h;
  }
  if (!hook) {
    return respond(text(404, "topology " + topology + " has no webhook trigger '" + trigger +
                                 "' (it has: " + joined(ids) + ")"));
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
  if (!hook->problem.empty()) {
    return respond(text(500, "webhook " + topology + "/" + trigger +
                                 " cannot check signatures: " + hook->problem));
  }
  if (w.signature != "none") {
    const bool woo = w.signature == "woocommerce";
    const std::string header = woo ? "X-WC-Webhook-Signature" : w.header;
    std::string given = request.header(header);
    if (given.empty()) return respond(text(401, "missing signature header " + header));
    const std::string expected =
        (woo ? "" : w.prefix) + hmac_signature(woo ? "sha256" : w.algorithm,
                                               woo ? "base64" : w.encoding, hook->secret,
                                               request.body);
    if (given.size() != expected.size() ||
        CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0) {
      spdlog::warn("webhook {}/{}: bad signature from {}", topology, trigger, request.remote);
      return respond(text(401, "signature in " + header + " does not match the body"));
    }
  }
  if (max_queued_ > 0) {
    const std::int64_t depth = entry_depth(*routes, topology);
    if (depth >= max_queued_) {
      Response r = text(503, "topology " + topology + " has " + std::to_string(depth) +
                                 " messages waiting at its first node(s), over the cap of " +
                                 std::to_string(max_queued_) + " (weir.yaml http.max_queued); "
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
    if (name.rfind("x-", 0) == 0 && name != "x-wc-webhook-signature") headers[name] = value;
  }
  std::string correlation = request.header("X-WC-Webhook-Delivery-ID");
  if (correlation.empty()) correlation = request.header("X-Request-ID");
  engine::StartRequest start{std::move(body).value(), payload::encode_headers(headers),
                             correlation};
  engine_.start_processes_async(
      topology, {std::move(start)},
      [respond = std::move(respond), topology](engine::StartResult r) {
        if (r && !r->empty()) return respond(json(202, Json{{"process", r->front()}}));
        const std::string why = r ? "nothing was started" : r.error();
        spdlog::error("webhook {}: {}", topology, why);
        // The store cannot take it now (disk full) or the host is stopping:
        // nothing was stored, and later is worth a try.
        Response out = text(503, "cannot accept now: " + why);
        out.headers.emplace_back("Retry-After", "5");
        respond(std::move(out));
      });
}

}  // namespace weir::http
