#include "control.hpp"

#include "order_input.hpp"
#include "postcode.hpp"
#include "time_text.hpp"

namespace weir::sims::erp {
namespace {

using nlohmann::json;

Response answer(const Json& body, int status = 200) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Response refuse(int status, const std::string& message) {
  return answer(Json{{"error", message}}, status);
}

const char* const kStatusNames[] = {"new", "validated", "paid", "shipped", "cancelled"};

// A status by its name ("shipped") or the style's code ("S").
bool read_status(const json& v, const Style& s, OrderStatus* out) {
  if (!v.is_string()) return false;
  const auto text = v.get<std::string>();
  for (int i = 0; i < 5; ++i) {
    if (text == kStatusNames[i]) {
      *out = static_cast<OrderStatus>(i);
      return true;
    }
  }
  return s.parse_status(text, out);
}

// An id as a JSON number, digits, or the style's prefixed form.
int read_id(const json& v, bool customer, const Render& r) {
  if (v.is_number_integer()) return v.get<int>();
  if (!v.is_string()) return 0;
  const auto s = v.get<std::string>();
  if (const int id = customer ? r.parse_customer_id(s) : r.parse_order_id(s)) return id;
  char* end = nullptr;
  const long n = std::strtol(s.c_str(), &end, 10);
  return !s.empty() && end == s.c_str() + s.size() && n > 0 && n < 1000000000 ? static_cast<int>(n)
                                                                              : 0;
}

}  // namespace

Response Control::handle(const Request& req) {
  json body = json::object();
  std::string err;
  if (req.method == "POST" && !req.body.empty() && !parse_body(req.body, &body, &err)) {
    return refuse(400, err);
  }
  const std::string& p = req.path;
  if (req.method == "GET" && p == "/_sim/style") return style();
  if (req.method == "GET" && p == "/_sim/stats") return answer(parts_.stats.to_json());
  if (req.method == "POST" && p == "/_sim/stats/reset") {
    parts_.stats.reset();
    return answer(parts_.stats.to_json());
  }
  if (p == "/_sim/clock" && (req.method == "GET" || req.method == "POST")) return clock(req, body);
  if (req.method != "POST") {
    return refuse(405, req.method + " " + p + " is not a control call (see README.md)");
  }
  if (p == "/_sim/change") return change(body);
  if (p == "/_sim/outage") {
    const double seconds = body.value("seconds", 0.0);
    if (seconds < 0 || seconds > 86400) return refuse(400, "seconds: from 0 to 86400");
    parts_.faults.start_outage(seconds);
    return answer(parts_.faults.to_json());
  }
  if (p == "/_sim/fragile") return fragile(body);
  if (p == "/_sim/order-status") return order_status(body);
  if (p == "/_sim/fix-postcode") return fix_postcode(body);
  return refuse(404, "no control call " + p + " (see README.md)");
}

Response Control::style() const {
  Json j = parts_.style.to_json();
  const char* const kAuth[] = {"none", "basic", "bearer"};
  j["auth"] = kAuth[static_cast<int>(parts_.auth.kind)];
  j["seed"] = parts_.seed.seed;
  j["now"] = format_time(parts_.clock.now(), parts_.style.time_format);
  parts_.erp.locked([&](ErpData& d) {
    j["records"] = {{"products", d.products.size()},
                    {"customers", d.customers.size()},
                    {"orders", d.orders.size()},
                    {"warehouses", d.warehouses.size()},
                    {"categories", d.categories.size()}};
  });
  return answer(j);
}

Response Control::change(const json& body) {
  const double percent = body.value("percent", 10.0);
  const std::string what = body.value("what", std::string("all"));
  if (percent < 0 || percent > 100) return refuse(400, "percent: from 0 to 100");
  if (what != "price" && what != "stock" && what != "text" && what != "images" && what != "all") {
    return refuse(400, "what: price, stock, text, images or all, not \"" + what + "\"");
  }
  const Seconds now = parts_.clock.now();
  const auto skus =
      parts_.erp.locked([&](ErpData& d) { return d.change_products(percent, what, now); });
  for (std::size_t i = 0; i < skus.size(); ++i) parts_.stats.products_changed.add();
  return answer(Json{{"changed", skus.size()},
                     {"what", what},
                     {"at", format_time(now, parts_.style.time_format)},
                     {"skus", skus}});
}

Response Control::order_status(const json& body) {
  OrderStatus to;
  if (!read_status(body.value("status", json()), parts_.style, &to)) {
    return refuse(400, "status: new, validated, paid, shipped, cancelled (or the style's codes)");
  }
  return parts_.erp.locked([&](ErpData& d) -> Response {
    Order* o = body.contains("external_ref")
                   ? d.order_by_ref(body.value("external_ref", std::string()))
                   : d.order(read_id(body.value("id", json()), false, render_));
    if (o == nullptr) return refuse(404, "no such order (give \"id\" or \"external_ref\")");
    std::string err;
    if (!d.move_order(*o, to, parts_.clock.now(), &err)) return refuse(409, err);
    if (body.contains("tracking") && body["tracking"].is_string()) {
      o->tracking = body["tracking"].get<std::string>();
    }
    parts_.stats.status_changes.add();
    return answer(render_.order(*o));
  });
}

Response Control::fix_postcode(const json& body) {
  const std::string wanted = body.value("postcode", std::string());
  return parts_.erp.locked([&](ErpData& d) -> Response {
    Customer* c = body.contains("email")
                      ? d.customer_by_email(body.value("email", std::string()))
                      : d.customer(read_id(body.value("id", json()), true, render_));
    if (c == nullptr) return refuse(404, "no such customer (give \"id\" or \"email\")");
    int fixed = 0;
    for (auto& a : c->addresses) {
      std::string reason;
      if (!known_country(a.country) || check_postcode(a.country, a.postcode, &reason)) continue;
      if (!wanted.empty() && !check_postcode(a.country, wanted, &reason))
        return refuse(400, reason);
      a.postcode =
          wanted.empty() ? make_postcode(a.country, mix(parts_.seed.seed, c->id, 77)) : wanted;
      ++fixed;
    }
    if (fixed > 0) c->updated_at = parts_.clock.now();
    return answer(Json{{"fixed_addresses", fixed}, {"customer", render_.customer(*c)}});
  });
}

Response Control::fragile(const json& body) {
  Fragility f;
  f.every = body.value("every", 0);
  f.status = body.value("status", 500);
  f.latency_ms = body.value("latency_ms", 0);
  f.lost_answers = body.value("lost_answers", 0);
  if (f.every < 0 || f.status < 400 || f.status > 599 || f.latency_ms < 0 || f.latency_ms > 60000 ||
      f.lost_answers < 0) {
    return refuse(400, "every >= 0, status 400-599, latency_ms 0-60000, lost_answers >= 0");
  }
  parts_.faults.set_fragility(f);
  return answer(parts_.faults.to_json());
}

Response Control::clock(const Request& req, const json& body) {
  if (req.method == "POST") {
    const long by = body.value("advance_seconds", 0L);
    if (by < 0 || by > 10L * 365 * 86400) return refuse(400, "advance_seconds: from 0 to 10 years");
    parts_.clock.advance(by);
  }
  const Seconds now = parts_.clock.now();
  return answer(Json{{"now", format_time(now, parts_.style.time_format)}, {"epoch", now}});
}

}  // namespace weir::sims::erp
