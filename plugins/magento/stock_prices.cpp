#include "stock_prices.hpp"

#include <cstdlib>
#include <map>
#include <optional>
#include <weir/remote_error.hpp>

#include "mg_api.hpp"

namespace weir::magento {

const char* UpdateStockPrices::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "store": {"type": "string", "default": "default"},
      "source": {"type": "string", "default": "default", "description": "the MSI source code"}
    }
  })json";
}

UpdateStockPrices::UpdateStockPrices(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.update_stock_prices: " + errors.front());
  source_ = init.config.value("source", std::string("default"));
}

Result UpdateStockPrices::process(Context&) {
  return Result::failed("magento.update_stock_prices answers whole batches (host error)");
}

void UpdateStockPrices::process_batch(Batch& batch) {
  struct Line {
    std::size_t index;
    std::string sku;
    std::optional<Json> price, quantity;
    std::optional<Result> outcome;  // set once something failed
  };
  std::vector<Line> lines;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Json in;
    try {
      in = batch.message(i).json();
    } catch (const std::exception& e) {
      batch.finish(i, Result::failed(std::string("magento.update_stock_prices: ") + e.what()));
      continue;
    }
    const std::string sku = in.is_object() ? in.value("sku", std::string()) : std::string();
    if (sku.empty()) {
      batch.finish(i, Result::failed("magento.update_stock_prices: an item without a SKU: " +
                                     in.dump().substr(0, 200)));
      continue;
    }
    Line line{i, sku, std::nullopt, std::nullopt, std::nullopt};
    if (in.contains("price") && !in["price"].is_null()) line.price = in["price"];
    if (in.contains("quantity") && !in["quantity"].is_null()) line.quantity = in["quantity"];
    lines.push_back(std::move(line));
  }

  // Prices: one request, per-item errors inside its 200.
  Json prices = Json::array();
  std::multimap<std::string, Line*> priced;  // sku -> line
  for (auto& line : lines) {
    if (!line.price) continue;
    Json price = *line.price;
    if (price.is_string()) price = Json::parse(price.get<std::string>(), nullptr, false);
    if (!price.is_number()) {
      line.outcome = Result::failed("SKU " + line.sku + ": price " + line.price->dump() +
                                    " is not a number");
      continue;
    }
    prices.push_back({{"price", price}, {"store_id", 0}, {"sku", line.sku}});
    priced.emplace(line.sku, &line);
  }
  if (!prices.empty()) {
    HttpRequest r;
    r.method = "POST";
    r.target = v1(store_, "products/base-prices");
    r.body = Json{{"prices", prices}}.dump();
    try {
      const Json errors = call(batch, r);
      for (const auto& e : errors.is_array() ? errors : Json::array()) {
        const std::string text = remote_error::text(e.dump());
        // The parameters name the SKU (["SKU", "<sku>"], ["<sku>", "<store>"]).
        for (const auto& p : e.value("parameters", Json::array())) {
          if (!p.is_string()) continue;
          auto [from, to] = priced.equal_range(p.get<std::string>());
          for (auto it = from; it != to; ++it) {
            it->second->outcome = Result::failed("SKU " + it->second->sku + ": " + text);
          }
        }
      }
    } catch (const Outcome& o) {
      for (auto& [sku, line] : priced) line->outcome = o.result();
    }
  }

  // Stock: one request, validated whole.
  Json items = Json::array();
  std::vector<Line*> stocked;
  for (auto& line : lines) {
    if (!line.quantity || line.outcome) continue;
    const double qty = line.quantity->is_number() ? line.quantity->get<double>()
                       : line.quantity->is_string()
                           ? std::atof(line.quantity->get<std::string>().c_str())
                           : 0.0;
    items.push_back({{"sku", line.sku}, {"source_code", source_},
                     {"quantity", qty}, {"status", qty > 0 ? 1 : 0}});
    stocked.push_back(&line);
  }
  if (!items.empty()) {
    HttpRequest r;
    r.method = "POST";
    r.target = v1(store_, "inventory/source-items");
    r.body = Json{{"sourceItems", items}}.dump();
    try {
      (void)call(batch, r);
    } catch (const Outcome& o) {
      for (Line* line : stocked) line->outcome = o.result();
    }
  }

  for (auto& line : lines) {
    if (line.outcome) {
      batch.finish(line.index, *line.outcome);
      continue;
    }
    batch.emit(line.index, Json{{"sku", line.sku}, {"action", "updated"}});
    batch.finish(line.index, Result::success());
  }
}

}  // namespace weir::magento
