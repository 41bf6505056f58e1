#include "stock_prices.hpp"

#include <map>

#include "wc_api.hpp"

namespace weir::woocommerce {
namespace {

// The fields this flow may change; anything else in the input is left out
// (a price sync must not rewrite a product's texts).
const char* const kFields[] = {"regular_price", "sale_price", "stock_quantity", "manage_stock",
                               "stock_status", "backorders"};

struct Line {
  std::size_t index = 0;
  std::string sku;
  Json update;          // the fields to write
  std::string target;   // "products/batch" or "products/<parent>/variations/batch"
  std::string id;       // the product's or variation's id
};

}  // namespace

const char* UpdateStockPrices::schema() {
  return R"({"type": "object", "additionalProperties": false,
             "properties": {"system": {"type": "string", "default": "shop"}}})";
}

UpdateStockPrices::UpdateStockPrices(const NodeInit& init)
    : system_(init.config.value("system", std::string("shop"))) {}

Result UpdateStockPrices::process(Context&) {
  return Result::failed("woocommerce.update_stock_prices answers whole batches (host error)");
}

void UpdateStockPrices::process_batch(Batch& batch) {
  std::vector<Line> lines;
  lines.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Json in;
    try {
      in = batch.message(i).json();
    } catch (const std::exception& e) {
      batch.finish(i, Result::failed(std::string("woocommerce.update_stock_prices: ") + e.what()));
      continue;
    }
    const std::string sku = in.is_object() ? in.value("sku", std::string()) : std::string();
    if (sku.empty()) {
      batch.finish(i, Result::failed("woocommerce.update_stock_prices: an item without a SKU: " +
                                     in.dump().substr(0, 200)));
      continue;
    }
    Line line{i, sku, Json::object(), "products/batch", ""};
    for (const char* f : kFields) {
      if (in.contains(f)) line.update[f] = in[f];
    }
    if (auto variation = batch.id_get(system_, "variation", sku)) {
      const auto slash = variation->find('/');
      line.target = "products/" + variation->substr(0, slash) + "/variations/batch";
      line.id = variation->substr(slash + 1);
    } else if (auto id = batch.id_get(system_, "product", sku)) {
      line.id = *id;
    }
    lines.push_back(std::move(line));
  }
  std::vector<std::string> unknown;
  for (const auto& line : lines) {
    if (line.id.empty()) unknown.push_back(line.sku);
  }
  if (!unknown.empty()) {
    const auto found = items_by_sku(batch, unknown);
    for (auto& line : lines) {
      auto it = found.find(line.sku);
      if (!line.id.empty() || it == found.end()) continue;
      const ShopItem& item = it->second;
      line.id = item.id;
      if (item.variation()) line.target = "products/" + item.parent + "/variations/batch";
      try {
        if (item.variation()) batch.id_put(system_, "variation", line.sku, item.variation_ref());
        else batch.id_put(system_, "product", line.sku, line.id);
      } catch (const std::exception&) {
        // mapped to another SKU: write by id all the same, map nothing
      }
    }
  }
  std::map<std::string, std::vector<Line*>> by_target;
  for (auto& line : lines) {
    if (line.id.empty()) {
      batch.finish(line.index, Result::failed("the shop has no product with SKU " + line.sku +
                                              " (the product sync creates products; this flow "
                                              "only updates them)"));
      continue;
    }
    by_target[line.target].push_back(&line);
  }
  for (auto& [target, group] : by_target) {
    Json body{{"update", Json::array()}};
    for (Line* line : group) {
      Json u = line->update;
      u["id"] = std::stoll(line->id);
      body["update"].push_back(std::move(u));
    }
    HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.body = body.dump();
    Json answer;
    try {
      answer = call(batch, r);
    } catch (const Outcome& o) {
      for (Line* line : group) batch.finish(line->index, o.result());
      continue;
    }
    const Json& results = answer.contains("update") ? answer["update"] : Json::array();
    for (std::size_t k = 0; k < group.size(); ++k) {
      Line& line = *group[k];
      if (k < results.size() && results[k].contains("error")) {
        batch.finish(line.index,
                     Result::failed("SKU " + line.sku + ": " + item_error_text(results[k]["error"])));
      } else if (k >= results.size()) {
        batch.finish(line.index, Result::failed("POST " + target + ": no result for SKU " + line.sku));
      } else {
        batch.emit(line.index, Json{{"sku", line.sku}, {"id", line.id}, {"action", "updated"}});
        batch.finish(line.index, Result::success());
      }
    }
  }
}

}  // namespace weir::woocommerce
