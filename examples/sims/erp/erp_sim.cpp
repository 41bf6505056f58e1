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

Response ErpSim::handle(const Request& req) {
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
  Response r = api_call(req, route);
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
