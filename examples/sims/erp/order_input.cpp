#include "order_input.hpp"

#include <cmath>

namespace weir::sims::erp {
namespace {

using nlohmann::json;

// A field read by its wire name; null when absent.
const json& get(const json& obj, const Render& r, const char* resource, const char* canonical) {
  static const json kNull;
  auto it = obj.find(r.f(resource, canonical));
  return it == obj.end() ? kNull : *it;
}

bool text_field(const json& obj, const Render& r, const char* resource, const char* canonical,
                const std::string& path, bool required, std::string* out,
                std::vector<FieldError>* errors) {
  const json& v = get(obj, r, resource, canonical);
  const std::string name = path + r.f(resource, canonical);
  if (v.is_null()) {
    if (required) errors->push_back({name, "missing_field", "is required"});
    return !required;
  }
  if (!v.is_string() || (required && v.get<std::string>().empty())) {
    errors->push_back(
        {name, "invalid_field", required ? "must be a non-empty string" : "must be a string"});
    return false;
  }
  *out = v.get<std::string>();
  return true;
}

void read_address(const json& v, const Render& r, const std::string& path, Address* out,
                  std::vector<FieldError>* errors) {
  if (!v.is_object()) {
    errors->push_back({path, "invalid_field", "must be an object"});
    return;
  }
  const std::string p = path + ".";
  const char* a = "addresses";
  text_field(v, r, a, "type", p, false, &out->type, errors);
  text_field(v, r, a, "name", p, false, &out->name, errors);
  text_field(v, r, a, "street", p, true, &out->street, errors);
  text_field(v, r, a, "city", p, true, &out->city, errors);
  text_field(v, r, a, "postcode", p, true, &out->postcode, errors);
  text_field(v, r, a, "country", p, true, &out->country, errors);
}

int read_id(const json& v, bool customer, const Render& r) {
  if (v.is_number_integer() && r.style().ids == IdForm::kNumber) {
    const auto n = v.get<long long>();
    return n > 0 && n < 1000000000 ? static_cast<int>(n) : 0;
  }
  if (!v.is_string()) return 0;
  const auto s = v.get<std::string>();
  return customer ? r.parse_customer_id(s) : r.parse_order_id(s);
}

}  // namespace

bool parse_body(const std::string& text, json* out, std::string* err) {
  bool too_deep = false;
  auto limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth > 64 &&
        (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start)) {
      too_deep = true;
    }
    return !too_deep;
  };
  *out = json::parse(text, limit, false);
  if (too_deep) {
    *err = "the body nests deeper than 64 levels";
    return false;
  }
  if (out->is_discarded() || !out->is_object()) {
    *err = "the body is not a JSON object";
    return false;
  }
  return true;
}

bool read_money(const json& v, Cents* out) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > 1e12) return false;
    *out = static_cast<Cents>(std::llround(d * 100));
    return true;
  }
  if (!v.is_string()) return false;
  const auto s = v.get<std::string>();
  Cents whole = 0;
  Cents cents = 0;
  int places = -1;
  for (char c : s) {
    if (c == '.' && places < 0) {
      places = 0;
    } else if (c >= '0' && c <= '9' && places < 2 && whole < 10000000000LL) {
      if (places < 0)
        whole = whole * 10 + (c - '0');
      else
        cents = cents * 10 + (c - '0'), ++places;
    } else {
      return false;
    }
  }
  if (s.empty() || s == "." || places == 0) return false;
  *out = whole * 100 + (places == 1 ? cents * 10 : cents);
  return true;
}

bool read_customer(const json& body, const Render& r, Customer* out,
                   std::vector<FieldError>* errors) {
  const char* c = "customers";
  text_field(body, r, c, "name", "", true, &out->name, errors);
  if (text_field(body, r, c, "email", "", true, &out->email, errors) &&
      out->email.find('@') == std::string::npos) {
    errors->push_back(
        {r.f(c, "email"), "invalid_email", "\"" + out->email + "\" is not an e-mail address"});
  }
  text_field(body, r, c, "phone", "", false, &out->phone, errors);
  const json& addresses = get(body, r, c, "addresses");
  const std::string name = r.f(c, "addresses");
  if (!addresses.is_null() && !addresses.is_array()) {
    errors->push_back({name, "invalid_field", "must be an array"});
  } else if (addresses.is_array()) {
    for (std::size_t i = 0; i < addresses.size() && i < 20; ++i) {
      Address a;
      read_address(addresses[i], r, name + "[" + std::to_string(i) + "]", &a, errors);
      if (a.type.empty()) a.type = i == 0 ? "billing" : "shipping";
      if (a.name.empty()) a.name = out->name;
      out->addresses.push_back(std::move(a));
    }
  }
  return errors->empty();
}

bool read_order(const json& body, const Render& r, OrderInput* in,
                std::vector<FieldError>* errors) {
  const char* o = "orders";
  Order& order = in->order;
  text_field(body, r, o, "external_ref", "", false, &order.external_ref, errors);
  const json& customer = get(body, r, o, "customer_id");
  order.customer_id = read_id(customer, true, r);
  if (order.customer_id == 0) {
    errors->push_back({r.f(o, "customer_id"),
                       customer.is_null() ? "missing_field" : "invalid_field",
                       customer.is_null() ? "is required" : "is not a customer id of this ERP"});
  }
  if (text_field(body, r, o, "currency", "", false, &order.currency, errors) &&
      order.currency.size() != 3) {
    errors->push_back({r.f(o, "currency"), "invalid_field", "must be a 3-letter ISO 4217 code"});
  }
  if (order.currency.empty()) order.currency = "EUR";
  const json& lines = get(body, r, o, "lines");
  const std::string lines_name = r.f(o, "lines");
  if (!lines.is_array() || lines.empty()) {
    errors->push_back({lines_name, "missing_lines", "an order needs at least one line"});
  } else {
    for (std::size_t i = 0; i < lines.size() && i < 1000; ++i) {
      const std::string p = lines_name + "[" + std::to_string(i) + "].";
      OrderLine line;
      const json& l = lines[i];
      if (!l.is_object()) {
        errors->push_back({p.substr(0, p.size() - 1), "invalid_field", "must be an object"});
        continue;
      }
      text_field(l, r, "lines", "sku", p, true, &line.sku, errors);
      const json& q = get(l, r, "lines", "quantity");
      if (!q.is_number_integer() || q.get<long long>() < 1 || q.get<long long>() > 1000000) {
        errors->push_back({p + r.f("lines", "quantity"), "invalid_quantity",
                           "must be a whole number from 1 to 1000000"});
      } else {
        line.quantity = q.get<int>();
      }
      const json& price = get(l, r, "lines", "price");
      in->line_has_price.push_back(!price.is_null());
      if (!price.is_null() && !read_money(price, &line.price)) {
        errors->push_back({p + r.f("lines", "price"), "invalid_price",
                           "must be a decimal of at most 2 places, not below 0"});
      }
      order.lines.push_back(std::move(line));
    }
  }
  const json& address = get(body, r, o, "shipping_address");
  if (!address.is_null()) {
    in->has_address = true;
    read_address(address, r, r.f(o, "shipping_address"), &order.shipping_address, errors);
    order.shipping_address.type = "shipping";
  }
  return errors->empty();
}

}  // namespace weir::sims::erp
