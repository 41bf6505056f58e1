#include "webhooks.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <tuple>

#include "auth.hpp"
#include "hook_client.hpp"

namespace weir::sims::woo {

namespace {

constexpr const char* kUserAgent = "WooCommerce/9.4.0 Hookshot (WordPress/6.7.1)";
constexpr std::chrono::seconds kTimeout{60};  // MINUTE_IN_SECONDS

bool valid_topic(const std::string& topic) {
  static const std::set<std::string> kResources = {"coupon", "customer", "order", "product"};
  static const std::set<std::string> kEvents = {"created", "updated", "deleted", "restored"};
  const auto dot = topic.find('.');
  if (dot == std::string::npos) return false;
  const std::string resource = topic.substr(0, dot), event = topic.substr(dot + 1);
  return (kResources.count(resource) && kEvents.count(event)) ||
         (resource == "action" && !event.empty());
}

std::string hex(const std::string& raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

Json render_webhook(const Webhook& w, const SiteClock& clock) {
  const auto dot = w.topic.find('.');
  const std::string base = w.site + "/wp-json/wc/v3/webhooks";
  return Json{{"id", w.id},
              {"name", w.name},
              {"status", w.status},
              {"topic", w.topic},
              {"resource", w.topic.substr(0, dot)},
              {"event", w.topic.substr(dot + 1)},
              {"hooks", Json::array({"woocommerce_" + w.topic})},
              {"delivery_url", w.delivery_url},
              {"date_created", clock.site(w.created)},
              {"date_created_gmt", clock.gmt(w.created)},
              {"date_modified", clock.site(w.modified)},
              {"date_modified_gmt", clock.gmt(w.modified)},
              {"_links",
               {{"self", Json::array({{{"href", base + "/" + std::to_string(w.id)}}})},
                {"collection", Json::array({{{"href", base}}})}}}};
}

WebhookHub::WebhookHub(PayloadBuilder build, std::string default_secret)
    : build_(std::move(build)), default_secret_(std::move(default_secret)) {
  worker_ = std::thread([this] { run(); });
}

WebhookHub::~WebhookHub() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::variant<Webhook, RestError> WebhookHub::create(const Json& body, const std::string& site,
                                                    std::int64_t now) {
  std::vector<std::string> missing;
  for (const char* k : {"topic", "delivery_url"}) {
    if (!body.is_object() || !body.contains(k)) missing.push_back(k);
  }
  if (!missing.empty()) {
    std::string names = missing[0] + (missing.size() > 1 ? ", " + missing[1] : "");
    RestError e = make_error(400, "rest_missing_callback_param", "Missing parameter(s): " + names);
    e.data["params"] = missing;
    return e;
  }
  Webhook w;
  w.topic = body["topic"].is_string() ? body["topic"].get<std::string>() : "";
  w.delivery_url = body["delivery_url"].is_string() ? body["delivery_url"].get<std::string>() : "";
  if (!valid_topic(w.topic)) {
    return make_error(400, "woocommerce_rest_webhook_invalid_topic",
                      "Webhook topic is required and must be valid.");
  }
  if (w.delivery_url.rfind("http://", 0) != 0 && w.delivery_url.rfind("https://", 0) != 0) {
    return make_error(
        400, "woocommerce_rest_webhook_invalid_delivery_url",
        "Webhook delivery URL must be a valid URL starting with http:// or https://.");
  }
  w.name = body.value("name", "Webhook created on " + SiteClock::format(now));
  w.status = body.value("status", std::string("active"));
  w.secret = body.value("secret", std::string());
  if (w.secret.empty()) w.secret = default_secret_;
  w.site = site;
  w.created = w.modified = now;
  {
    std::lock_guard lock(mu_);
    w.id = ++last_id_;
    hooks_[w.id] = w;
    ++counts_.pings;
  }
  // The ping: WooCommerce sends it within the create request and ignores
  // its outcome for the answer.
  const PostResult r =
      http_post(w.delivery_url, "webhook_id=" + std::to_string(w.id),
                {{"User-Agent", kUserAgent}, {"Content-Type", "application/x-www-form-urlencoded"}},
                std::chrono::seconds(5));
  if (r.status == 0)
    std::cerr << "weir-sim-woocommerce: ping of webhook " << w.id << " failed: " << r.error << '\n';
  return w;
}

std::variant<Webhook, RestError> WebhookHub::update(std::int64_t id, const Json& body,
                                                    std::int64_t now) {
  std::lock_guard lock(mu_);
  auto it = hooks_.find(id);
  if (it == hooks_.end())
    return make_error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.");
  Webhook w = it->second;
  if (body.contains("topic")) {
    if (!body["topic"].is_string() || !valid_topic(body["topic"])) {
      return make_error(400, "woocommerce_rest_webhook_invalid_topic",
                        "Webhook topic is required and must be valid.");
    }
    w.topic = body["topic"];
  }
  if (body.contains("name") && body["name"].is_string()) w.name = body["name"];
  if (body.contains("delivery_url") && body["delivery_url"].is_string())
    w.delivery_url = body["delivery_url"];
  if (body.contains("secret") && body["secret"].is_string()) w.secret = body["secret"];
  if (body.contains("status") && body["status"].is_string()) {
    w.status = body["status"];
    if (w.status == "active") w.failure_count = 0;
  }
  w.modified = now;
  it->second = w;
  return w;
}

std::optional<Webhook> WebhookHub::find(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto it = hooks_.find(id);
  if (it == hooks_.end()) return std::nullopt;
  return it->second;
}

std::optional<Webhook> WebhookHub::erase(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto it = hooks_.find(id);
  if (it == hooks_.end()) return std::nullopt;
  Webhook w = it->second;
  hooks_.erase(it);
  return w;
}

std::vector<Webhook> WebhookHub::all() {
  std::lock_guard lock(mu_);
  std::vector<Webhook> out;
  for (const auto& [id, w] : hooks_) out.push_back(w);
  return out;
}

WebhookHub::Counts WebhookHub::counts() {
  std::lock_guard lock(mu_);
  return counts_;
}

void WebhookHub::publish(const std::vector<Event>& events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(mu_);
    std::set<std::tuple<std::int64_t, std::int64_t>> seen;  // (webhook, resource) this request
    for (const Event& e : events) {
      for (const auto& [id, w] : hooks_) {
        if (w.status != "active" || w.topic != e.topic) continue;
        if (!seen.emplace(id, e.resource_id).second) continue;
        queue_.push_back({id, e.topic, e.resource_id});
      }
    }
  }
  wake_.notify_all();
}

void WebhookHub::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const Job job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    deliver(job);
    lock.lock();
  }
}

void WebhookHub::deliver(const Job& job) {
  const std::optional<Webhook> w = find(job.webhook_id);
  if (!w) return;
  const auto dot = job.topic.find('.');
  const std::string resource = job.topic.substr(0, dot), event = job.topic.substr(dot + 1);
  std::optional<std::string> payload;
  if (event != "deleted") payload = build_(resource, job.resource_id);
  const std::string body = payload ? *payload : Json{{"id", job.resource_id}}.dump();
  const std::int64_t second = now_seconds();
  const std::string delivery_id =
      hex(hmac("sha256", "wp-salt", std::to_string(w->id) + std::to_string(second))).substr(0, 32);
  const PostResult r =
      http_post(w->delivery_url, body,
                {{"User-Agent", kUserAgent},
                 {"Content-Type", "application/json"},
                 {"X-WC-Webhook-Source", w->site + "/"},
                 {"X-WC-Webhook-Topic", job.topic},
                 {"X-WC-Webhook-Resource", resource},
                 {"X-WC-Webhook-Event", event},
                 {"X-WC-Webhook-Signature", base64_encode(hmac("sha256", w->secret, body))},
                 {"X-WC-Webhook-ID", std::to_string(w->id)},
                 {"X-WC-Webhook-Delivery-ID", delivery_id}},
                kTimeout);
  if (r.status == 0) {
    std::cerr << "weir-sim-woocommerce: webhook " << w->id << " delivery failed: " << r.error
              << '\n';
  }
  record(w->id, r.status >= 200 && r.status < 303);
}

void WebhookHub::record(std::int64_t webhook_id, bool ok) {
  std::lock_guard lock(mu_);
  ok ? ++counts_.delivered : ++counts_.failed;
  auto it = hooks_.find(webhook_id);
  if (it == hooks_.end()) return;
  Webhook& w = it->second;
  if (ok) {
    w.failure_count = 0;
  } else if (w.failure_count > 5) {
    w.status = "disabled";
  } else {
    ++w.failure_count;
  }
}

}  // namespace weir::sims::woo
