#include "list_products.hpp"

#include "wc_api.hpp"

namespace weir::woocommerce {

const char* ListProducts::schema() {
  return R"({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
      "status": {"type": "string", "enum": ["any", "draft", "pending", "private", "publish"],
                 "default": "any"},
      "type": {"type": "string", "enum": ["simple", "grouped", "external", "variable"]}
    }
  })";
}

void ListProducts::validate(const Json& config, std::vector<std::string>& errors) {
  if (!config.is_object()) return errors.push_back("config must be an object");
  for (const auto& [key, value] : config.items()) {
    if (key == "per_page") {
      if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > 100) {
        errors.push_back("per_page must be 1 to 100 (the shop refuses more), got " + value.dump());
      }
    } else if (key == "status" || key == "type") {
      if (!value.is_string()) errors.push_back(key + " must be text, got " + value.dump());
    } else {
      errors.push_back("unknown config key '" + key + "' (known: per_page, status, type)");
    }
  }
}

ListProducts::ListProducts(const NodeInit& init) {
  std::vector<std::string> errors;
  validate(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("woocommerce.list_products: " + errors.front());
  per_page_ = init.config.value("per_page", 100);
  status_ = init.config.value("status", std::string("any"));
  type_ = init.config.value("type", std::string());
}

Result ListProducts::process(Context& ctx) {
  const Message& m = ctx.message();
  int page = 1;
  if (!m.cursor().empty()) page = std::stoi(std::string(m.cursor()));
  HttpRequest r;
  r.target = "products";
  r.query = {{"page", std::to_string(page)}, {"per_page", std::to_string(per_page_)},
             {"orderby", "id"}, {"order", "asc"}, {"status", status_}};
  if (!type_.empty()) r.query["type"] = type_;
  if (auto window = m.sync_window()) {
    // No modified_before: a product changed while the run pages would leave
    // the filtered set and shift every later page by one (one product
    // missed). Without it the set only grows at its end (ordered by id).
    r.query["dates_are_gmt"] = "true";
    if (window->since) r.query["modified_after"] = since_text(*window->since);
  }
  HttpResponse answer;
  const Json products = call(ctx, r, &answer);
  if (!products.is_array()) {
    return Result::failed("GET products: the shop answered " + products.dump().substr(0, 200) +
                          " where a list of products belongs");
  }
  for (const auto& p : products) ctx.emit(p);
  const int pages = total_pages(answer);
  if (page < pages && !products.empty()) return Result::next_page(std::to_string(page + 1));
  // The last page (success with no output would pass the input itself on).
  return products.empty() ? Result::stop() : Result::success();
}

}  // namespace weir::woocommerce
