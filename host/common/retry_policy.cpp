#include "common/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/duration.hpp"

namespace weir {

std::chrono::milliseconds RetryPolicy::wait_before(int next_attempt,
                                                   std::chrono::milliseconds hint,
                                                   double unit_random) const {
  const int retries_before = std::max(0, next_attempt - 2);
  double base = static_cast<double>(delay.count()) * std::pow(multiplier, retries_before);
  base = std::min(base, static_cast<double>(max_delay.count()));
  const double spread = 1.0 + jitter * (2.0 * unit_random - 1.0);
  const auto planned = std::chrono::milliseconds(static_cast<std::int64_t>(base * spread));
  return std::max(planned, hint);  // the node's own delay wins when longer
}

RetryPolicy RetryOverrides::over(const RetryPolicy& base) const {
  RetryPolicy p = base;
  if (max_attempts) p.max_attempts = *max_attempts;
  if (delay) p.delay = *delay;
  if (multiplier) p.multiplier = *multiplier;
  if (max_delay) p.max_delay = *max_delay;
  if (jitter) p.jitter = *jitter;
  return p;
}

namespace {

using ErrorFn = std::function<void(int, const std::string&)>;

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

std::optional<double> number(const YAML::Node& v, double lo, double hi, const std::string& key,
                             const ErrorFn& error) {
  try {
    double d = v.as<double>();
    if (d >= lo && d <= hi) return d;
  } catch (const YAML::Exception&) {
  }
  error(line_of(v), "retry." + key + " must be a number from " + std::to_string(lo).substr(0, 3) +
                        " to " + std::to_string(hi).substr(0, 3) + ", got '" + v.Scalar() + "'");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> duration(const YAML::Node& v, const std::string& key,
                                                  const ErrorFn& error) {
  if (v.IsScalar()) {
    if (auto d = parse_duration(v.Scalar())) return d;
  }
  error(line_of(v), "retry." + key + " must be a duration such as 500ms, 30s, 5m or 1h, got '" +
                        (v.IsScalar() ? v.Scalar() : std::string("a non-scalar")) + "'");
  return std::nullopt;
}

}  // namespace

RetryOverrides read_retry(const YAML::Node& map, const ErrorFn& error) {
  RetryOverrides r;
  if (!map.IsMap()) {
    error(line_of(map), "retry must be a mapping (max_attempts, delay, multiplier, max_delay, "
                        "jitter)");
    return r;
  }
  static const std::set<std::string> kKeys = {"max_attempts", "delay", "multiplier", "max_delay",
                                              "jitter"};
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (!kKeys.count(key)) {
      error(line_of(kv.first), "unknown key 'retry." + key +
                                   "' (known: delay, jitter, max_attempts, max_delay, multiplier)");
    } else if (key == "max_attempts") {
      if (auto n = number(v, 1, 1000, key, error)) {
        if (*n == std::floor(*n)) r.max_attempts = static_cast<int>(*n);
        else error(line_of(v), "retry.max_attempts must be a whole number");
      }
    } else if (key == "delay") {
      r.delay = duration(v, key, error);
    } else if (key == "max_delay") {
      r.max_delay = duration(v, key, error);
    } else if (key == "multiplier") {
      r.multiplier = number(v, 1, 100, key, error);
    } else if (key == "jitter") {
      r.jitter = number(v, 0, 1, key, error);
    }
  }
  return r;
}

}  // namespace weir
