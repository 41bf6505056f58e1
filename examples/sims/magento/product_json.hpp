// Products to and from the JSON of Magento's catalog REST API
// (Magento\Catalog\Api\Data\ProductInterface).
//
// A save (POST /V1/products, PUT /V1/products/<sku>, a bulk operation)
// follows ProductRepository::save: the product is looked up by its SKU and
// updated when it exists, created when it does not (so PUT with an unknown
// SKU creates). Checks, each failing the whole save and changing nothing:
// JSON types as the webapi input processor converts them ("The \"x\"
// value's type is invalid. The \"float\" type was expected. ..."), required
// attributes on create (SKU, Product Name, Price for simple/virtual: "The
// \"Price\" attribute value is empty. Set the attribute and try again."), a
// negative price ("Please enter a number 0 or greater in this field."), a
// category link to no category ("The product was unable to be saved.
// Please try again."), a url_key (given, or made from the name on create)
// that another visible product holds ("URL key for specified store already
// exists."). Every save moves updated_at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "catalog.hpp"
#include "errors.hpp"

namespace weir::sims::mage {

Json render_product(Catalog& catalog, const Product& p);

struct ProductSave {
  std::int64_t id = 0;
  bool created = false;
  int images_uploaded = 0;  // gallery entries that came with their content
  std::optional<MageError> error;
};

// `body` is the request's {"product": {...}, "saveOptions": ...};
// `path_sku` the SKU of PUT /V1/products/<sku> ("" for POST).
ProductSave save_product(Catalog& catalog, const Json& body, const std::string& path_sku,
                         std::int64_t now);

// What the webapi input processor checks while converting a body into a
// ProductInterface, before any service runs (a bulk request checks every
// item so, and fails whole): "product" present, and the JSON types.
std::optional<MageError> check_product_input(const Json& body);

// The JSON number in `v` (a number or a numeric string, as PHP casts), or
// the webapi's type error for `type` ("float", "int").
std::optional<double> number_of(const Json& v);
MageError type_error(const Json& v, const std::string& type);

}  // namespace weir::sims::mage
