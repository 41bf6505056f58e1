// Request bodies of the write calls, read with the style's field names into
// canonical records, every problem collected as a FieldError (field paths
// in wire names) rather than stopping at the first. Only the shape is
// checked here; what needs the data (does the SKU exist, does the
// customer's postcode fit) is checked by the API with the lock held.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "errors.hpp"
#include "model.hpp"
#include "render.hpp"

namespace weir::sims::erp {

struct OrderInput {
  Order order;  // lines and shipping address as sent
  bool has_address = false;
  std::vector<bool> line_has_price;
};

// A customer to create. Addresses are kept as given: the ERP takes any
// postcode for a customer and checks it when an order ships there.
bool read_customer(const nlohmann::json& body, const Render& r, Customer* out,
                   std::vector<FieldError>* errors);

bool read_order(const nlohmann::json& body, const Render& r, OrderInput* out,
                std::vector<FieldError>* errors);

// Parses a body as a JSON object of at most 64 levels; false with `err`.
bool parse_body(const std::string& text, nlohmann::json* out, std::string* err);

// A money value from a JSON number or a decimal string ("19.90").
bool read_money(const nlohmann::json& v, Cents* out);

}  // namespace weir::sims::erp
