// Records as a style spells them on the wire: field names, money and weight
// as strings or numbers, times in the style's format, ids as numbers or
// prefixed strings, order statuses as names or letters. Also the reverse
// for ids (an id in a path or a body). Stateless; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "erp_data.hpp"
#include "style.hpp"

namespace weir::sims::erp {

using Json = nlohmann::ordered_json;  // keeps fields in the order written

class Render {
 public:
  explicit Render(const Style& style) : style_(style) {}

  Json product(const ErpData& d, const Product& p) const;
  Json price_row(const Product& p) const;
  Json stock_row(const ErpData& d, const Product& p, std::size_t warehouse) const;
  Json customer(const Customer& c) const;
  Json order(const Order& o) const;
  Json category(const ErpData& d, const Category& c) const;
  Json warehouse(const Warehouse& w) const;
  Json address(const Address& a) const;

  Json money(Cents cents) const;
  Json time(Seconds t) const;
  Json customer_id(int id) const;
  Json order_id(int id) const;
  std::string customer_id_text(int id) const;
  std::string order_id_text(int id) const;
  // An id as a path segment or a JSON value of this style; 0 if it is none.
  int parse_customer_id(std::string_view text) const;
  int parse_order_id(std::string_view text) const;

  std::string f(std::string_view resource, std::string_view canonical) const {
    return style_.field(resource, canonical);
  }
  const Style& style() const { return style_; }

 private:
  const Style& style_;
};

}  // namespace weir::sims::erp
