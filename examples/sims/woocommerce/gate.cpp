#include "gate.hpp"

#include <algorithm>
#include <cmath>

namespace weir::sims::woo {

std::optional<RetryAfter> parse_retry_after(const std::string& text) {
  if (text == "always") return RetryAfter::kAlways;
  if (text == "never") return RetryAfter::kNever;
  if (text == "sometimes") return RetryAfter::kSometimes;
  return std::nullopt;
}

namespace {

Response html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=UTF-8";
  r.body = std::move(body);
  return r;
}

constexpr const char* k508 =
    "<!DOCTYPE html>\n<html><head><title>508 Resource Limit Is Reached</title></head>"
    "<body><h1>Resource Limit Is Reached</h1>The website is temporarily unable to service "
    "your request as it exceeded resource limit. Please try again later.</body></html>\n";
constexpr const char* k429 =
    "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>"
    "<body><h1>Too Many Requests</h1>You have sent too many requests in a given amount of "
    "time.</body></html>\n";
constexpr const char* k503 =
    "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>"
    "<p>Briefly unavailable for scheduled maintenance. Check back in a minute.</p>"
    "</body></html>\n";

}  // namespace

void Gate::configure(const GateSettings& s) {
  std::lock_guard lock(mu_);
  s_ = s;
  tokens_ = s.burst;
  refilled_ = Clock::now();
}

GateSettings Gate::settings() {
  std::lock_guard lock(mu_);
  return s_;
}

void Gate::outage(std::chrono::milliseconds length) {
  std::lock_guard lock(mu_);
  outage_until_ = Clock::now() + length;
}

std::optional<Response> Gate::enter(int* in_flight) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  if (now < outage_until_) {
    Response r = html(503, k503);
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(outage_until_ - now).count();
    r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, left)));
    return r;
  }
  if (s_.max_concurrent > 0 && in_flight_ + 1 > s_.max_concurrent) return html(508, k508);
  if (s_.rate > 0) {
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(s_.burst, tokens_ + elapsed * s_.rate);
    refilled_ = now;
    if (tokens_ < 1) {
      Response r = html(429, k429);
      const bool with = s_.retry_after == RetryAfter::kAlways ||
                        (s_.retry_after == RetryAfter::kSometimes && refusals_ % 2 == 0);
      ++refusals_;
      if (with) {
        const double wait = std::ceil((1 - tokens_) / s_.rate);
        r.headers.emplace_back("Retry-After", std::to_string(std::max(1, static_cast<int>(wait))));
      }
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

}  // namespace weir::sims::woo
