#include "orders.hpp"

#include "mg_api.hpp"

namespace weir::magento {

namespace {

// A POST that Magento refuses because it was done already counts as done.
bool done_already(const HttpResponse& r, const char* what) {
  return r.status == 400 && r.body.find(what) != std::string::npos;
}

}  // namespace

const char* ListOrders::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "store": {"type": "string", "description": "the store code (default: the app's settings.store, else default)"},
      "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
      "statuses": {"type": "array", "items": {"type": "string"}},
      "child_items": {"type": "string", "enum": ["drop", "keep"], "default": "drop"}
    }
  })json";
}

ListOrders::ListOrders(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.list_orders: " + errors.front());
  page_size_ = init.config.value("page_size", 100);
  statuses_ = init.config.value("statuses", std::vector<std::string>{});
  keep_children_ = init.config.value("child_items", std::string("drop")) == "keep";
}

Result ListOrders::process(Context& ctx) {
  const Message& m = ctx.message();
  Criteria c = listing_criteria(m, page_size_);
  if (!statuses_.empty()) {
    std::string list;
    for (const auto& s : statuses_) list += (list.empty() ? "" : ",") + s;
    c.filters.push_back({"status", list, "in"});
  }
  HttpRequest r;
  r.target = v1(store_in(ctx, store_), "orders");
  const Json answer = search(ctx, r, c);
  for (Json order : answer["items"]) {
    if (!keep_children_ && order.contains("items") && order["items"].is_array()) {
      Json top = Json::array();
      for (const auto& item : order["items"]) {
        if (!item.contains("parent_item_id") || item["parent_item_id"].is_null()) top.push_back(item);
      }
      order["items"] = std::move(top);
    }
    ctx.emit(order);
  }
  return after_page(c, answer);
}

const char* UpdateOrderStatus::schema() {
  return R"json({"type": "object", "additionalProperties": false,
                 "properties": {"store": {"type": "string",
                                           "description": "the store code (default: the app's settings.store, else default)"}}})json";
}

UpdateOrderStatus::UpdateOrderStatus(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.update_order_status: " + errors.front());
}

Result UpdateOrderStatus::process(Context& ctx) {
  const Json in = ctx.message().json();
  if (!in.is_object() || !in.contains("order_id") || !in.contains("status") ||
      !in["status"].is_string()) {
    return Result::failed("magento.update_order_status: needs order_id and status, got " +
                          in.dump().substr(0, 200));
  }
  const std::string id = text_of(in["order_id"]);
  const std::string status = in["status"].get<std::string>();
  const std::string store = store_in(ctx, store_);
  auto post = [&](const std::string& path, const Json& body) {
    HttpRequest r;
    r.method = "POST";
    r.target = v1(store, path);
    r.body = body.dump();
    r.headers["content-type"] = "application/json";
    return ctx.http(r);
  };
  auto fail_unless_ok = [](const HttpResponse& r) {
    if (auto bad = r.problem()) throw Outcome(*bad);
  };
  if (status == "paid") {
    const HttpResponse r = post("order/" + id + "/invoice", {{"capture", true}, {"notify", false}});
    if (!done_already(r, "does not allow an invoice to be created")) fail_unless_ok(r);
  } else if (status == "shipped") {
    Json track = {{"track_number", in.value("tracking", std::string())},
                  {"title", in.value("title", std::string("Shipping"))},
                  {"carrier_code", in.value("carrier", std::string("custom"))}};
    Json body = {{"items", Json::array()}, {"notify", false}};
    if (!track["track_number"].get<std::string>().empty()) body["tracks"] = Json::array({track});
    const HttpResponse r = post("order/" + id + "/ship", body);
    if (!done_already(r, "does not allow a shipment to be created")) fail_unless_ok(r);
  } else if (status == "cancelled") {
    const HttpResponse r = post("orders/" + id + "/cancel", Json::object());
    fail_unless_ok(r);
    if (r.body.find("false") != std::string::npos) {
      HttpRequest get;
      get.target = v1(store, "orders/" + id);
      const Json order = call(ctx, get);
      if (order.value("state", std::string()) != "canceled") {
        return Result::failed("Magento cannot cancel order " + id + " (status " +
                              order.value("status", std::string("?")) + ")");
      }
    }
  }
  HttpRequest get;
  get.target = v1(store, "orders/" + id);
  const Json order = call(ctx, get);
  ctx.emit(Json{{"order_id", id}, {"status", order.value("status", std::string())}});
  return Result::success();
}

}  // namespace weir::magento
