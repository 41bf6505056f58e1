// The catalog routes: /V1/products[/<sku>], /V1/products/base-prices[-information],
// /V1/categories[/list].
#include <algorithm>
#include <cmath>

#include "product_json.hpp"
#include "shop.hpp"
#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

MageError product_not_found() {
  return error(404,
               "The product that was requested doesn't exist. Verify the product and try again.");
}

const std::vector<std::string> kProductFields = {"entity_id",    "id",          "sku",
                                                 "name",         "price",       "status",
                                                 "visibility",   "type_id",     "attribute_set_id",
                                                 "created_at",   "updated_at",  "weight",
                                                 "url_key",      "description", "short_description",
                                                 "tax_class_id", "category_id"};

FieldValue product_field(Catalog& cat, const Product& p, const std::string& f) {
  if (f == "entity_id" || f == "id") return FieldValue::of(static_cast<double>(p.id));
  if (f == "sku") return FieldValue::of(p.sku);
  if (f == "name") return FieldValue::of(cat.name(p));
  if (f == "price") {
    return p.type == ProductType::kConfigurable ? FieldValue::null() : FieldValue::of(p.price);
  }
  if (f == "status") return FieldValue::of(static_cast<double>(p.status));
  if (f == "visibility") return FieldValue::of(static_cast<double>(p.visibility));
  if (f == "type_id") return FieldValue::of(std::string(type_name(p.type)));
  if (f == "attribute_set_id") return FieldValue::of(static_cast<double>(p.attribute_set_id));
  if (f == "created_at") return FieldValue::at(p.created);
  if (f == "updated_at") return FieldValue::at(p.updated);
  if (f == "weight") return FieldValue::of(p.weight);
  if (f == "url_key") return FieldValue::of(cat.url_key(p));
  if (f == "description") return FieldValue::of(cat.description(p));
  if (f == "short_description") return FieldValue::of(cat.short_description(p));
  if (f == "tax_class_id") return FieldValue::of(static_cast<double>(p.tax_class_id));
  if (f == "category_id") {
    std::vector<std::string> ids;
    for (auto c : p.categories) ids.push_back(std::to_string(c));
    return FieldValue::of_set(std::move(ids));
  }
  return FieldValue::null();
}

Json render_category(const Category& c, const std::vector<Category>& all) {
  std::string children;
  for (const auto& other : all) {
    if (other.parent_id == c.id)
      children += (children.empty() ? "" : ",") + std::to_string(other.id);
  }
  return Json{{"id", c.id},
              {"parent_id", c.parent_id},
              {"name", c.name},
              {"is_active", c.is_active},
              {"position", c.position},
              {"level", c.level},
              {"children", children},
              {"created_at", format_time(c.created)},
              {"updated_at", format_time(c.updated)},
              {"path", c.path},
              {"available_sort_by", Json::array()},
              {"include_in_menu", true},
              {"custom_attributes",
               Json::array({{{"attribute_code", "url_key"}, {"value", format_url_key(c.name)}},
                            {{"attribute_code", "is_anchor"}, {"value", "1"}}})}};
}

}  // namespace

Response Shop::list_products(Call& c) {
  auto parsed = read_search_criteria(c.req, true);
  if (auto* e = std::get_if<MageError>(&parsed)) return error_reply(*e);
  const SearchCriteria& sc = std::get<SearchCriteria>(parsed);
  for (const auto& g : sc.groups) {
    for (const auto& f : g) {
      if (std::find(kProductFields.begin(), kProductFields.end(), f.field) ==
          kProductFields.end()) {
        return error_reply(error(400, "Invalid attribute name: %1", Json::array({f.field})));
      }
    }
  }
  std::lock_guard lock(mu_);
  std::vector<std::int64_t> ids;
  ids.reserve(catalog_.live_count());
  for (const auto& p : catalog_.products()) {
    if (!p.deleted) ids.push_back(p.id);
  }
  std::size_t total = 0;
  const auto rows = select_rows(
      ids, sc,
      [&](std::int64_t id, const std::string& f) {
        return product_field(catalog_, *catalog_.find(id), f);
      },
      &total);
  // Rendered item by item into the body: a whole catalog (no pageSize) as
  // one JSON tree would take gigabytes at 500,000 products.
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) body += ',';
    body += render_product(catalog_, *catalog_.find(rows[i]))
                .dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  body +=
      "],\"search_criteria\":" + sc.echo.dump() + ",\"total_count\":" + std::to_string(total) + "}";
  Response res = json_reply(200, Json());
  res.body = std::move(body);
  return res;
}

Response Shop::get_product(Call& c) {
  std::lock_guard lock(mu_);
  const Product* p = catalog_.find_sku(c.args[0]);
  if (!p) return error_reply(product_not_found());
  return json_reply(200, render_product(catalog_, *p));
}

Response Shop::create_product(Call& c) {
  std::lock_guard lock(mu_);
  const ProductSave s = save_product(catalog_, c.body, "", c.now);
  if (s.error) return error_reply(*s.error);
  stats_.add(s.created ? "products_created" : "products_updated");
  stats_.add("images_uploaded", s.images_uploaded);
  return json_reply(200, render_product(catalog_, *catalog_.find(s.id)));
}

Response Shop::put_product(Call& c) {
  std::lock_guard lock(mu_);
  const ProductSave s = save_product(catalog_, c.body, c.args[0], c.now);
  if (s.error) return error_reply(*s.error);
  stats_.add(s.created ? "products_created" : "products_updated");
  stats_.add("images_uploaded", s.images_uploaded);
  return json_reply(200, render_product(catalog_, *catalog_.find(s.id)));
}

Response Shop::delete_product(Call& c) {
  std::lock_guard lock(mu_);
  Product* p = catalog_.find_sku(c.args[0]);
  if (!p) return error_reply(product_not_found());
  catalog_.erase(*p);
  stats_.add("products_deleted");
  return json_reply(200, Json(true));
}

Response Shop::base_prices(Call& c) {
  if (!c.body.is_object() || !c.body.contains("prices") || !c.body["prices"].is_array()) {
    return error_reply(required_field("prices"));
  }
  struct Row {
    std::string sku;
    double price = 0;
    bool has_price = false;
    std::int64_t store_id = 0;
    std::string price_text;
  };
  std::vector<Row> rows;
  for (const auto& item : c.body["prices"]) {
    if (!item.is_object()) return error_reply(required_field("price"));
    Row r;
    if (!item.contains("price")) return error_reply(required_field("price"));
    if (!item.contains("store_id")) return error_reply(required_field("store_id"));
    if (!item.contains("sku")) return error_reply(required_field("sku"));
    const auto price = number_of(item["price"]);
    if (!price) return error_reply(type_error(item["price"], "float"));
    const auto store = number_of(item["store_id"]);
    if (!store || *store != std::floor(*store))
      return error_reply(type_error(item["store_id"], "int"));
    r.sku = item["sku"].is_string() ? item["sku"].get<std::string>() : item["sku"].dump();
    r.price = *price;
    r.has_price = true;
    r.store_id = static_cast<std::int64_t>(*store);
    r.price_text =
        item["price"].is_string() ? item["price"].get<std::string>() : item["price"].dump();
    rows.push_back(std::move(r));
  }
  std::lock_guard lock(mu_);
  Json failed = Json::array();
  std::vector<bool> bad(rows.size(), false);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const Product* p = catalog_.find_sku(r.sku);
    // The price storage only takes simple, virtual, bundle and downloadable products.
    if (r.sku.empty() || !p || p->type == ProductType::kConfigurable) {
      failed.push_back({{"message", "Invalid attribute %fieldName = %fieldValue."},
                        {"parameters", Json::array({"SKU", r.sku})}});
      bad[i] = true;
    }
    if (r.price < 0) {
      failed.push_back({{"message", "Invalid attribute %fieldName = %fieldValue."},
                        {"parameters", Json::array({"Price", r.price_text})}});
      bad[i] = true;
    }
    if (r.store_id != 0 && r.store_id != 1) {
      failed.push_back(
          {{"message", "Requested store is not found. Row ID: SKU = %SKU, Store ID: %storeId."},
           {"parameters", Json::array({r.sku, std::to_string(r.store_id)})}});
      bad[i] = true;
    }
  }
  std::int64_t written = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (bad[i]) continue;
    Product* p = catalog_.find_sku(rows[i].sku);
    p->price = rows[i].price;
    p->updated = c.now;
    ++written;
  }
  stats_.add("prices_written", written);
  return json_reply(200, failed);
}

Response Shop::base_prices_information(Call& c) {
  if (!c.body.is_object() || !c.body.contains("skus") || !c.body["skus"].is_array()) {
    return error_reply(required_field("skus"));
  }
  std::lock_guard lock(mu_);
  Json out = Json::array();
  for (const auto& s : c.body["skus"]) {
    if (!s.is_string()) continue;
    const Product* p = catalog_.find_sku(s.get<std::string>());
    if (!p || p->type == ProductType::kConfigurable) continue;  // filtered out silently
    out.push_back({{"price", p->price}, {"store_id", 0}, {"sku", p->sku}});
  }
  return json_reply(200, out);
}

Response Shop::list_categories(Call& c) {
  auto parsed = read_search_criteria(c.req, false);
  if (auto* e = std::get_if<MageError>(&parsed)) return error_reply(*e);
  const SearchCriteria& sc = std::get<SearchCriteria>(parsed);
  std::lock_guard lock(mu_);
  auto& cats = catalog_.categories();
  std::vector<std::int64_t> rows;
  for (std::size_t i = 0; i < cats.size(); ++i) rows.push_back(static_cast<std::int64_t>(i));
  std::size_t total = 0;
  const auto page = select_rows(
      rows, sc,
      [&](std::int64_t i, const std::string& f) {
        const Category& cat = cats[static_cast<std::size_t>(i)];
        if (f == "entity_id" || f == "id") return FieldValue::of(static_cast<double>(cat.id));
        if (f == "parent_id") return FieldValue::of(static_cast<double>(cat.parent_id));
        if (f == "name") return FieldValue::of(cat.name);
        if (f == "level") return FieldValue::of(static_cast<double>(cat.level));
        if (f == "is_active") return FieldValue::of(cat.is_active ? 1.0 : 0.0);
        if (f == "path") return FieldValue::of(cat.path);
        if (f == "created_at") return FieldValue::at(cat.created);
        if (f == "updated_at") return FieldValue::at(cat.updated);
        return FieldValue::null();
      },
      &total);
  Json items = Json::array();
  for (std::int64_t i : page)
    items.push_back(render_category(cats[static_cast<std::size_t>(i)], cats));
  return json_reply(200, search_result(std::move(items), sc, total));
}

Response Shop::create_category(Call& c) {
  if (!c.body.is_object() || !c.body.contains("category") || !c.body["category"].is_object()) {
    return error_reply(required_field("category"));
  }
  const Json& in = c.body["category"];
  std::lock_guard lock(mu_);
  auto& cats = catalog_.categories();
  const std::int64_t parent_id =
      in.contains("parent_id") ? number_of(in["parent_id"]).value_or(2) : 2;
  const Category* parent = catalog_.find_category(parent_id);
  if (!parent) {
    return error_reply(error(404, "No such entity with %fieldName = %fieldValue",
                             Json{{"fieldName", "id"}, {"fieldValue", std::to_string(parent_id)}}));
  }
  const std::string name = in.value("name", std::string());
  if (name.empty()) {
    return error_reply(error(
        400, "Could not save category: %1",
        Json::array({"The \"name\" attribute value is empty. Set the attribute and try again."})));
  }
  // Magento makes the category's url_key from its name; the URL rewrite
  // (parent's path + url_key) must be unique, so a second category of the
  // same name under the same parent is refused.
  const std::string url_key = format_url_key(name);
  for (const auto& other : cats) {
    if (other.parent_id == parent_id && format_url_key(other.name) == url_key) {
      return error_reply(error(400, "URL key for specified store already exists."));
    }
  }
  Category cat;
  cat.id = cats.empty() ? 1 : cats.back().id + 1;
  cat.parent_id = parent_id;
  cat.name = name;
  cat.is_active = !in.contains("is_active") || number_of(in["is_active"]).value_or(1) != 0;
  cat.level = parent->level + 1;
  cat.path = parent->path + "/" + std::to_string(cat.id);
  cat.position =
      in.contains("position") ? static_cast<int>(number_of(in["position"]).value_or(0)) : 0;
  cat.created = cat.updated = c.now;
  cats.push_back(cat);
  return json_reply(200, render_category(cats.back(), cats));
}

}  // namespace weir::sims::mage
