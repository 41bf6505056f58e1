// The simulated Magento 2 shop: its state and its REST API under
// /rest/<store>/V1/..., /rest/V1/... and /rest/<store>/async[/bulk]/V1/...,
// plus the control endpoints under /_sim/.
//
// A request passes, in Magento's order: the host (Gate: outage 503, busy
// 503, 429); the store code (default, all; any other code stays part of the
// path, so no route matches); the router (method and path, else 404
// "Request does not match any route."); the route's ACL (the caller from
// an OAuth header, a bearer token or nobody: 401 "The consumer isn't
// authorized to access %resources." for anyone not allowed; a bad OAuth
// header is its own 400/401); the body ("Decoding error."); the service.
// Path parameters are url-decoded as PHP's urldecode() does, so %2F is a
// slash inside a SKU and a literal '+' is a space.
//
// Threads: handle() runs on many connection threads; mu_ guards the
// catalog and the orders; the bulk consumer thread saves through
// bulk_work(), which takes mu_ too.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "auth.hpp"
#include "bulk.hpp"
#include "catalog.hpp"
#include "errors.hpp"
#include "gate.hpp"
#include "orders.hpp"
#include "search_criteria.hpp"
#include "sim_http.hpp"
#include "stats.hpp"

namespace weir::sims::mage {

struct ShopOptions {
  std::uint64_t seed = 1;
  int products = 100;
  int categories = 10;
  int orders = 0;
  Credentials credentials;
  std::vector<std::string> sources = {"default", "eu_warehouse"};
  std::chrono::milliseconds bulk_delay{500};
  double bulk_rate = 50;  // operations per second; 0: unlimited
  GateSettings gate;
  // Stores > Configuration > Services > Web API > Web Api Input Limits
  // (off by default since 2.4.4; on by default in 2.4.3 and 2.3.7-p1).
  bool input_limits = false;
  int input_list_limit = 20;     // items in one array of entities (synchronous)
  int async_list_limit = 5000;   // entities in one asynchronous bulk request
  int max_page_size = 300;       // searchCriteria[pageSize]
};

// One request on its way through a route.
struct Call {
  const Request& req;
  std::string site;   // "http://host:port"
  std::string store;  // "default" or "all"
  Identity who;
  std::vector<std::string> args;  // the route's path parameters, decoded
  Json body;                      // the parsed body, null when none
  std::int64_t now = 0;
};

class Shop {
 public:
  explicit Shop(const ShopOptions& options);
  ~Shop();
  Response handle(const Request& req);

  // Route handlers (one per REST route; see shop.cpp's table).
  Response admin_token(Call& c);
  Response list_products(Call& c);
  Response get_product(Call& c);
  Response create_product(Call& c);
  Response put_product(Call& c);
  Response delete_product(Call& c);
  Response base_prices(Call& c);
  Response base_prices_information(Call& c);
  Response list_categories(Call& c);
  Response create_category(Call& c);
  Response save_source_items(Call& c);
  Response list_source_items(Call& c);
  Response list_sources(Call& c);
  Response store_configs(Call& c);
  Response store_views(Call& c);
  Response websites(Call& c);
  std::optional<MageError> input_limit_refusal(const Call& c, bool async) const;
  Response list_orders(Call& c);
  Response get_order(Call& c);
  Response invoice_order(Call& c);
  Response ship_order(Call& c);
  Response cancel_order(Call& c);
  Response comment_order(Call& c);
  Response bulk_status(Call& c);
  Response bulk_detailed_status(Call& c);
  Response bulk_operation_count(Call& c);
  Response async_products(Call& c);
  Response async_bulk_products(Call& c);
  Response async_bulk_products_by_sku(Call& c);

 private:
  Response control(const Request& req);
  Response change_products(const Json& body);
  Response make_orders(const Json& body);
  Response schedule(Call& c, const Json& items, bool by_sku, const std::string& topic);
  BulkStore::Outcome bulk_work(const Operation& op);
  std::optional<MageError> order_arg(Call& c, Order** out);

  ShopOptions options_;
  Authenticator auth_;
  Gate gate_;
  Stats stats_;
  std::mutex mu_;
  Catalog catalog_;               // guarded by mu_
  OrderBook orders_;              // guarded by mu_
  std::uint64_t changes_ = 0;     // guarded by mu_
  std::uint64_t bulks_made_ = 0;  // guarded by mu_
  // MSI source items of SKUs no product has (sku, source) -> item.
  std::map<std::pair<std::string, std::string>, Catalog::SourceItem>
      orphan_sources_;                // guarded by mu_
  std::set<std::string> fail_skus_;   // guarded by mu_ (lower case)
  std::string fail_message_;          // guarded by mu_
  std::unique_ptr<BulkStore> bulks_;  // last: its thread calls bulk_work()
};

// Seeds the catalog and the orders (seed.cpp).
void seed_shop(const ShopOptions& options, Catalog& catalog, OrderBook& orders);
// Makes `count` orders of random lines, dated `now` (seed.cpp).
std::vector<std::int64_t> add_orders(Catalog& catalog, OrderBook& orders, std::uint64_t seed,
                                     int count, std::int64_t created, std::int64_t spacing);

}  // namespace weir::sims::mage
