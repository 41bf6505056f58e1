// /_sim/: the test's and the demo's hand on the shop (no auth, JSON).
//   POST /_sim/change   {"percent": P}   an admin edits P% of the products
//   POST /_sim/outage   {"seconds": S}   503 to everything for S seconds
//   POST /_sim/fragile  {"rate", "burst", "max_concurrent", "retry_after"} | {"off": true}
//   POST /_sim/orders   {"count": N, "status": "processing"}  orders through the REST path
//   GET  /_sim/stats, POST /_sim/stats/reset
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "listing.hpp"
#include "shop.hpp"

namespace weir::sims::woo {

namespace {

std::string money(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

Response bad(const std::string& message) {
  return json_reply(400, {{"code", "sim_bad_request"}, {"message", message}});
}

}  // namespace

Response Shop::control(const Request& req) {
  Json body = Json::object();
  if (!req.body.empty()) {
    body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad("the body must be a JSON object");
  }
  if (req.method == "GET" && req.path == "/_sim/stats") {
    Json s = stats_.to_json();
    const auto counts = hooks_->counts();
    s["webhook_deliveries"] = counts.delivered;
    s["webhook_failures"] = counts.failed;
    s["webhook_pings"] = counts.pings;
    return json_reply(200, s);
  }
  if (req.method != "POST")
    return json_reply(404, {{"code", "sim_no_route"}, {"message", req.path}});
  if (req.path == "/_sim/stats/reset") {
    stats_.reset();
    return json_reply(200, {{"reset", true}});
  }
  if (req.path == "/_sim/change") return change_products(body);
  if (req.path == "/_sim/orders") return make_orders(body);
  if (req.path == "/_sim/media/delete") {  // an admin empties the media library
    std::lock_guard lock(mu_);
    return json_reply(200, {{"deleted", catalog_.delete_attachments()}});
  }
  if (req.path == "/_sim/outage") {
    const double seconds = body.value("seconds", 0.0);
    gate_.outage(std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
    return json_reply(200, {{"outage_seconds", seconds}});
  }
  if (req.path == "/_sim/fragile") {
    GateSettings s;
    if (!body.value("off", false)) {
      s.rate = body.value("rate", 0.0);
      s.burst = body.value("burst", std::max(1.0, s.rate));
      s.max_concurrent = body.value("max_concurrent", 0);
      const auto mode = parse_retry_after(body.value("retry_after", std::string("sometimes")));
      if (!mode) return bad("retry_after: always, never or sometimes");
      s.retry_after = *mode;
    }
    gate_.configure(s);
    return json_reply(200,
                      {{"rate", s.rate}, {"burst", s.burst}, {"max_concurrent", s.max_concurrent}});
  }
  return json_reply(404, {{"code", "sim_no_route"}, {"message", req.path}});
}

Response Shop::change_products(const Json& body) {
  const double percent = body.value("percent", 0.0);
  if (percent < 0 || percent > 100) return bad("percent: 0..100");
  std::vector<Event> events;
  Json changed = Json::array();
  {
    std::lock_guard lock(mu_);
    ordered_cache_.clear();
    std::mt19937_64 r(options_.seed * 1000003ULL + static_cast<std::uint64_t>(++changes_));
    std::vector<std::int64_t> ids;
    for (std::int64_t id : catalog_.product_ids()) {
      if (catalog_.find(id)->status != "trash") ids.push_back(id);
    }
    const auto n =
        static_cast<std::size_t>(std::llround(static_cast<double>(ids.size()) * percent / 100.0));
    const std::int64_t now = now_seconds();
    for (std::size_t i = 0; i < n; ++i) {  // a partial Fisher-Yates: n distinct products
      std::swap(ids[i], ids[i + r() % (ids.size() - i)]);
      Product* p = catalog_.find(ids[i]);
      Product* target = p;  // a variable product's price and stock live on a variation
      if (p->type == "variable" && !p->variations.empty())
        target = catalog_.find(p->variations.front());
      const int what = static_cast<int>(r() % 3);  // 0 price, 1 stock, 2 both
      if (what != 1 || !target->manage_stock) {
        const double factor = 0.8 + static_cast<double>(r() % 41) / 100.0;
        target->regular_price = money(std::max(0.5, price_value(target->regular_price) * factor));
        if (!target->sale_price.empty() &&
            price_value(target->sale_price) >= price_value(target->regular_price)) {
          target->sale_price.clear();
        }
      }
      if (what != 0 && target->manage_stock) {
        target->stock_quantity = static_cast<std::int64_t>(r() % 60);
        target->stock_status = derived_stock_status(*target);
      }
      target->modified = now;
      p->modified = now;
      events.push_back({"product.updated", p->id});
      changed.push_back(p->id);
    }
    stats_.products_updated(static_cast<int>(n));
  }
  hooks_->publish(events);
  return json_reply(200, {{"changed", changed.size()}, {"ids", changed}});
}

Response Shop::make_orders(const Json& body) {
  const int count = body.value("count", 1);
  if (count < 0 || count > 100000) return bad("count: 0..100000");
  const std::string status = body.value("status", std::string("processing"));
  if (std::find(kOrderStatuses.begin(), kOrderStatuses.end(), status) == kOrderStatuses.end()) {
    return bad(not_one_of("status", kOrderStatuses));
  }
  static const char* kFirst[] = {"Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo"};
  static const char* kLast[] = {"Novak", "Meyer", "Rossi", "Dubois", "Svoboda", "Kowalski"};
  Request fake;
  fake.method = "POST";
  Call c{fake};
  c.now = now_seconds();
  Json ids = Json::array();
  {
    std::lock_guard lock(mu_);
    ordered_cache_.clear();
    std::mt19937_64 r(options_.seed * 7919ULL + static_cast<std::uint64_t>(++changes_));
    const auto& products = catalog_.product_ids();
    if (products.empty()) return bad("the shop has no products");
    for (int i = 0; i < count; ++i) {
      Json items = Json::array();
      const int lines = 1 + static_cast<int>(r() % 3);
      for (int l = 0; l < lines; ++l) {
        const Product* p = catalog_.find(products[r() % products.size()]);
        std::int64_t pid = p->id;
        if (!p->variations.empty()) pid = p->variations[r() % p->variations.size()];
        items.push_back({{"product_id", pid}, {"quantity", 1 + static_cast<int>(r() % 3)}});
      }
      const std::string first = kFirst[r() % 8], last = kLast[r() % 6];
      const Json order = {{"status", status},
                          {"billing",
                           {{"first_name", first},
                            {"last_name", last},
                            {"address_1", "Main Street 1"},
                            {"city", "Brno"},
                            {"postcode", "60200"},
                            {"country", "CZ"},
                            {"email", first + "." + last + "@example.com"}}},
                          {"line_items", items}};
      std::int64_t id = 0;
      if (auto e = order_write(c, Order{}, order, true, &id)) return bad(e->message);
      ids.push_back(id);
    }
  }
  hooks_->publish(c.events);
  return json_reply(200, {{"created", ids.size()}, {"ids", ids}});
}

}  // namespace weir::sims::woo
