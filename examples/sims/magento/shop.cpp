#include "shop.hpp"

#include <cstdlib>
#include <map>

#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

enum class Mode { kSync, kAsync, kAsyncBulk };

struct Route {
  const char* method;
  Mode mode;
  const char* pattern;    // "/V1/products/:sku"
  const char* resources;  // ACL; "anonymous" for none
  Response (Shop::*handler)(Call&);
};

constexpr const char* kProducts = "Magento_Catalog::products";
constexpr const char* kSales = "Magento_Sales::actions_view";
constexpr const char* kBulk = "Magento_Logging::system_magento_logging_bulk_operations";

const Route kRoutes[] = {
    {"POST", Mode::kSync, "/V1/integration/admin/token", "anonymous", &Shop::admin_token},
    {"GET", Mode::kSync, "/V1/products", kProducts, &Shop::list_products},
    {"POST", Mode::kSync, "/V1/products", kProducts, &Shop::create_product},
    {"POST", Mode::kSync, "/V1/products/base-prices", "Magento_Catalog::catalog",
     &Shop::base_prices},
    {"POST", Mode::kSync, "/V1/products/base-prices-information", "Magento_Catalog::catalog",
     &Shop::base_prices_information},
    {"GET", Mode::kSync, "/V1/products/:sku", kProducts, &Shop::get_product},
    {"PUT", Mode::kSync, "/V1/products/:sku", kProducts, &Shop::put_product},
    {"DELETE", Mode::kSync, "/V1/products/:sku", kProducts, &Shop::delete_product},
    {"GET", Mode::kSync, "/V1/categories/list", "Magento_Catalog::categories",
     &Shop::list_categories},
    {"POST", Mode::kSync, "/V1/categories", "Magento_Catalog::categories", &Shop::create_category},
    {"POST", Mode::kSync, "/V1/inventory/source-items", "Magento_InventoryApi::source",
     &Shop::save_source_items},
    {"GET", Mode::kSync, "/V1/inventory/source-items", "Magento_InventoryApi::source",
     &Shop::list_source_items},
    {"GET", Mode::kSync, "/V1/inventory/sources", "Magento_InventoryApi::source",
     &Shop::list_sources},
    {"GET", Mode::kSync, "/V1/store/storeConfigs", "Magento_Backend::store",
     &Shop::store_configs},
    {"GET", Mode::kSync, "/V1/store/storeViews", "Magento_Backend::store", &Shop::store_views},
    {"GET", Mode::kSync, "/V1/store/websites", "Magento_Backend::store", &Shop::websites},
    {"GET", Mode::kSync, "/V1/orders", kSales, &Shop::list_orders},
    {"GET", Mode::kSync, "/V1/orders/:id", kSales, &Shop::get_order},
    {"POST", Mode::kSync, "/V1/order/:orderId/invoice", "Magento_Sales::sales_invoice",
     &Shop::invoice_order},
    {"POST", Mode::kSync, "/V1/order/:orderId/ship", "Magento_Sales::ship", &Shop::ship_order},
    {"POST", Mode::kSync, "/V1/orders/:id/cancel", "Magento_Sales::cancel", &Shop::cancel_order},
    {"POST", Mode::kSync, "/V1/orders/:id/comments", "Magento_Sales::comment",
     &Shop::comment_order},
    {"GET", Mode::kSync, "/V1/bulk/:bulkUuid/status", kBulk, &Shop::bulk_status},
    {"GET", Mode::kSync, "/V1/bulk/:bulkUuid/detailed-status", kBulk, &Shop::bulk_detailed_status},
    {"GET", Mode::kSync, "/V1/bulk/:bulkUuid/operation-status/:status", kBulk,
     &Shop::bulk_operation_count},
    {"POST", Mode::kAsync, "/V1/products", kProducts, &Shop::async_products},
    {"PUT", Mode::kAsync, "/V1/products/:sku", kProducts, &Shop::async_products},
    {"POST", Mode::kAsyncBulk, "/V1/products", kProducts, &Shop::async_bulk_products},
    {"PUT", Mode::kAsyncBulk, "/V1/products/bySku", kProducts, &Shop::async_bulk_products_by_sku},
};

// The raw path's segments, each decoded as PHP's urldecode() (+ is a space).
std::vector<std::string> segments(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= path.size()) {
    const auto next = path.find('/', at);
    const std::string seg =
        path.substr(at, next == std::string::npos ? std::string::npos : next - at);
    if (!seg.empty()) out.push_back(url_decode(seg, true));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return out;
}

std::vector<std::string> split_pattern(const char* pattern) {
  std::vector<std::string> out;
  std::string cur;
  for (const char* p = pattern + 1; *p; ++p) {
    if (*p == '/') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += *p;
    }
  }
  out.push_back(cur);
  return out;
}

// The route for the segments, and its captured parameters.
const Route* match(const std::string& method, Mode mode, const std::vector<std::string>& segs,
                   std::vector<std::string>* args, std::string* pattern_for_stats) {
  for (const Route& r : kRoutes) {
    if (method != r.method || mode != r.mode) continue;
    const auto parts = split_pattern(r.pattern);
    if (parts.size() != segs.size()) continue;
    std::vector<std::string> captured;
    std::string shown;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      if (parts[i][0] == ':') {
        captured.push_back(segs[i]);
        shown += parts[i] == ":sku" ? "/<sku>" : parts[i] == ":bulkUuid" ? "/<uuid>" : "/<id>";
      } else {
        ok = parts[i] == segs[i];
        shown += "/" + parts[i];
      }
    }
    if (!ok) continue;
    *args = std::move(captured);
    *pattern_for_stats = (mode == Mode::kAsyncBulk ? "/async/bulk"
                          : mode == Mode::kAsync   ? "/async"
                                                   : "") +
                         shown;
    return &r;
  }
  return nullptr;
}

}  // namespace

Shop::Shop(const ShopOptions& options)
    : options_(options), auth_(options.credentials), catalog_(options.seed) {
  gate_.configure(options.gate);
  seed_shop(options_, catalog_, orders_);
  fail_message_ = "The product was unable to be saved. Please try again.";
  bulks_ = std::make_unique<BulkStore>(options_.bulk_delay, options_.bulk_rate,
                                       [this](const Operation& op) { return bulk_work(op); });
}

Shop::~Shop() { bulks_.reset(); }

Response Shop::handle(const Request& req) {
  if (req.path.rfind("/_sim/", 0) == 0) return control(req);
  int in_flight = 0;
  if (auto refusal = gate_.enter(&in_flight)) {
    stats_.started(in_flight);
    stats_.finished(req.method, req.path.substr(0, req.path.find('?')), refusal->status);
    return *refusal;
  }
  stats_.started(in_flight);
  struct Leave {
    Gate& gate;
    ~Leave() { gate.leave(); }
  } leave{gate_};

  std::vector<std::string> segs = segments(req.target);
  std::string route_name = req.path;
  Response res;
  if (segs.empty() || segs[0] != "rest") {
    res.status = 404;
    res.content_type = "text/html; charset=UTF-8";
    res.body =
        "<!doctype html><html><head><title>404 Not Found</title></head><body>"
        "<h1>Whoops, our bad...</h1></body></html>\n";
    stats_.finished(req.method, route_name, res.status);
    return res;
  }
  segs.erase(segs.begin());
  Call c{req};
  c.site = "http://" + req.header("host");
  c.store = "default";
  c.now = now_seconds();
  if (!segs.empty() && (segs[0] == "default" || segs[0] == "all")) {
    c.store = segs[0];
    segs.erase(segs.begin());
  }
  Mode mode = Mode::kSync;
  if (req.method != "GET" && !segs.empty() && segs[0] == "async") {
    const bool bulk = segs.size() > 1 && segs[1] == "bulk";
    segs.erase(segs.begin(), segs.begin() + (bulk ? 2 : 1));
    mode = bulk ? Mode::kAsyncBulk : Mode::kAsync;
  }
  std::string pattern;
  const Route* route = match(req.method, mode, segs, &c.args, &pattern);
  if (!route) {
    res = error_reply(no_route());
  } else {
    route_name = pattern;
    std::optional<MageError> refusal;
    if (std::string(route->resources) != "anonymous") {
      auto [who, oauth_error] = auth_.identify(req, c.site, c.now);
      c.who = who;
      if (oauth_error) {
        refusal = oauth_error;
      } else if (who.type == UserType::kAnonymous) {
        refusal = not_authorized(route->resources);
      }
    }
    if (!refusal && !req.body.empty() && req.method != "GET") {
      c.body = Json::parse(req.body, nullptr, false);
      if (c.body.is_discarded()) refusal = error(400, "Decoding error.");
    }
    if (!refusal && options_.input_limits) refusal = input_limit_refusal(c, mode != Mode::kSync);
    res = refusal ? error_reply(*refusal) : (this->*(route->handler))(c);
  }
  stats_.finished(req.method, route_name, res.status);
  return res;
}

namespace {

// The data interface Magento names for an array property of a request body.
std::string item_type_of(const std::string& property) {
  static const std::map<std::string, std::string> kTypes = {
      {"prices", "\\Magento\\Catalog\\Api\\Data\\BasePriceInterface"},
      {"sourceItems", "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"},
      {"category_links", "\\Magento\\Catalog\\Api\\Data\\CategoryLinkInterface"},
      {"custom_attributes", "\\Magento\\Framework\\Api\\AttributeInterface"},
      {"media_gallery_entries",
       "\\Magento\\Catalog\\Api\\Data\\ProductAttributeMediaGalleryEntryInterface"},
      {"tracks", "\\Magento\\Sales\\Api\\Data\\ShipmentTrackCreationInterface"},
      {"items", "\\Magento\\Sales\\Api\\Data\\ShipmentItemCreationInterface"}};
  auto it = kTypes.find(property);
  return it == kTypes.end() ? "\\Magento\\Framework\\Api\\ExtensibleDataInterface" : it->second;
}

// The first array of entities (objects) longer than `limit`, depth first.
std::optional<std::pair<std::string, std::size_t>> over_limit(const Json& v, const std::string& name,
                                                              std::size_t limit) {
  if (v.is_array()) {
    bool entities = !v.empty() && v.front().is_object();
    if (entities && v.size() > limit) return std::make_pair(name, v.size());
    for (const auto& item : v) {
      if (auto found = over_limit(item, name, limit)) return found;
    }
  } else if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      if (auto found = over_limit(child, key, limit)) return found;
    }
  }
  return std::nullopt;
}

}  // namespace

// Magento's webapi input limits: an array of entities longer than the list
// limit (an asynchronous bulk: more entities than the async limit) and a
// searchCriteria page size above the maximum are 400s, before the service
// runs.
std::optional<MageError> Shop::input_limit_refusal(const Call& c, bool async) const {
  for (const auto& [key, value] : c.req.query) {
    if (key == "searchCriteria[pageSize]" || key == "searchCriteria[page_size]") {
      if (std::atoll(value.c_str()) > options_.max_page_size) {
        return error(400, "Maximum SearchCriteria pageSize is %max",
                     Json{{"max", options_.max_page_size}});
      }
    }
  }
  if (c.body.is_array() && async) {
    if (c.body.size() > static_cast<std::size_t>(options_.async_list_limit)) {
      return error(400, "Maximum items of type \"%type\" is %max",
                   Json{{"type", "\\Magento\\Catalog\\Api\\Data\\ProductInterface"},
                        {"max", options_.async_list_limit}});
    }
    for (const auto& entity : c.body) {
      if (auto found = over_limit(entity, "", static_cast<std::size_t>(options_.input_list_limit))) {
        return error(400, "Maximum items of type \"%type\" is %max",
                     Json{{"type", item_type_of(found->first)}, {"max", options_.input_list_limit}});
      }
    }
    return std::nullopt;
  }
  if (auto found = over_limit(c.body, "", static_cast<std::size_t>(options_.input_list_limit))) {
    return error(400, "Maximum items of type \"%type\" is %max",
                 Json{{"type", item_type_of(found->first)}, {"max", options_.input_list_limit}});
  }
  return std::nullopt;
}

Response Shop::admin_token(Call& c) {
  const Json& b = c.body.is_object() ? c.body : Json::object();
  std::vector<std::string> missing;
  auto field = [&](const char* name) {
    if (!b.contains(name) || b[name].is_null() ||
        (b[name].is_string() && b[name].get<std::string>().empty())) {
      missing.push_back(name);
      return std::string();
    }
    return b[name].is_string() ? b[name].get<std::string>() : b[name].dump();
  };
  const std::string user = field("username");
  const std::string password = field("password");
  if (missing.size() == 1) return error_reply(required_field(missing[0]));
  if (missing.size() == 2) {
    MageError e = error(400, "One or more input exceptions have occurred.");
    e.errors = Json::array();
    for (const auto& m : missing) e.errors.push_back(required_field(m).to_json());
    return error_reply(e);
  }
  auto token = auth_.issue_admin_token(user, password, c.now);
  if (!token) {
    return error_reply(error(401,
                             "The account sign-in was incorrect or your account is disabled "
                             "temporarily. Please wait and try again later."));
  }
  stats_.add("admin_tokens_issued");
  return json_reply(200, Json(*token));
}

}  // namespace weir::sims::mage
