// The simulated WooCommerce shop: its state and the REST API v3 under
// /wp-json/wc/v3/, plus the control endpoints under /_sim/.
//
// A request passes, in this order: the host (Gate: outage 503, 508, 429),
// WordPress's authentication (a failed signature or secret is a 401 for
// any route), the route (404 rest_no_route), the parameters (400
// rest_invalid_param), the endpoint's permission (anonymous: 401
// woocommerce_rest_cannot_*), then the endpoint.
//
// Threads: handle() runs on many connection threads; mu_ guards the
// catalog and the orders. Webhook deliveries run on the hub's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "auth.hpp"
#include "catalog.hpp"
#include "gate.hpp"
#include "orders.hpp"
#include "product_json.hpp"
#include "rest_reply.hpp"
#include "sim_http.hpp"
#include "site_clock.hpp"
#include "stats.hpp"
#include "webhooks.hpp"

namespace weir::sims::woo {

struct ShopOptions {
  std::uint64_t seed = 1;
  int products = 100;
  int categories = 20;
  int orders = 0;
  Credentials credentials;
  bool https_terminated = false;
  int utc_offset_minutes = 0;
  GateSettings gate;
  std::string webhook_secret;
};

// One request on its way through an endpoint.
struct Call {
  const Request& req;
  std::string method;  // after _method / X-HTTP-Method-Override
  std::string site;    // "http://host:port" (https:// with --https-terminated)
  bool authenticated = false;
  std::optional<Json> body;   // parsed JSON or form body
  std::vector<Event> events;  // webhook events, published after the answer is made
  std::int64_t now = 0;

  const Json& json() const;  // the body, or an empty object
};

class Shop {
 public:
  explicit Shop(const ShopOptions& options);
  Response handle(const Request& req);

 private:
  Response route(Call& c, const std::vector<std::string>& parts);
  Response control(const Request& req);

  // products_api.cpp
  Response products(Call& c, const std::vector<std::string>& parts);
  Response list_products(Call& c, std::int64_t parent);
  Response product_batch(Call& c, std::int64_t parent);
  std::optional<RestError> product_write(Call& c, const Product& base, const Json& body,
                                         Strictness strictness, std::int64_t* id);
  Response delete_product(Call& c, Product* p, bool force);
  // store_api.cpp
  Response categories(Call& c, const std::vector<std::string>& parts);
  Response orders(Call& c, const std::vector<std::string>& parts);
  Response list_orders(Call& c);
  Response order_notes(Call& c, const std::vector<std::string>& parts);
  Response order_batch(Call& c);
  std::optional<RestError> order_write(Call& c, const Order& base, const Json& body, bool strict,
                                       std::int64_t* id);
  Response webhooks(Call& c, const std::vector<std::string>& parts);
  // control_api.cpp
  Response change_products(const Json& body);
  Response make_orders(const Json& body);

  std::optional<std::string> payload(const std::string& resource, std::int64_t id);
  RenderContext render_context(const std::string& site) { return {clock_, site, catalog_}; }

  ShopOptions options_;
  SiteClock clock_;
  Authenticator auth_;
  Gate gate_;
  Stats stats_;
  std::mutex mu_;
  Catalog catalog_;           // guarded by mu_
  OrderBook orders_;          // guarded by mu_
  std::mt19937_64 rng_;       // guarded by mu_ (tie shuffles, /_sim/change)
  std::string last_site_;     // guarded by mu_: the site as the last request named it
  std::int64_t changes_ = 0;  // guarded by mu_
  std::int64_t last_note_id_ = 0;  // guarded by mu_ (order notes: WordPress comment ids)
  // Ordered id lists of recent list queries (key: the query without its
  // paging and auth parameters), so the next page of the same listing
  // costs its own size; emptied by every write.
  std::map<std::string, std::vector<std::int64_t>> ordered_cache_;  // guarded by mu_
  std::unique_ptr<WebhookHub> hooks_;  // last: its thread calls payload()
};

// A 401 for an anonymous caller: woocommerce_rest_cannot_<what>.
RestError denied(const std::string& what);

// Seeds the catalog and orders (seed.cpp).
void seed_shop(const ShopOptions& options, Catalog& catalog, OrderBook& orders);

}  // namespace weir::sims::woo
