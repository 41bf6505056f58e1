#include "list_products.hpp"

#include "mg_api.hpp"

namespace weir::magento {

const char* ListProducts::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "store": {"type": "string", "description": "the store code (default: the app's settings.store, else default)"},
      "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
      "type": {"type": "string", "enum": ["simple", "configurable", "virtual", "bundle",
                                          "grouped", "downloadable"]}
    }
  })json";
}

ListProducts::ListProducts(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.list_products: " + errors.front());
  page_size_ = init.config.value("page_size", 100);
  type_ = init.config.value("type", std::string());
}

Result ListProducts::process(Context& ctx) {
  Criteria c = listing_criteria(ctx.message(), page_size_);
  if (!type_.empty()) c.filters.push_back({"type_id", type_, "eq"});
  HttpRequest r;
  r.target = v1(store_in(ctx, store_), "products");
  const Json answer = search(ctx, r, c);
  for (const auto& p : answer["items"]) ctx.emit(p);
  return after_page(c, answer);
}

}  // namespace weir::magento
