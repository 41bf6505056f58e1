// Webhooks as WooCommerce keeps and delivers them.
//
// - Creating one sends a ping at once (inside the create request, as
//   WC_Webhook::deliver_ping does): a form body "webhook_id=N".
// - An event (product.updated, order.created, ...) queues one delivery per
//   active webhook of that topic; the same resource twice within one
//   request is delivered once. A delivery thread builds the payload when it
//   sends it (so it shows the resource's state then, not at the event) and
//   POSTs it with the X-WC-Webhook-* headers; the signature is base64
//   HMAC-SHA256 of the body under the webhook's secret.
// - X-WC-Webhook-Delivery-ID is, as in WooCommerce, a hash of the webhook
//   id and the current second: deliveries of one webhook within the same
//   second carry the same id.
// - 2xx, 301 and 302 are success (the failure count goes back to 0).
//   Anything else, or no answer, is a failure, never retried; a webhook
//   failing while its count is already above 5 (the 7th failure in a row)
//   is set to "disabled".
//
// Thread-safe: its own mutex guards the webhooks and the queue.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "rest_reply.hpp"
#include "site_clock.hpp"

namespace weir::sims::woo {

struct Webhook {
  std::int64_t id = 0;
  std::string name;
  std::string status = "active";  // active, paused, disabled
  std::string topic;              // "order.created"
  std::string delivery_url;
  std::string secret;
  std::string site;  // X-WC-Webhook-Source
  std::int64_t created = 0;
  std::int64_t modified = 0;
  int failure_count = 0;
};

struct Event {
  std::string topic;  // "product.updated"
  std::int64_t resource_id = 0;
};

class WebhookHub {
 public:
  // Builds a payload at delivery time: (resource, id) -> JSON body, or
  // nullopt when the resource is gone (then {"id": N} is sent).
  using PayloadBuilder =
      std::function<std::optional<std::string>(const std::string&, std::int64_t)>;

  WebhookHub(PayloadBuilder build, std::string default_secret);
  ~WebhookHub();
  WebhookHub(const WebhookHub&) = delete;
  WebhookHub& operator=(const WebhookHub&) = delete;

  // Validates and stores a webhook from a REST body, then pings it.
  // Must be called without the shop's lock (the ping blocks).
  std::variant<Webhook, RestError> create(const Json& body, const std::string& site,
                                          std::int64_t now);
  std::variant<Webhook, RestError> update(std::int64_t id, const Json& body, std::int64_t now);
  std::optional<Webhook> find(std::int64_t id);
  std::optional<Webhook> erase(std::int64_t id);
  std::vector<Webhook> all();

  // Queues deliveries for `events` (one request's), deduplicated.
  void publish(const std::vector<Event>& events);

  struct Counts {
    std::int64_t delivered = 0, failed = 0, pings = 0;
  };
  Counts counts();

 private:
  struct Job {
    std::int64_t webhook_id;
    std::string topic;
    std::int64_t resource_id;
  };
  void run();
  void deliver(const Job& job);
  void record(std::int64_t webhook_id, bool ok);

  PayloadBuilder build_;
  std::string default_secret_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::int64_t, Webhook> hooks_;  // guarded by mu_
  std::deque<Job> queue_;                  // guarded by mu_
  std::int64_t last_id_ = 0;               // guarded by mu_
  Counts counts_;                          // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  std::thread worker_;
};

Json render_webhook(const Webhook& w, const SiteClock& clock);

}  // namespace weir::sims::woo
