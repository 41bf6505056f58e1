#include "orders.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

double round2(double v) { return std::round(v * 100) / 100; }

bool locked_state(const std::string& s) {
  return s == "holded" || s == "canceled" || s == "complete" || s == "closed" ||
         s == "payment_review";
}

// After an invoice or a shipment: processing, or complete when every
// (non-canceled) quantity is both invoiced and shipped.
void advance(Order& o) {
  bool all_invoiced = true, all_shipped = true;
  for (const auto& i : o.items) {
    if (i.parent_item_id) continue;  // the parent line carries the quantities
    const double open = i.qty_ordered - i.qty_canceled;
    if (i.qty_invoiced < open) all_invoiced = false;
    if (i.qty_shipped < open && i.product_type != "virtual") all_shipped = false;
  }
  if (all_invoiced && all_shipped) {
    o.state = o.status = "complete";
  } else {
    o.state = o.status = "processing";
  }
}

Json history(std::int64_t id, const Order& o, const std::string& comment, const std::string& status,
             int notified, int visible, std::int64_t now) {
  return Json{{"comment", comment},
              {"created_at", format_time(now)},
              {"entity_id", id},
              {"entity_name", "order"},
              {"is_customer_notified", notified},
              {"is_visible_on_front", visible},
              {"parent_id", o.id},
              {"status", status}};
}

Json address(const Order& o, const std::string& type, std::int64_t entity_id) {
  return Json{{"address_type", type},    {"city", o.city},
              {"country_id", o.country}, {"email", o.email},
              {"entity_id", entity_id},  {"firstname", o.firstname},
              {"lastname", o.lastname},  {"parent_id", o.id},
              {"postcode", o.postcode},  {"street", Json::array({o.street})},
              {"telephone", o.telephone}};
}

Json render_item(const Order& o, const OrderItem& i) {
  const double row = i.parent_item_id ? 0 : round2(i.price * i.qty_ordered);
  return Json{{"amount_refunded", 0},
              {"base_price", i.price},
              {"base_row_total", row},
              {"created_at", format_time(o.created)},
              {"item_id", i.item_id},
              {"name", i.name},
              {"order_id", o.id},
              {"price", i.price},
              {"product_id", i.product_id},
              {"product_type", i.product_type},
              {"qty_canceled", i.qty_canceled},
              {"qty_invoiced", i.qty_invoiced},
              {"qty_ordered", i.qty_ordered},
              {"qty_refunded", 0},
              {"qty_shipped", i.qty_shipped},
              {"row_total", row},
              {"sku", i.sku},
              {"store_id", 1},
              {"updated_at", format_time(o.updated)}};
}

}  // namespace

std::string increment_id(std::int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(id));
  return buf;
}

Order* OrderBook::find(std::int64_t id) {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

Order& OrderBook::add(Order o) {
  o.id = ++last_order_;
  std::map<std::int64_t, std::int64_t> renumbered;  // given id -> item id
  for (auto& i : o.items) {
    const std::int64_t given = i.item_id;
    i.item_id = ++last_item_;
    renumbered[given] = i.item_id;
  }
  for (auto& i : o.items) {
    if (i.parent_item_id) i.parent_item_id = renumbered[i.parent_item_id];
  }
  for (auto& h : o.histories) {
    h["entity_id"] = ++last_history_;
    h["parent_id"] = o.id;
  }
  return orders_.emplace(o.id, std::move(o)).first->second;
}

std::vector<std::int64_t> OrderBook::ids() const {
  std::vector<std::int64_t> out;
  out.reserve(orders_.size());
  for (const auto& [id, o] : orders_) out.push_back(id);
  return out;
}

double grand_total(const Order& o) {
  double sum = o.shipping_amount;
  for (const auto& i : o.items) {
    if (!i.parent_item_id) sum += i.price * i.qty_ordered;
  }
  return round2(sum);
}

std::variant<Json, MageError> OrderBook::invoice(Order& o, std::int64_t now) {
  std::string why;
  if (locked_state(o.state)) {
    why = "An invoice cannot be created when an order has a status of " + o.status;
  } else {
    bool any = false;
    for (const auto& i : o.items) {
      if (!i.parent_item_id && i.qty_ordered - i.qty_canceled - i.qty_invoiced > 0) any = true;
    }
    if (!any) why = "The order does not allow an invoice to be created.";
  }
  if (!why.empty()) return error(400, "Invoice Document Validation Error(s):\n" + why);
  for (auto& i : o.items) i.qty_invoiced = i.qty_ordered - i.qty_canceled;
  advance(o);
  o.updated = now;
  o.invoices.push_back(++last_invoice_);
  return Json(std::to_string(last_invoice_));  // the entity id as the database gave it: a string
}

std::variant<Json, MageError> OrderBook::ship(Order& o, const Json& body, std::int64_t now) {
  std::string why;
  bool all_virtual = true;
  for (const auto& i : o.items) {
    if (!i.parent_item_id && i.product_type != "virtual") all_virtual = false;
  }
  if (o.state == "holded" || o.state == "canceled" || o.state == "payment_review" || all_virtual) {
    why = "A shipment cannot be created when an order has a status of " + o.status;
  } else {
    bool any = false;
    for (const auto& i : o.items) {
      if (!i.parent_item_id && i.product_type != "virtual" &&
          i.qty_ordered - i.qty_canceled - i.qty_shipped > 0) {
        any = true;
      }
    }
    // CanShip, then the shipment's quantity validator, which finds nothing to ship.
    if (!any) {
      why =
          "The order does not allow a shipment to be created.\nYou can't create a shipment "
          "without products.";
    }
  }
  if (!why.empty()) return error(400, "Shipment Document Validation Error(s):\n" + why);
  const Json items =
      body.contains("items") && body["items"].is_array() ? body["items"] : Json::array();
  std::map<std::int64_t, double> wanted;  // order_item_id -> qty; empty: everything
  for (const auto& it : items) {
    if (it.is_object()) wanted[it.value("order_item_id", std::int64_t{0})] += it.value("qty", 0.0);
  }
  for (auto& i : o.items) {
    if (i.product_type == "virtual") continue;
    const double open = i.qty_ordered - i.qty_canceled - i.qty_shipped;
    if (wanted.empty()) {
      i.qty_shipped += open;
    } else if (auto w = wanted.find(i.item_id); w != wanted.end()) {
      i.qty_shipped += std::min(open, w->second);
    }
  }
  if (body.contains("tracks") && body["tracks"].is_array()) {
    for (const auto& t : body["tracks"]) o.tracks.push_back(t);
  }
  advance(o);
  o.updated = now;
  o.shipments.push_back(++last_shipment_);
  return Json(std::to_string(last_shipment_));
}

bool OrderBook::cancel(Order& o, std::int64_t now) {
  if (o.state == "canceled" || o.state == "complete" || o.state == "closed" ||
      o.state == "holded" || o.state == "payment_review") {
    return false;
  }
  bool all_invoiced = true;
  for (const auto& i : o.items) {
    if (!i.parent_item_id && i.qty_ordered - i.qty_canceled - i.qty_invoiced > 0)
      all_invoiced = false;
  }
  if (all_invoiced) return false;
  for (auto& i : o.items) i.qty_canceled = i.qty_ordered - i.qty_invoiced;
  o.state = o.status = "canceled";
  o.updated = now;
  return true;
}

std::variant<Json, MageError> OrderBook::comment(Order& o, const Json& body, std::int64_t now) {
  if (!body.contains("statusHistory") || !body["statusHistory"].is_object()) {
    return required_field("statusHistory");
  }
  const Json& h = body["statusHistory"];
  const std::string status =
      h.contains("status") && h["status"].is_string() ? h["status"].get<std::string>() : o.status;
  auto flag = [&](const char* name) {
    if (!h.contains(name)) return 0;
    const Json& v = h[name];
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_number()) return v.get<int>() ? 1 : 0;
    return 0;
  };
  o.histories.insert(o.histories.begin(),
                     history(++last_history_, o, h.value("comment", std::string()), status,
                             flag("is_customer_notified"), flag("is_visible_on_front"), now));
  o.status = status;  // Order::addStatusHistory sets the order's status
  o.updated = now;
  return Json(true);
}

Json render_order(const Order& o) {
  double qty = 0, invoiced = 0;
  Json items = Json::array();
  std::map<std::int64_t, Json> parents;
  for (const auto& i : o.items) {
    Json item = render_item(o, i);
    if (!i.parent_item_id) {
      qty += i.qty_ordered;
      invoiced += i.price * i.qty_invoiced;
      parents[i.item_id] = item;
    }
  }
  for (const auto& i : o.items) {
    Json item = render_item(o, i);
    if (i.parent_item_id) {
      item["parent_item_id"] = i.parent_item_id;
      item["parent_item"] = parents[i.parent_item_id];
    }
    items.push_back(item);
  }
  const double total = grand_total(o);
  const double subtotal = round2(total - o.shipping_amount);
  Json out = {{"base_currency_code", "EUR"},
              {"base_grand_total", total},
              {"billing_address_id", o.id * 2 - 1},
              {"created_at", format_time(o.created)},
              {"customer_email", o.email},
              {"customer_firstname", o.firstname},
              {"customer_is_guest", 1},
              {"customer_lastname", o.lastname},
              {"entity_id", o.id},
              {"global_currency_code", "EUR"},
              {"grand_total", total},
              {"increment_id", increment_id(o.id)},
              {"order_currency_code", "EUR"},
              {"shipping_amount", o.shipping_amount},
              {"shipping_description", "Flat Rate - Fixed"},
              {"state", o.state},
              {"status", o.status},
              {"store_currency_code", "EUR"},
              {"store_id", 1},
              {"subtotal", subtotal},
              {"tax_amount", 0},
              {"total_due", round2(total - (invoiced > 0 ? total : 0))},
              {"total_item_count", static_cast<int>(parents.size())},
              {"total_qty_ordered", qty},
              {"updated_at", format_time(o.updated)},
              {"items", items},
              {"billing_address", address(o, "billing", o.id * 2 - 1)},
              {"payment",
               {{"account_status", nullptr},
                {"additional_information", Json::array({"Check / Money order"})},
                {"method", "checkmo"},
                {"parent_id", o.id}}},
              {"status_histories", o.histories}};
  if (invoiced > 0) {
    out["total_invoiced"] = total;
    out["total_paid"] = total;
  }
  Json shipping_items = Json::array();
  for (const auto& i : items) shipping_items.push_back(i);
  out["extension_attributes"] = {
      {"shipping_assignments",
       Json::array({{{"shipping",
                      {{"address", address(o, "shipping", o.id * 2)},
                       {"method", "flatrate_flatrate"},
                       {"total", {{"shipping_amount", o.shipping_amount}}}}},
                     {"items", shipping_items}}})}};
  return out;
}

}  // namespace weir::sims::mage
