#include "shop.hpp"

#include <iostream>

namespace weir::sims::woo {

namespace {

// Nesting depth of a JSON text, counted before parsing it (a parser that
// recurses must not meet 100,000 brackets).
bool depth_within(const std::string& text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\')
        ++i;
      else if (ch == '"')
        in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > limit) return false;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return true;
}

const Json kEmptyObject = Json::object();

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < path.size()) {
    const auto next = path.find('/', at);
    const std::string seg =
        path.substr(at, next == std::string::npos ? std::string::npos : next - at);
    if (!seg.empty()) out.push_back(seg);
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return out;
}

}  // namespace

const Json& Call::json() const { return body && body->is_object() ? *body : kEmptyObject; }

RestError denied(const std::string& what) {
  static const std::map<std::string, std::string> kMessages = {
      {"view", "Sorry, you cannot list resources."},
      {"create", "Sorry, you are not allowed to create resources."},
      {"edit", "Sorry, you are not allowed to edit this resource."},
      {"delete", "Sorry, you are not allowed to delete this resource."},
      {"batch", "Sorry, you are not allowed to batch manipulate this resource."}};
  return make_error(401, "woocommerce_rest_cannot_" + what, kMessages.at(what));
}

Shop::Shop(const ShopOptions& options)
    : options_(options),
      clock_(options.utc_offset_minutes),
      auth_(options.credentials, options.https_terminated),
      rng_(options.seed * 0x9E3779B97F4A7C15ULL + 7) {
  gate_.configure(options.gate);
  seed_shop(options_, catalog_, orders_);
  std::string secret = options.webhook_secret;
  if (secret.empty()) secret = "whsec_" + std::to_string(options.seed);
  hooks_ = std::make_unique<WebhookHub>(
      [this](const std::string& resource, std::int64_t id) { return payload(resource, id); },
      secret);
}

std::optional<std::string> Shop::payload(const std::string& resource, std::int64_t id) {
  std::lock_guard lock(mu_);
  const RenderContext ctx = render_context(last_site_);
  if (resource == "product") {
    if (const Product* p = catalog_.find(id)) return render_product(*p, ctx).dump();
  } else if (resource == "order") {
    if (const Order* o = orders_.find(id)) return render_order(*o, ctx).dump();
  }
  return std::nullopt;
}

Response Shop::handle(const Request& req) {
  if (req.path.rfind("/_sim/", 0) == 0) return control(req);
  int in_flight = 0;
  if (auto refusal = gate_.enter(&in_flight)) {
    stats_.started(in_flight);
    stats_.finished(req.method, req.path, refusal->status);
    return *refusal;
  }
  stats_.started(in_flight);
  struct Leave {
    Gate& gate;
    ~Leave() { gate.leave(); }
  } leave{gate_};

  Call c{req};
  c.method = req.method;
  if (req.method == "POST") {  // WordPress's method override
    if (req.has_param("_method")) c.method = req.param("_method");
    if (!req.header("x-http-method-override").empty())
      c.method = req.header("x-http-method-override");
  }
  c.site = (options_.https_terminated ? "https://" : "http://") + req.header("host");
  c.now = now_seconds();
  Response res;
  const auto parts = segments(req.path);
  if (parts.empty() || parts[0] != "wp-json") {
    res = error_reply(no_route());
  } else {
    const auto auth = auth_.authenticate(req, c.now);
    if (auth.outcome == Authenticator::Outcome::kFailed) {
      res = error_reply(*auth.error);
    } else {
      c.authenticated = auth.outcome == Authenticator::Outcome::kAuthenticated;
      res = route(c, std::vector<std::string>(parts.begin() + 1, parts.end()));
    }
  }
  hooks_->publish(c.events);
  stats_.finished(req.method, req.path, res.status);
  return res;
}

Response Shop::route(Call& c, const std::vector<std::string>& parts) {
  if (!c.req.body.empty()) {
    const std::string type = c.req.header("content-type");
    if (type.find("application/x-www-form-urlencoded") != std::string::npos) {
      Json form = Json::object();
      for (const auto& [k, v] : parse_pairs(c.req.body)) form[k] = v;
      c.body = form;
    } else if (depth_within(c.req.body, 64)) {
      Json parsed = Json::parse(c.req.body, nullptr, false);
      if (!parsed.is_discarded()) c.body = std::move(parsed);
    }
    if (!c.body && type.find("json") != std::string::npos) {
      return error_reply(make_error(400, "rest_invalid_json", "Invalid JSON body passed."));
    }
  }
  if (parts.empty()) {
    return json_reply(200, {{"name", "weir-sim-woocommerce"},
                            {"url", c.site},
                            {"namespaces", Json::array({"wc/v3"})}});
  }
  if (parts.size() < 2 || parts[0] != "wc" || parts[1] != "v3") return error_reply(no_route());
  if (parts.size() == 2) {
    return c.method == "GET" ? json_reply(200, {{"namespace", "wc/v3"}, {"routes", Json::object()}})
                             : error_reply(no_route());
  }
  const std::vector<std::string> rest(parts.begin() + 2, parts.end());
  if (rest[0] == "webhooks") return webhooks(c, rest);
  std::lock_guard lock(mu_);
  last_site_ = c.site;
  if (c.method != "GET") ordered_cache_.clear();
  if (rest[0] == "products") return products(c, rest);
  if (rest[0] == "orders") return orders(c, rest);
  if (rest[0] == "system_status" && rest.size() == 1 && c.method == "GET") {
    if (!c.authenticated) return error_reply(denied("view"));
    return json_reply(
        200,
        {{"environment",
          {{"home_url", c.site},
           {"site_url", c.site},
           {"version", "9.4.0"},
           {"wp_version", "6.7.1"},
           {"wp_multisite", false},
           {"server_info", "weir-sim"},
           {"php_version", "8.2.0"}}},
         {"database", Json::object()},
         {"active_plugins", Json::array()},
         {"theme", Json::object()},
         {"settings", {{"currency", "EUR"}, {"currency_symbol", "&euro;"}, {"api_enabled", true}}},
         {"security", {{"secure_connection", options_.https_terminated}, {"hide_errors", true}}},
         {"pages", Json::array()}});
  }
  return error_reply(no_route());
}

}  // namespace weir::sims::woo
