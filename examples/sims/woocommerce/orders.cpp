#include "orders.hpp"

#include <algorithm>
#include <cstdio>

#include "listing.hpp"

namespace weir::sims::woo {

const std::vector<std::string> kOrderStatuses = {"pending",   "processing", "on-hold", "completed",
                                                 "cancelled", "refunded",   "failed",  "trash"};

Order* OrderBook::find(std::int64_t id) {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

Order& OrderBook::add(Order o) {
  const std::int64_t id = o.id;
  return orders_.insert_or_assign(id, std::move(o)).first->second;
}

void OrderBook::erase(std::int64_t id) { orders_.erase(id); }

namespace {

std::string money(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

double total_of(const Order& o) {
  double t = 0;
  for (const auto& li : o.items) t += li.price * static_cast<double>(li.quantity);
  return t;
}

Json address(const Json& given, bool with_email) {
  Json a = {{"first_name", ""}, {"last_name", ""}, {"company", ""},
            {"address_1", ""},  {"address_2", ""}, {"city", ""},
            {"state", ""},      {"postcode", ""},  {"country", ""}};
  if (with_email) a["email"] = "";
  a["phone"] = "";
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      if (a.contains(it.key()) && it.value().is_string()) a[it.key()] = it.value();
    }
  }
  return a;
}

bool reduces_stock(const std::string& s) {
  return s == "processing" || s == "completed" || s == "on-hold";
}

// Moves stock by -sign*quantity for each line; returns the products saved.
std::vector<std::int64_t> move_stock(Catalog& catalog, const Order& o, int sign, std::int64_t now) {
  std::vector<std::int64_t> touched;
  for (const auto& li : o.items) {
    const std::int64_t pid = li.variation_id ? li.variation_id : li.product_id;
    Product* p = catalog.find(pid);
    if (!p || !p->manage_stock) continue;
    p->stock_quantity -= sign * li.quantity;
    p->stock_status = derived_stock_status(*p);
    p->modified = now;
    touched.push_back(p->is_variation() ? p->parent_id : p->id);
  }
  return touched;
}

std::optional<RestError> add_line(OrderBook& book, Catalog& catalog, Order& o, const Json& in) {
  std::int64_t pid = 0;
  if (in.contains("sku") && in["sku"].is_string() && !in["sku"].get<std::string>().empty()) {
    pid = catalog.id_for_sku(in["sku"].get<std::string>());
  } else if (in.contains("variation_id") && in["variation_id"].is_number() &&
             in["variation_id"].get<std::int64_t>() != 0) {
    pid = in["variation_id"].get<std::int64_t>();
  } else if (in.contains("product_id") && in["product_id"].is_number()) {
    pid = in["product_id"].get<std::int64_t>();
  } else {
    return make_error(400, "woocommerce_rest_required_product_reference",
                      "Product ID or SKU is required.");
  }
  const Product* p = catalog.find(pid);
  if (!p) return make_error(400, "woocommerce_rest_invalid_product_id", "Invalid product ID.");
  LineItem li;
  li.id = book.next_item_id();
  li.product_id = p->is_variation() ? p->parent_id : p->id;
  li.variation_id = p->is_variation() ? p->id : 0;
  li.name = p->name;
  li.sku = p->sku;
  li.quantity = in.contains("quantity") && in["quantity"].is_number()
                    ? in["quantity"].get<std::int64_t>()
                    : 1;
  li.price = price_value(active_price(*p, catalog));
  o.items.push_back(std::move(li));
  return std::nullopt;
}

}  // namespace

Json render_order(const Order& o, const RenderContext& ctx) {
  Json items = Json::array();
  for (const auto& li : o.items) {
    const std::string total = money(li.price * static_cast<double>(li.quantity));
    items.push_back({{"id", li.id},
                     {"name", li.name},
                     {"product_id", li.product_id},
                     {"variation_id", li.variation_id},
                     {"quantity", li.quantity},
                     {"tax_class", ""},
                     {"subtotal", total},
                     {"subtotal_tax", "0.00"},
                     {"total", total},
                     {"total_tax", "0.00"},
                     {"taxes", Json::array()},
                     {"meta_data", Json::array()},
                     {"sku", li.sku},
                     {"price", li.price}});
  }
  auto date_or_null = [&](std::optional<std::int64_t> t, bool gmt) {
    return t ? Json(gmt ? ctx.clock.gmt(*t) : ctx.clock.site(*t)) : Json(nullptr);
  };
  const std::string base = ctx.site + "/wp-json/wc/v3/orders";
  return Json{{"id", o.id},
              {"parent_id", 0},
              {"status", o.status},
              {"currency", o.currency},
              {"version", "9.4.0"},
              {"prices_include_tax", false},
              {"date_created", ctx.clock.site(o.created)},
              {"date_modified", ctx.clock.site(o.modified)},
              {"discount_total", "0.00"},
              {"discount_tax", "0.00"},
              {"shipping_total", "0.00"},
              {"shipping_tax", "0.00"},
              {"cart_tax", "0.00"},
              {"total", money(total_of(o))},
              {"total_tax", "0.00"},
              {"customer_id", 0},
              {"order_key", "wc_order_" + std::to_string(o.id * 7919 % 1000003)},
              {"billing", o.billing},
              {"shipping", o.shipping},
              {"payment_method", o.payment_method},
              {"payment_method_title", o.payment_method},
              {"transaction_id", ""},
              {"customer_note", o.customer_note},
              {"date_completed", nullptr},
              {"date_paid", date_or_null(o.paid, false)},
              {"number", std::to_string(o.id)},
              {"meta_data", Json::array()},
              {"line_items", items},
              {"tax_lines", Json::array()},
              {"shipping_lines", Json::array()},
              {"fee_lines", Json::array()},
              {"coupon_lines", Json::array()},
              {"refunds", Json::array()},
              {"date_created_gmt", ctx.clock.gmt(o.created)},
              {"date_modified_gmt", ctx.clock.gmt(o.modified)},
              {"date_paid_gmt", date_or_null(o.paid, true)},
              {"created_via", "rest-api"},
              {"_links",
               {{"self", Json::array({{{"href", base + "/" + std::to_string(o.id)}}})},
                {"collection", Json::array({{{"href", base}}})}}}};
}

OrderWrite write_order(OrderBook& book, Catalog& catalog, const Order& base, const Json& body,
                       bool strict, std::int64_t now) {
  if (!body.is_object())
    return {0, make_error(400, "rest_invalid_json", "Invalid JSON body passed."), {}};
  if (strict && body.contains("status")) {
    const Json& s = body["status"];
    if (!s.is_string() || std::find(kOrderStatuses.begin(), kOrderStatuses.end(),
                                    s.get<std::string>()) == kOrderStatuses.end()) {
      return {0, invalid_params({{"status", not_one_of("status", kOrderStatuses)}}), {}};
    }
  }
  Order o = base;
  if (base.id == 0) {
    o.billing = address(Json(), true);
    o.shipping = address(Json(), false);
  }
  if (body.contains("billing")) o.billing = address(body["billing"], true);
  if (body.contains("shipping")) o.shipping = address(body["shipping"], false);
  if (body.contains("customer_note") && body["customer_note"].is_string()) {
    o.customer_note = body["customer_note"];
  }
  if (body.contains("payment_method") && body["payment_method"].is_string()) {
    o.payment_method = body["payment_method"];
  }
  if (body.contains("currency") && body["currency"].is_string()) o.currency = body["currency"];
  if (body.contains("line_items") && body["line_items"].is_array()) {
    for (const Json& in : body["line_items"]) {
      const std::int64_t item_id =
          in.contains("id") && in["id"].is_number() ? in["id"].get<std::int64_t>() : 0;
      auto it = std::find_if(o.items.begin(), o.items.end(),
                             [&](const LineItem& li) { return li.id == item_id; });
      if (item_id != 0 && it != o.items.end()) {
        if (in.contains("quantity") && in["quantity"].is_number()) it->quantity = in["quantity"];
        continue;
      }
      if (auto e = add_line(book, catalog, o, in)) return {0, e, {}};
    }
  }
  const std::string old_status = base.id == 0 ? "pending" : base.status;
  if (body.contains("status") && body["status"].is_string()) o.status = body["status"];
  if (body.contains("set_paid") && body["set_paid"] == true) {
    o.paid = now;
    if (o.status == "pending" || o.status == "failed" || o.status == "on-hold")
      o.status = "processing";
  }
  o.modified = now;
  if (base.id == 0) {
    o.id = catalog.next_post_id();
    o.created = now;
  }
  OrderWrite out{o.id, std::nullopt, {}};
  if (reduces_stock(o.status) && !o.stock_reduced) {
    out.touched_products = move_stock(catalog, o, +1, now);
    o.stock_reduced = true;
  } else if ((o.status == "cancelled" || o.status == "pending") && o.stock_reduced &&
             old_status != o.status) {
    out.touched_products = move_stock(catalog, o, -1, now);
    o.stock_reduced = false;
  }
  book.add(std::move(o));
  return out;
}

}  // namespace weir::sims::woo
