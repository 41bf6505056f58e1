#include "erp_sim.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include "errors.hpp"

namespace weir::sims::erp {
namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i]) << 16 |
                                         static_cast<unsigned char>(in[i + 1]) << 8 |
                                         static_cast<unsigned char>(in[i + 2]));
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i]) << 16);
    out += std::string{kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63]} + "==";
  } else if (i + 2 == in.size()) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i]) << 16 |
                                         static_cast<unsigned char>(in[i + 1]) << 8);
    out +=
        std::string{kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63]} + "=";
  }
  return out;
}

}  // namespace

ErpSim::ErpSim(const SimOptions& options)
    : parts_(std::make_unique<Parts>(options, SimClock().now())), api_(*parts_), control_(*parts_) {
  const AuthConfig& a = options.auth;
  if (a.kind == AuthConfig::Kind::kBasic)
    expected_authorization_ = "Basic " + base64(a.user + ":" + a.password);
  if (a.kind == AuthConfig::Kind::kBearer) expected_authorization_ = "Bearer " + a.token;
}

namespace {

// A picture as the ERP's CDN serves it: a small baseline JPEG (SOI, JFIF,
// a comment naming the file, a frame header with a size made from the
// name, EOI), so a client that checks the image (Magento does) finds one,
// and another name is other bytes.
Response image(const std::string& name) {
  Response r;
  if (name.size() < 5 || name.find('/') != std::string::npos ||
      name.compare(name.size() - 4, 4, ".jpg") != 0) {
    r.status = 404;
    r.content_type = "text/plain";
    r.body = "no such image\n";
    return r;
  }
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  const unsigned width = 200 + h % 800, height = 200 + (h >> 10) % 800;
  std::string b = {'\xFF', '\xD8', '\xFF', '\xE0', 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
  const std::string comment = "weir-sim-erp " + name;
  b += {'\xFF', '\xFE', static_cast<char>((comment.size() + 2) >> 8),
        static_cast<char>((comment.size() + 2) & 0xFF)};
  b += comment;
  b += {'\xFF', '\xC0', 0, 17, 8, static_cast<char>(height >> 8), static_cast<char>(height & 0xFF),
        static_cast<char>(width >> 8), static_cast<char>(width & 0xFF), 3, 1, 0x22, 0, 2, 0x11, 1,
        3, 0x11, 1};
  b += {'\xFF', '\xD9'};
  r.content_type = "image/jpeg";
  r.body = std::move(b);
  return r;
}

}  // namespace

Response ErpSim::handle(const Request& req) {
  set_request_host(req.header("host"));  // for image URLs with --image-base self
  if (req.method == "GET" && req.path.starts_with("/img/")) {
    parts_->stats.images_served.add();
    return image(req.path.substr(5));
  }
  if (req.path.starts_with("/_sim/")) {
    try {
      return control_.handle(req);
    } catch (const nlohmann::json::exception& e) {
      Response r;
      r.status = 400;
      r.body =
          nlohmann::json{{"error", std::string("a field has the wrong type: ") + e.what()}}.dump();
      return r;
    }
  }
  const auto route = api_.match(req);
  struct InFlight {
    std::atomic<long>& n;
    explicit InFlight(std::atomic<long>& count) : n(count) { ++n; }
    ~InFlight() { --n; }
  };
  Response r;
  {
    InFlight counted(parts_->stats.in_flight);
    r = api_call(req, route);
  }
  parts_->stats.record(req.method, route ? route->pattern : "(unknown)", r.status);
  return r;
}

Response ErpSim::api_call(const Request& req, const std::optional<Route>& route) {
  const Style& s = parts_->style;
  if (const int left = parts_->faults.outage_left()) {
    parts_->stats.faults_injected.add();
    Response r = error_response(s, 503, "service_unavailable", "the ERP is down for maintenance");
    r.headers.emplace_back("Retry-After", std::to_string(left));
    return r;
  }
  if (const int ms = parts_->faults.latency_ms()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  if (const auto status = parts_->faults.spoil()) {
    parts_->stats.faults_injected.add();
    Response r = error_response(s, *status, "injected_fault", "the ERP failed (injected)");
    if (*status == 429 || *status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (auto refused = check_auth(req)) return *refused;
  if (!route) return error_response(s, 404, "not_found", "no route " + req.method + " " + req.path);
  return api_.handle(req, *route);
}

std::optional<Response> ErpSim::check_auth(const Request& req) const {
  if (expected_authorization_.empty() || req.header("authorization") == expected_authorization_) {
    return std::nullopt;
  }
  const bool basic = parts_->auth.kind == AuthConfig::Kind::kBasic;
  Response r = error_response(
      parts_->style, 401, "unauthorized",
      req.header("authorization").empty() ? "credentials are missing" : "credentials are wrong");
  r.headers.emplace_back("WWW-Authenticate",
                         basic ? "Basic realm=\"erp\"" : "Bearer realm=\"erp\"");
  return r;
}

}  // namespace weir::sims::erp
