// MSI's source items: POST/GET /V1/inventory/source-items, GET /V1/inventory/sources.
//
// The "default" source is the legacy stock: its source item is the
// product's stock_item (qty, is_in_stock), both ways. Other sources
// (--sources) keep their own quantities. As in MSI, a source item names a
// SKU, not a product: an unknown SKU is accepted and listed (no foreign
// key), configurable products have none. A save validates every item
// first (400 "Validation Failed" with every problem in "errors"), then an
// unknown source code fails the whole save ("Could not save Source Item").
// It answers [] (a void service method). It does not save the product, so
// updated_at does not move.
#include <algorithm>
#include <cmath>

#include "product_json.hpp"
#include "shop.hpp"

namespace weir::sims::mage {

namespace {

struct SourceRow {
  std::string sku;
  std::string source;
  double quantity = 0;
  int status = 1;
};

Json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return Json(static_cast<std::int64_t>(v));
  return Json(v);
}

}  // namespace

Response Shop::save_source_items(Call& c) {
  if (!c.body.is_object() || !c.body.contains("sourceItems") || !c.body["sourceItems"].is_array()) {
    return error_reply(required_field("sourceItems"));
  }
  std::vector<SourceRow> rows;
  Json errors = Json::array();
  for (const auto& item : c.body["sourceItems"]) {
    if (!item.is_object()) return error_reply(required_field("sku"));
    SourceRow r;
    auto text = [&](const char* name) {
      return item.contains(name) && item[name].is_string() ? item[name].get<std::string>()
                                                           : std::string();
    };
    r.sku = text("sku");
    r.source = text("source_code");
    if (item.contains("quantity")) {
      const auto q = number_of(item["quantity"]);
      if (!q) return error_reply(type_error(item["quantity"], "float"));
      r.quantity = *q;
    }
    if (item.contains("status")) {
      const auto s = number_of(item["status"]);
      if (!s) return error_reply(type_error(item["status"], "int"));
      r.status = static_cast<int>(*s);
    }
    auto problem = [&](const char* message, const char* field) {
      errors.push_back({{"message", message}, {"parameters", {{"field", field}}}});
    };
    if (r.sku.empty()) problem("\"%field\" can not be empty.", "sku");
    if (r.source.empty()) problem("\"%field\" can not be empty.", "source_code");
    if (!item.contains("quantity")) problem("\"%field\" should be numeric.", "quantity");
    if (r.status != 0 && r.status != 1) problem("\"%field\" should be numeric.", "status");
    rows.push_back(std::move(r));
  }
  if (!errors.empty()) {
    MageError e = error(400, "Validation Failed");
    e.errors = errors;
    return error_reply(e);
  }
  for (const auto& r : rows) {
    if (std::find(options_.sources.begin(), options_.sources.end(), r.source) ==
        options_.sources.end()) {
      return error_reply(error(400, "Could not save Source Item"));
    }
  }
  std::lock_guard lock(mu_);
  for (const auto& r : rows) {
    Product* p = catalog_.find_sku(r.sku);
    if (r.source == "default" && p) {
      p->qty = r.quantity;
      p->in_stock = r.status == 1;
    } else if (p) {
      catalog_.extra_sources()[{p->id, r.source}] = {r.quantity, r.status};
    } else {
      orphan_sources_[{r.sku, r.source}] = {r.quantity, r.status};
    }
  }
  stats_.add("stock_items_written", static_cast<std::int64_t>(rows.size()));
  return json_reply(200, Json::array());
}

Response Shop::list_source_items(Call& c) {
  auto parsed = read_search_criteria(c.req, true);
  if (auto* e = std::get_if<MageError>(&parsed)) return error_reply(*e);
  const SearchCriteria& sc = std::get<SearchCriteria>(parsed);
  static const std::vector<std::string> kFields = {"sku", "source_code", "quantity", "status",
                                                   "source_item_id"};
  for (const auto& f : sc.fields()) {
    if (std::find(kFields.begin(), kFields.end(), f) == kFields.end()) {
      return error_reply(internal_error());  // an unknown column: an SQL error, masked
    }
  }
  std::lock_guard lock(mu_);
  std::vector<SourceRow> rows;
  for (const auto& p : catalog_.products()) {
    if (p.deleted || p.type == ProductType::kConfigurable) continue;
    rows.push_back({p.sku, "default", p.qty, p.in_stock ? 1 : 0});
  }
  for (const auto& [key, item] : catalog_.extra_sources()) {
    if (const Product* p = catalog_.find(key.first))
      rows.push_back({p->sku, key.second, item.quantity, item.status});
  }
  for (const auto& [key, item] : orphan_sources_) {
    rows.push_back({key.first, key.second, item.quantity, item.status});
  }
  std::vector<std::int64_t> ids(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) ids[i] = static_cast<std::int64_t>(i);
  std::size_t total = 0;
  const auto page = select_rows(
      ids, sc,
      [&](std::int64_t i, const std::string& f) {
        const SourceRow& r = rows[static_cast<std::size_t>(i)];
        if (f == "sku") return FieldValue::of(r.sku);
        if (f == "source_code") return FieldValue::of(r.source);
        if (f == "quantity") return FieldValue::of(r.quantity);
        if (f == "status") return FieldValue::of(static_cast<double>(r.status));
        return FieldValue::of(static_cast<double>(i + 1));
      },
      &total);
  Json items = Json::array();
  for (std::int64_t i : page) {
    const SourceRow& r = rows[static_cast<std::size_t>(i)];
    items.push_back({{"sku", r.sku},
                     {"source_code", r.source},
                     {"quantity", number(r.quantity)},
                     {"status", r.status}});
  }
  return json_reply(200, search_result(std::move(items), sc, total));
}

Response Shop::list_sources(Call& c) {
  auto parsed = read_search_criteria(c.req, false);
  if (auto* e = std::get_if<MageError>(&parsed)) return error_reply(*e);
  const SearchCriteria& sc = std::get<SearchCriteria>(parsed);
  Json items = Json::array();
  for (const auto& s : options_.sources) {
    items.push_back({{"source_code", s},
                     {"name", s == "default" ? "Default Source" : s},
                     {"enabled", true},
                     {"country_id", s == "default" ? "US" : "DE"},
                     {"postcode", s == "default" ? "00000" : "10115"}});
  }
  return json_reply(200, search_result(items, sc, items.size()));
}

// One website (base), one store group, one store view (default), as a fresh
// Magento has; the admin store (id 0, code admin) and website (0) are listed
// by storeViews and websites, not by storeConfigs.
Response Shop::store_configs(Call& c) {
  const std::string base = c.site + "/";
  return json_reply(200, Json::array({{{"id", 1},
                                       {"code", "default"},
                                       {"website_id", 1},
                                       {"locale", "en_US"},
                                       {"base_currency_code", "USD"},
                                       {"default_display_currency_code", "USD"},
                                       {"timezone", "UTC"},
                                       {"weight_unit", "lbs"},
                                       {"base_url", base},
                                       {"base_link_url", base},
                                       {"base_static_url", base + "static/"},
                                       {"base_media_url", base + "media/"},
                                       {"secure_base_url", base},
                                       {"secure_base_link_url", base},
                                       {"secure_base_static_url", base + "static/"},
                                       {"secure_base_media_url", base + "media/"}}}));
}

Response Shop::store_views(Call&) {
  return json_reply(200, Json::array({{{"id", 0}, {"code", "admin"}, {"name", "Admin"},
                                       {"website_id", 0}, {"store_group_id", 0},
                                       {"is_active", 1}},
                                      {{"id", 1}, {"code", "default"},
                                       {"name", "Default Store View"}, {"website_id", 1},
                                       {"store_group_id", 1}, {"is_active", 1}}}));
}

Response Shop::websites(Call&) {
  return json_reply(200, Json::array({{{"id", 0}, {"code", "admin"}, {"name", "Admin"},
                                       {"default_group_id", 0}},
                                      {{"id", 1}, {"code", "base"}, {"name", "Main Website"},
                                       {"default_group_id", 1}}}));
}

}  // namespace weir::sims::mage
