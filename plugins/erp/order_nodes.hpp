// The order side of the ERP connector, in C++ on top of the generic one, so
// an order topology reads "shop order -> tax -> ERP order" with no web of
// mappers.
//
// erp.tax: adds the tax an ERP wants to see on each line and in total,
// computed in exact decimals (never a binary float):
//   config: {lines: line_items, price: price, quantity: quantity,
//            class: tax_class, rates: {standard: "21", reduced: "12"},
//            default_class: standard, prices_include_tax: false, decimals: 2}
// Each line gets net, tax and gross (decimal strings); the order gets
// net_total, tax_total and gross_total. A line with a tax class the config
// has no rate for fails the order naming both.
//
// erp.create_order: the customer first (created when the ERP does not have
// it: `customer`, a write spec like erp.upsert's, rendered from the order's
// `customer_from` part, e.g. billing), its id put at `customer_field` in
// the order, then the order itself (`order`, a write spec: ID map, lookup by
// the shop's order number, create, follow-up calls such as validation).
// An ERP validation error (a bad postcode: 422 with a reason) fails the
// order with the ERP's words; fixed at the source, a replay goes through.
// Goes on as the order with order_id (the ERP's) and customer_id.
#pragma once

#include "rest_nodes.hpp"

namespace weir::erp {

class Tax : public Node {
 public:
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit Tax(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  FieldPath lines_, price_, quantity_, class_;
  std::map<std::string, std::string> rates_;  // class -> percent, decimal text
  std::string default_class_ = "standard";
  bool prices_include_tax_ = false;
  int decimals_ = 2;
};

class CreateOrder : public Node {
 public:
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit CreateOrder(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  WriteSpec order_;
  std::optional<WriteSpec> customer_;
  FieldPath customer_from_;
  std::string customer_field_ = "customer_id";
};

}  // namespace weir::erp
