#include "stock_prices.hpp"

#include <algorithm>
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
      "store": {"type": "string", "description": "the store code (default: the app's settings.store, else default)"},
      "source": {"type": "string", "minLength": 1,
                 "description": "the MSI source code (default: the app's settings.source_code, else default)"}
    }
  })json";
}

UpdateStockPrices::UpdateStockPrices(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.update_stock_prices: " + errors.front());
  source_ = init.config.value("source", std::string());
}

Result UpdateStockPrices::process(Context&) {
  return Result::failed("magento.update_stock_prices answers whole batches (host error)");
}

template <class EachPart>
void UpdateStockPrices::post_list(Batch& batch, const std::string& target, const char* key,
                                  const Json& items, EachPart&& each_part) const {
  std::size_t first = 0;
  while (first < items.size()) {
    const std::size_t limit = list_limit_.load();
    const std::size_t count = limit == 0 ? items.size() - first : std::min(limit, items.size() - first);
    HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.headers["content-type"] = "application/json";
    r.body = Json{{key, Json(items.begin() + static_cast<std::ptrdiff_t>(first),
                             items.begin() + static_cast<std::ptrdiff_t>(first + count))}}
                 .dump();
    const HttpResponse answer = batch.http(r);
    if (const std::size_t shop_limit = list_limit_of(answer); shop_limit > 0 && shop_limit < count) {
      list_limit_ = shop_limit;  // this part again, cut to the shop's limit
      continue;
    }
    if (auto bad = answer.problem()) {
      each_part(first, count, nullptr, &*bad);
    } else {
      try {
        const Json body = answer.json();
        each_part(first, count, &body, nullptr);
      } catch (const Outcome& o) {
        each_part(first, count, nullptr, &o.result());
      }
    }
    first += count;
  }
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

  const std::string store = store_in(batch, store_);
  std::string source = source_;
  if (source.empty()) {
    const Json code = batch.app_settings().value("source_code", Json());
    source = code.is_string() && !code.get<std::string>().empty() ? code.get<std::string>()
                                                                   : "default";
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
    post_list(batch, v1(store, "products/base-prices"), "prices", prices,
              [&](std::size_t first, std::size_t count, const Json* errors, const Result* failed) {
                if (failed) {
                  for (std::size_t k = first; k < first + count; ++k) {
                    auto [from, to] = priced.equal_range(prices[k]["sku"].get<std::string>());
                    for (auto it = from; it != to; ++it) it->second->outcome = *failed;
                  }
                  return;
                }
                for (const auto& e : errors->is_array() ? *errors : Json::array()) {
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
              });
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
    items.push_back({{"sku", line.sku}, {"source_code", source},
                     {"quantity", qty}, {"status", qty > 0 ? 1 : 0}});
    stocked.push_back(&line);
  }
  if (!items.empty()) {
    post_list(batch, v1(store, "inventory/source-items"), "sourceItems", items,
              [&](std::size_t first, std::size_t count, const Json*, const Result* failed) {
                if (!failed) return;
                for (std::size_t k = first; k < first + count; ++k) stocked[k]->outcome = *failed;
              });
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
