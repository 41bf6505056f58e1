#include "gate.hpp"

#include <algorithm>
#include <cmath>

namespace weir::sims::mage {

namespace {

Response html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=UTF-8";
  r.body = std::move(body);
  return r;
}

constexpr const char* kBusy =
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily "
    "Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n";
constexpr const char* k429 =
    "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
    "<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n";
constexpr const char* kMaintenance =
    "<!doctype html>\n<html><head><title>Error 503: Service Unavailable</title></head><body>"
    "<h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service "
    "your request due to maintenance downtime or capacity problems. Please try again later.</p>"
    "</body></html>\n";

}  // namespace

void Gate::configure(const GateSettings& s) {
  std::lock_guard lock(mu_);
  s_ = s;
  tokens_ = s.burst;
  refilled_ = Clock::now();
}

void Gate::outage(std::chrono::milliseconds length) {
  std::lock_guard lock(mu_);
  outage_until_ = Clock::now() + length;
}

std::optional<Response> Gate::enter(int* in_flight) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  if (now < outage_until_) {
    Response r = html(503, kMaintenance);
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(outage_until_ - now).count();
    r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, left)));
    return r;
  }
  if (s_.max_concurrent > 0 && in_flight_ + 1 > s_.max_concurrent) return html(503, kBusy);
  if (s_.rate > 0) {
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(s_.burst, tokens_ + elapsed * s_.rate);
    refilled_ = now;
    if (tokens_ < 1) {
      Response r = html(429, k429);
      const double wait = std::ceil((1 - tokens_) / s_.rate);
      r.headers.emplace_back("Retry-After", std::to_string(std::max(1, static_cast<int>(wait))));
      return r;
    }
    tokens_ -= 1;
  }
  *in_flight = ++in_flight_;
  return std::nullopt;
}

void Gate::leave() {
  std::lock_guard lock(mu_);
  --in_flight_;
}

}  // namespace weir::sims::mage
