// The ERP's records in memory, in canonical form: what the simulated company
// keeps, independent of how a style spells it on the wire (render.hpp does
// that). Money is whole cents, weight whole grams, times UTC seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::sims::erp {

using Cents = std::int64_t;
using Seconds = std::int64_t;  // since the Unix epoch, UTC

struct Category {
  int id = 0;
  std::string name;
  int parent_id = 0;  // 0: a top-level category
  Seconds updated_at = 0;
};

struct Warehouse {
  std::string code;  // "MAIN"
  std::string name;
  std::string country;
  Seconds updated_at = 0;
};

// The texts and image URLs are made from a few stored facts when asked for
// (see product_text.cpp): 500,000 products then fit in about a tenth of
// the memory that stored texts would take.
struct Product {
  std::string sku;
  std::string name;
  std::string brand;
  const char* kind = "";  // "Drill": what the texts call it
  int image_count = 1;
  int warranty_years = 1;
  int text_revision = 0;          // bumped by each text change (/_sim/change)
  int image_revision = 0;         // bumped by each change of images (/_sim/change)
  std::vector<int> category_ids;  // leaves of the category tree
  Cents price = 0;
  std::optional<Cents> sale_price;
  std::string tax_class;  // "standard", "reduced", "zero"
  int weight_grams = 0;
  bool discontinued = false;
  std::vector<int> stock;        // quantity per warehouse, in warehouse order
  Seconds updated_at = 0;        // any change to the product, stock and price included
  Seconds price_updated_at = 0;  // the price list row
  Seconds stock_updated_at = 0;  // the stock rows

  std::string short_description() const;
  std::string description() const;          // HTML
  std::vector<std::string> images(const std::string& base) const;  // URLs below `base`
};

struct Address {
  std::string type;  // "billing", "shipping"
  std::string name;
  std::string street;
  std::string city;
  std::string postcode;
  std::string country;  // ISO 3166-1 alpha-2
};

struct Customer {
  int id = 0;
  std::string number;  // "C00017"
  std::string name;
  std::string email;
  std::string phone;
  std::vector<Address> addresses;
  Seconds created_at = 0;
  Seconds updated_at = 0;
};

// new -> validated -> paid -> shipped; cancelled from any but shipped.
enum class OrderStatus { kNew, kValidated, kPaid, kShipped, kCancelled };

struct OrderLine {
  std::string sku;
  int quantity = 0;
  Cents price = 0;  // per unit
};

struct Order {
  int id = 0;
  std::string number;        // "SO-1001"
  std::string external_ref;  // the shop's order number; may be empty
  int customer_id = 0;
  OrderStatus status = OrderStatus::kNew;
  std::vector<OrderLine> lines;
  Address shipping_address;
  std::string currency = "EUR";
  std::string tracking;
  Seconds created_at = 0;
  Seconds updated_at = 0;

  Cents total() const {
    Cents sum = 0;
    for (const auto& l : lines) sum += l.price * l.quantity;
    return sum;
  }
};

}  // namespace weir::sims::erp
