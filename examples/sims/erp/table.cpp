#include "table.hpp"

namespace weir::sims::erp {
namespace {

using K = FieldValue::Kind;

FieldValue text(std::string s) { return {K::kText, std::move(s), 0, 0}; }
FieldValue number(double n) { return {K::kNumber, "", n, 0}; }
FieldValue at(Seconds t) { return {K::kTime, "", 0, t}; }
double money(Cents c) { return static_cast<double>(c) / 100.0; }

Table products(const ErpData& d, const Render& r) {
  Table t{"products",
          d.products.size(),
          {{"sku", K::kText},
           {"name", K::kText},
           {"brand", K::kText},
           {"status", K::kText},
           {"tax_class", K::kText},
           {"price", K::kNumber},
           {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d](std::size_t i, const std::string& f) {
    const Product& p = d.products[i];
    if (f == "sku") return text(p.sku);
    if (f == "name") return text(p.name);
    if (f == "brand") return text(p.brand);
    if (f == "status") return text(p.discontinued ? "discontinued" : "active");
    if (f == "tax_class") return text(p.tax_class);
    if (f == "price") return number(money(p.price));
    return at(p.updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.product(d, d.products[i]); };
  return t;
}

Table prices(const ErpData& d, const Render& r) {
  Table t{"prices",
          d.products.size(),
          {{"sku", K::kText},
           {"price_list", K::kText},
           {"currency", K::kText},
           {"price", K::kNumber},
           {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d](std::size_t i, const std::string& f) {
    const Product& p = d.products[i];
    if (f == "sku") return text(p.sku);
    if (f == "price_list") return text("RETAIL");
    if (f == "currency") return text("EUR");
    if (f == "price") return number(money(p.price));
    return at(p.price_updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.price_row(d.products[i]); };
  return t;
}

// One row per product and warehouse: row = product * warehouses + warehouse.
Table stock(const ErpData& d, const Render& r) {
  const std::size_t w = d.warehouses.size();
  Table t{"stock",
          d.products.size() * w,
          {{"sku", K::kText},
           {"warehouse", K::kText},
           {"quantity", K::kNumber},
           {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d, w](std::size_t i, const std::string& f) {
    const Product& p = d.products[i / w];
    if (f == "sku") return text(p.sku);
    if (f == "warehouse") return text(d.warehouses[i % w].code);
    if (f == "quantity") return number(p.stock[i % w]);
    return at(p.stock_updated_at);
  };
  t.render = [&d, &r, w](std::size_t i) { return r.stock_row(d, d.products[i / w], i % w); };
  return t;
}

Table customers(const ErpData& d, const Render& r) {
  const bool numeric = r.style().ids == IdForm::kNumber;
  Table t{"customers",
          d.customers.size(),
          {{"id", numeric ? K::kNumber : K::kText},
           {"number", K::kText},
           {"name", K::kText},
           {"email", K::kText},
           {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d, &r, numeric](std::size_t i, const std::string& f) {
    const Customer& c = d.customers[i];
    if (f == "id") return numeric ? number(c.id) : text(r.customer_id_text(c.id));
    if (f == "number") return text(c.number);
    if (f == "name") return text(c.name);
    if (f == "email") return text(c.email);
    return at(c.updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.customer(d.customers[i]); };
  return t;
}

Table orders(const ErpData& d, const Render& r) {
  const bool numeric = r.style().ids == IdForm::kNumber;
  const K id_kind = numeric ? K::kNumber : K::kText;
  Table t{"orders",
          d.orders.size(),
          {{"id", id_kind},
           {"number", K::kText},
           {"external_ref", K::kText},
           {"customer_id", id_kind},
           {"status", K::kText},
           {"created_at", K::kTime},
           {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d, &r, numeric](std::size_t i, const std::string& f) {
    const Order& o = d.orders[i];
    if (f == "id") return numeric ? number(o.id) : text(r.order_id_text(o.id));
    if (f == "number") return text(o.number);
    if (f == "external_ref") return text(o.external_ref);
    if (f == "customer_id") {
      return numeric ? number(o.customer_id) : text(r.customer_id_text(o.customer_id));
    }
    if (f == "status") return text(r.style().status_code(o.status));
    if (f == "created_at") return at(o.created_at);
    return at(o.updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.order(d.orders[i]); };
  return t;
}

Table categories(const ErpData& d, const Render& r) {
  Table t{
      "categories",
      d.categories.size(),
      {{"id", K::kNumber}, {"name", K::kText}, {"parent_id", K::kNumber}, {"updated_at", K::kTime}},
      {},
      {}};
  t.value = [&d](std::size_t i, const std::string& f) {
    const Category& c = d.categories[i];
    if (f == "id") return number(c.id);
    if (f == "name") return text(c.name);
    if (f == "parent_id") return number(c.parent_id);
    return at(c.updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.category(d, d.categories[i]); };
  return t;
}

Table warehouses(const ErpData& d, const Render& r) {
  Table t{"warehouses",
          d.warehouses.size(),
          {{"code", K::kText}, {"name", K::kText}, {"updated_at", K::kTime}},
          {},
          {}};
  t.value = [&d](std::size_t i, const std::string& f) {
    const Warehouse& w = d.warehouses[i];
    if (f == "code") return text(w.code);
    if (f == "name") return text(w.name);
    return at(w.updated_at);
  };
  t.render = [&d, &r](std::size_t i) { return r.warehouse(d.warehouses[i]); };
  return t;
}

}  // namespace

Table make_table(const std::string& resource, const ErpData& d, const Render& r) {
  if (resource == "products") return products(d, r);
  if (resource == "prices") return prices(d, r);
  if (resource == "stock") return stock(d, r);
  if (resource == "customers") return customers(d, r);
  if (resource == "orders") return orders(d, r);
  if (resource == "categories") return categories(d, r);
  return warehouses(d, r);
}

}  // namespace weir::sims::erp
