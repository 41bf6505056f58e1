#include "render.hpp"

#include <cstdio>

#include "time_text.hpp"

namespace weir::sims::erp {
namespace {

std::string decimal_text(std::int64_t units, int places) {
  std::int64_t scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  const char* sign = units < 0 ? "-" : "";
  const std::int64_t a = units < 0 ? -units : units;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%0*lld", sign, static_cast<long long>(a / scale), places,
                static_cast<long long>(a % scale));
  return buf;
}

int parse_digits(std::string_view text) {
  if (text.empty() || text.size() > 9) return 0;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Json Render::money(Cents cents) const {
  if (style_.decimals == Decimals::kString) return decimal_text(cents, 2);
  return static_cast<double>(cents) / 100.0;
}

Json Render::time(Seconds t) const { return format_time(t, style_.time_format); }

std::string Render::customer_id_text(int id) const {
  if (style_.ids == IdForm::kNumber) return std::to_string(id);
  char buf[16];
  std::snprintf(buf, sizeof buf, "C%05d", id);
  return buf;
}

std::string Render::order_id_text(int id) const {
  return style_.ids == IdForm::kNumber ? std::to_string(id) : "ORD-" + std::to_string(id);
}

Json Render::customer_id(int id) const {
  if (style_.ids == IdForm::kNumber) return id;
  return customer_id_text(id);
}

Json Render::order_id(int id) const {
  if (style_.ids == IdForm::kNumber) return id;
  return order_id_text(id);
}

int Render::parse_customer_id(std::string_view text) const {
  if (style_.ids == IdForm::kPrefixed) {
    if (!text.starts_with("C")) return 0;
    text.remove_prefix(1);
  }
  return parse_digits(text);
}

int Render::parse_order_id(std::string_view text) const {
  if (style_.ids == IdForm::kPrefixed) {
    if (!text.starts_with("ORD-")) return 0;
    text.remove_prefix(4);
  }
  return parse_digits(text);
}

Json Render::product(const ErpData& d, const Product& p) const {
  const char* r = "products";
  Json j;
  j[f(r, "sku")] = p.sku;
  j[f(r, "name")] = p.name;
  j[f(r, "short_description")] = p.short_description();
  j[f(r, "description")] = p.description();
  j[f(r, "brand")] = p.brand;
  j[f(r, "images")] = p.images(images_base(style_));
  Json cats = Json::array();
  for (int id : p.category_ids) {
    const Category* c = d.category(id);
    if (c == nullptr) continue;
    cats.push_back({{f("categories", "id"), c->id},
                    {f("categories", "name"), c->name},
                    {f("categories", "path"), d.category_path(c->id)}});
  }
  j[f(r, "categories")] = std::move(cats);
  j[f(r, "price")] = money(p.price);
  j[f(r, "sale_price")] = p.sale_price ? money(*p.sale_price) : Json(nullptr);
  j[f(r, "tax_class")] = p.tax_class;
  if (style_.decimals == Decimals::kString) {
    j[f(r, "weight")] = decimal_text(p.weight_grams, 3);
  } else {
    j[f(r, "weight")] = static_cast<double>(p.weight_grams) / 1000.0;
  }
  j[f(r, "status")] = p.discontinued ? "discontinued" : "active";
  Json stock = Json::array();
  for (std::size_t w = 0; w < p.stock.size() && w < d.warehouses.size(); ++w) {
    stock.push_back(
        {{f("stock", "warehouse"), d.warehouses[w].code}, {f("stock", "quantity"), p.stock[w]}});
  }
  j[f(r, "stock")] = std::move(stock);
  j[f(r, "updated_at")] = time(p.updated_at);
  return j;
}

Json Render::price_row(const Product& p) const {
  const char* r = "prices";
  Json j;
  j[f(r, "sku")] = p.sku;
  j[f(r, "price_list")] = "RETAIL";
  j[f(r, "currency")] = "EUR";
  j[f(r, "price")] = money(p.price);
  j[f(r, "sale_price")] = p.sale_price ? money(*p.sale_price) : Json(nullptr);
  j[f(r, "updated_at")] = time(p.price_updated_at);
  return j;
}

Json Render::stock_row(const ErpData& d, const Product& p, std::size_t warehouse) const {
  const char* r = "stock";
  Json j;
  j[f(r, "sku")] = p.sku;
  j[f(r, "warehouse")] = d.warehouses[warehouse].code;
  j[f(r, "quantity")] = p.stock[warehouse];
  j[f(r, "updated_at")] = time(p.stock_updated_at);
  return j;
}

Json Render::address(const Address& a) const {
  const char* r = "addresses";
  Json j;
  j[f(r, "type")] = a.type;
  j[f(r, "name")] = a.name;
  j[f(r, "street")] = a.street;
  j[f(r, "city")] = a.city;
  j[f(r, "postcode")] = a.postcode;
  j[f(r, "country")] = a.country;
  return j;
}

Json Render::customer(const Customer& c) const {
  const char* r = "customers";
  Json j;
  j[f(r, "id")] = customer_id(c.id);
  j[f(r, "number")] = c.number;
  j[f(r, "name")] = c.name;
  j[f(r, "email")] = c.email;
  j[f(r, "phone")] = c.phone;
  Json addresses = Json::array();
  for (const auto& a : c.addresses) addresses.push_back(address(a));
  j[f(r, "addresses")] = std::move(addresses);
  j[f(r, "created_at")] = time(c.created_at);
  j[f(r, "updated_at")] = time(c.updated_at);
  return j;
}

Json Render::order(const Order& o) const {
  const char* r = "orders";
  Json j;
  j[f(r, "id")] = order_id(o.id);
  j[f(r, "number")] = o.number;
  j[f(r, "external_ref")] = o.external_ref;
  j[f(r, "customer_id")] = customer_id(o.customer_id);
  j[f(r, "status")] = style_.status_code(o.status);
  j[f(r, "currency")] = o.currency;
  j[f(r, "total")] = money(o.total());
  Json lines = Json::array();
  for (const auto& l : o.lines) {
    lines.push_back({{f("lines", "sku"), l.sku},
                     {f("lines", "quantity"), l.quantity},
                     {f("lines", "price"), money(l.price)}});
  }
  j[f(r, "lines")] = std::move(lines);
  j[f(r, "shipping_address")] = address(o.shipping_address);
  j[f(r, "tracking")] = o.tracking.empty() ? Json(nullptr) : Json(o.tracking);
  j[f(r, "created_at")] = time(o.created_at);
  j[f(r, "updated_at")] = time(o.updated_at);
  return j;
}

Json Render::category(const ErpData& d, const Category& c) const {
  const char* r = "categories";
  Json j;
  j[f(r, "id")] = c.id;
  j[f(r, "name")] = c.name;
  j[f(r, "parent_id")] = c.parent_id == 0 ? Json(nullptr) : Json(c.parent_id);
  j[f(r, "path")] = d.category_path(c.id);
  j[f(r, "updated_at")] = time(c.updated_at);
  return j;
}

Json Render::warehouse(const Warehouse& w) const {
  const char* r = "warehouses";
  Json j;
  j[f(r, "code")] = w.code;
  j[f(r, "name")] = w.name;
  j[f(r, "country")] = w.country;
  j[f(r, "updated_at")] = time(w.updated_at);
  return j;
}

}  // namespace weir::sims::erp
