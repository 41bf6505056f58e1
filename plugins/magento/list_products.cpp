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
  const Message& m = ctx.message();
  Criteria c;
  c.page_size = page_size_;
  if (!m.cursor().empty()) c.page = std::stoi(std::string(m.cursor()));
  if (!type_.empty()) c.filters.push_back({"type_id", type_, "eq"});
  if (auto window = m.sync_window(); window && window->since) {
    c.filters.push_back({"updated_at", mg_time(*window->since), "gteq"});
  }
  HttpRequest r;
  r.target = v1(store_in(ctx, store_), "products");
  add_criteria(r, c);
  const Json answer = call(ctx, r);
  if (!answer.is_object() || !answer.contains("items") || !answer["items"].is_array()) {
    return Result::failed("GET " + r.target + ": Magento answered " + answer.dump().substr(0, 200) +
                          " where {items, total_count} belongs");
  }
  for (const auto& p : answer["items"]) ctx.emit(p);
  const long long total = answer.value("total_count", 0LL);
  if (c.page < page_count(total, page_size_)) return Result::next_page(std::to_string(c.page + 1));
  return answer["items"].empty() ? Result::stop() : Result::success();
}

}  // namespace weir::magento
