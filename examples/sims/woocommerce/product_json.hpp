// Products and categories to and from the JSON of WooCommerce REST API v3.
//
// Writes come in two strictnesses, as in WooCommerce: a request to
// /products or /products/<id> is validated against the item schema by
// WordPress first (a JSON number for a price is a 400 rest_invalid_param:
// "regular_price is not of type string."), while the items of a /batch
// request go straight to the controller, unvalidated, where a number is
// just formatted as a decimal string.
//
// Either way: a sale_price at or above the regular price is dropped
// (stored ""), a duplicated SKU is product_invalid_sku, and a write that
// fails changes nothing.
#pragma once

#include <optional>
#include <string>

#include "catalog.hpp"
#include "rest_reply.hpp"
#include "site_clock.hpp"

namespace weir::sims::woo {

struct RenderContext {
  const SiteClock& clock;
  std::string site;  // "http://host:port", from the request's Host
  Catalog& catalog;
};

Json render_product(const Product& p, const RenderContext& ctx);
Json render_category(const Category& c, const RenderContext& ctx);

enum class Strictness { kSchema, kBatchItem };

// Applies `body` to a copy of `p` (a new product when p.id is 0: the id is
// taken only when everything is valid) and stores it in the catalog.
// Returns the stored product's id, or the error that stopped it.
struct WriteResult {
  std::int64_t id = 0;
  std::optional<RestError> error;
};
WriteResult write_product(Catalog& catalog, const Product& base, const Json& body,
                          Strictness strictness, std::int64_t now);

// The schema check WordPress runs on a single create/update body.
std::optional<RestError> check_product_schema(const Json& body);

// "12,5 EUR" -> "125": what wc_format_decimal keeps of a price.
std::string format_decimal(const Json& value);
double price_value(const std::string& price);

// The price a product sells at: its sale price when on sale, else its
// regular price; a variable product's lowest variation price.
std::string active_price(const Product& p, Catalog& catalog);

std::string sanitize_title(const std::string& name);

}  // namespace weir::sims::woo
