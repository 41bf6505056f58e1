#include "orders.hpp"

#include "wc_api.hpp"

namespace weir::woocommerce {

const char* ListOrders::schema() {
  return R"({"type": "object", "additionalProperties": false, "properties": {
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
    "status": {"type": "string", "default": "any"}}})";
}

ListOrders::ListOrders(const NodeInit& init)
    : per_page_(init.config.value("per_page", 100)),
      status_(init.config.value("status", std::string("any"))) {
  if (per_page_ < 1 || per_page_ > 100) {
    throw std::invalid_argument("woocommerce.list_orders: per_page must be 1 to 100");
  }
}

Result ListOrders::process(Context& ctx) {
  const Message& m = ctx.message();
  const int page = m.cursor().empty() ? 1 : std::stoi(std::string(m.cursor()));
  HttpRequest r;
  r.target = "orders";
  r.query = {{"page", std::to_string(page)}, {"per_page", std::to_string(per_page_)},
             {"orderby", "id"}, {"order", "asc"}, {"status", status_}};
  if (auto window = m.sync_window()) {
    r.query["dates_are_gmt"] = "true";
    if (window->since) r.query["modified_after"] = since_text(*window->since);
  }
  HttpResponse answer;
  const Json orders = call(ctx, r, &answer);
  if (!orders.is_array()) {
    return Result::failed("GET orders: the shop answered " + orders.dump().substr(0, 200) +
                          " where a list of orders belongs");
  }
  for (const auto& o : orders) ctx.emit(o);
  if (page < total_pages(answer) && !orders.empty()) return Result::next_page(std::to_string(page + 1));
  return orders.empty() ? Result::stop() : Result::success();
}

const char* UpdateOrderStatus::schema() {
  return R"({"type": "object", "additionalProperties": false,
             "properties": {"erp_system": {"type": "string", "default": "erp"}}})";
}

UpdateOrderStatus::UpdateOrderStatus(const NodeInit& init)
    : erp_system_(init.config.value("erp_system", std::string("erp"))) {}

Result UpdateOrderStatus::process(Context& ctx) {
  const Json in = ctx.message().json();
  if (!in.is_object() || !in.contains("status") || !in["status"].is_string()) {
    return Result::failed("woocommerce.update_order_status: no status in " + in.dump().substr(0, 200));
  }
  std::string id;
  if (in.contains("order_id")) {
    id = id_text(in["order_id"]);
  } else if (in.contains("erp_order")) {
    const std::string erp = id_text(in["erp_order"]);
    auto shop = ctx.id_find(erp_system_, "order", erp);
    if (!shop) {
      return Result::failed("ERP order " + erp + " is no shop order weir knows (the ID map has no "
                            "(" + erp_system_ + ", order, ?) = " + erp + ")");
    }
    id = *shop;
  } else {
    return Result::failed("woocommerce.update_order_status: neither order_id nor erp_order in " +
                          in.dump().substr(0, 200));
  }
  HttpRequest put;
  put.method = "PUT";
  put.target = "orders/" + id;
  put.body = Json{{"status", in["status"]}}.dump();
  const Json order = call(ctx, put);
  if (in.contains("note") && in["note"].is_string() && !in["note"].get<std::string>().empty()) {
    HttpRequest note;
    note.method = "POST";
    note.target = "orders/" + id + "/notes";
    note.body = Json{{"note", in["note"]}, {"customer_note", true}}.dump();
    (void)call(ctx, note);
  }
  ctx.emit(Json{{"order_id", id}, {"status", order.value("status", in["status"].get<std::string>())}});
  return Result::success();
}

}  // namespace weir::woocommerce
