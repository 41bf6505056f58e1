// /_sim/: the tests' and the demo's hand on the shop (no auth, JSON; never
// throttled, not counted).
//   GET  /_sim/stats, POST /_sim/stats/reset
//   POST /_sim/change        {"percent": P, "what": "price"|"text"|"stock"|"all"}
//   POST /_sim/orders        {"count": N, "status": "pending"|"processing"}
//   POST /_sim/outage        {"seconds": S}
//   POST /_sim/fragile       {"rate", "burst", "max_concurrent"} | {"off": true}
//   POST /_sim/expire-tokens
//   POST /_sim/bulk-fail     {"skus": [...], "message": "..."}
#include <algorithm>
#include <cmath>
#include <random>

#include "shop.hpp"
#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

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
    s["open_bulk_operations"] = bulks_->open_operations();
    std::lock_guard lock(mu_);
    s["products"] = catalog_.live_count();
    s["orders"] = orders_.all().size();
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
    }
    gate_.configure(s);
    return json_reply(200,
                      {{"rate", s.rate}, {"burst", s.burst}, {"max_concurrent", s.max_concurrent}});
  }
  if (req.path == "/_sim/expire-tokens") {
    auth_.expire_admin_tokens();
    return json_reply(200, {{"expired", true}});
  }
  if (req.path == "/_sim/bulk-fail") {
    if (!body.contains("skus") || !body["skus"].is_array()) return bad("skus: a list of SKUs");
    std::lock_guard lock(mu_);
    fail_skus_.clear();
    for (const auto& s : body["skus"]) {
      if (s.is_string()) fail_skus_.insert(lower(s.get<std::string>()));
    }
    fail_message_ =
        body.value("message", std::string("The product was unable to be saved. Please try again."));
    return json_reply(200, {{"skus", fail_skus_.size()}, {"message", fail_message_}});
  }
  return json_reply(404, {{"code", "sim_no_route"}, {"message", req.path}});
}

Response Shop::change_products(const Json& body) {
  const double percent = body.value("percent", 0.0);
  if (percent < 0 || percent > 100) return bad("percent: 0..100");
  const std::string what = body.value("what", std::string("all"));
  if (what != "price" && what != "text" && what != "stock" && what != "all") {
    return bad("what: price, text, stock or all");
  }
  std::lock_guard lock(mu_);
  std::mt19937_64 r(options_.seed * 1000003ULL + ++changes_);
  std::vector<std::int64_t> ids;
  for (const auto& p : catalog_.products()) {
    if (!p.deleted) ids.push_back(p.id);
  }
  const auto n =
      static_cast<std::size_t>(std::llround(static_cast<double>(ids.size()) * percent / 100.0));
  const std::int64_t now = now_seconds();
  Json skus = Json::array();
  for (std::size_t i = 0; i < n; ++i) {  // a partial Fisher-Yates: n distinct products
    std::swap(ids[i], ids[i + r() % (ids.size() - i)]);
    Product& p = *catalog_.find(ids[i]);
    if ((what == "price" || what == "all") && p.type != ProductType::kConfigurable) {
      const double factor = 0.8 + static_cast<double>(r() % 41) / 100.0;
      p.price = std::max(0.5, std::round(p.price * factor * 100) / 100);
    }
    if (what == "text" || what == "all") {
      ProductText& t = catalog_.text(p);  // url_key stays, as the admin keeps it
      t.description = "<p>" + t.name + ", revised " + format_time(now) + " (change " +
                      std::to_string(changes_) + ").</p>";
      t.short_description = "<p>" + t.name + " (change " + std::to_string(changes_) + ")</p>";
    }
    if ((what == "stock" || what == "all") && p.type != ProductType::kConfigurable) {
      p.qty = static_cast<double>(r() % 60);
      p.in_stock = p.qty > 0;
    }
    p.updated = now;
    skus.push_back(p.sku);
  }
  stats_.add("products_updated", static_cast<std::int64_t>(n));
  return json_reply(200, {{"changed", skus.size()}, {"skus", skus}});
}

Response Shop::make_orders(const Json& body) {
  const int count = body.value("count", 1);
  if (count < 0 || count > 100000) return bad("count: 0..100000");
  const std::string status = body.value("status", std::string("pending"));
  if (status != "pending" && status != "processing") return bad("status: pending or processing");
  std::lock_guard lock(mu_);
  const auto ids =
      add_orders(catalog_, orders_, options_.seed * 7919ULL + ++changes_, count, now_seconds(), 0);
  if (ids.size() != static_cast<std::size_t>(count))
    return bad("the shop has no products to order");
  Json increments = Json::array();
  for (std::int64_t id : ids) {
    Order& o = *orders_.find(id);
    if (status == "processing") {
      o.state = o.status = "processing";
      for (auto& i : o.items) i.qty_invoiced = i.qty_ordered;
    }
    increments.push_back(increment_id(id));
  }
  return json_reply(200, {{"created", ids.size()}, {"ids", ids}, {"increment_ids", increments}});
}

}  // namespace weir::sims::mage
