#include "upsert_products.hpp"

#include <map>

#include "categories.hpp"
#include "mg_api.hpp"

namespace weir::magento {

struct UpsertProducts::Item {
  std::size_t index = 0;
  std::string sku;
  Json product;
  bool done = false;  // finished here (waits for its category)
  std::string images_digest;  // from magento.fetch_images: recorded once saved
};

namespace {

// custom_attributes as a mapping becomes Magento's list.
void normalise(Json& product) {
  if (!product.contains("custom_attributes") || !product["custom_attributes"].is_object()) return;
  Json list = Json::array();
  for (const auto& [code, value] : product["custom_attributes"].items()) {
    list.push_back({{"attribute_code", code}, {"value", value}});
  }
  product["custom_attributes"] = std::move(list);
}

}  // namespace

const char* UpsertProducts::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "store": {"type": "string",
                "description": "the store code the products are saved through (all: every view; default: the app's settings.store, else default)"},
      "bulk_from": {"type": "integer", "minimum": 0, "default": 20,
                    "description": "batches of this many products or more use the async bulk API (0: never)"},
      "system": {"type": "string", "default": "shop",
                 "description": "the ID map's system for the shop's categories"},
      "category_topology": {"type": "string",
                            "description": "topology that creates a missing category"},
      "category_root": {"type": "integer", "minimum": 1, "default": 2,
                        "description": "the parent under which categories are looked up by name"}
    }
  })json";
}

UpsertProducts::UpsertProducts(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.upsert_products: " + errors.front());
  bulk_from_ = init.config.value("bulk_from", 20);
  system_ = init.config.value("system", std::string("shop"));
  category_topology_ = init.config.value("category_topology", std::string());
  category_root_ = init.config.value("category_root", 2LL);
}

Result UpsertProducts::process(Context&) {
  return Result::failed("magento.upsert_products answers whole batches (host error)");
}

void UpsertProducts::process_batch(Batch& batch) {
  std::vector<Item> items;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Json product;
    try {
      product = batch.message(i).json();
    } catch (const std::exception& e) {
      batch.finish(i, Result::failed(std::string("magento.upsert_products: ") + e.what()));
      continue;
    }
    const Json* sku = product.is_object() && product.contains("sku") ? &product["sku"] : nullptr;
    if (!sku || !sku->is_string() || sku->get<std::string>().empty()) {
      batch.finish(i, Result::failed("magento.upsert_products: a product without a SKU (Magento "
                                     "finds products by it): " + product.dump().substr(0, 200)));
      continue;
    }
    normalise(product);
    std::string digest;
    if (product.contains("images_digest")) {
      if (product["images_digest"].is_string()) digest = product["images_digest"].get<std::string>();
      product.erase("images_digest");  // ours, not Magento's
    }
    items.push_back(Item{i, sku->get<std::string>(), std::move(product), false, std::move(digest)});
  }
  if (items.empty()) return;
  const std::string store = store_in(batch, store_);
  resolve_categories(batch, store, items);
  std::erase_if(items, [](const Item& item) { return item.done; });
  if (items.empty()) return;
  if (bulk_from_ > 0 && items.size() >= bulk_from_) {
    in_bulk(batch, store, items);
  } else {
    one_by_one(batch, store, items);
  }
}

// `categories: [{name}]` (or names) become Magento's
// extension_attributes.category_links by the shop's ids: the ID map first,
// then the shop by name under category_root (once per name per batch); a
// product whose category the shop does not have waits for
// category_topology to make it.
void UpsertProducts::resolve_categories(Batch& batch, const std::string& store,
                                        std::vector<Item>& items) const {
  std::map<std::string, std::optional<std::string>> known;  // lower-case name -> id
  auto id_of = [&](const std::string& name, std::size_t index) -> std::optional<std::string> {
    auto cached = known.find(lower(name));
    if (cached != known.end()) return cached->second;
    std::optional<std::string> id = batch.id_get(system_, "category", name);
    if (!id) {
      Context ctx(batch, index);
      id = find_category(ctx, store, name, category_root_);
      if (id) batch.id_put(system_, "category", name, *id);
    }
    known[lower(name)] = id;
    return id;
  };
  for (auto& item : items) {
    if (!item.product.contains("categories")) continue;
    const Json categories = std::move(item.product["categories"]);
    item.product.erase("categories");
    if (!categories.is_array()) continue;
    Json links = Json::array();
    try {
      for (const auto& category : categories) {
        const Json& n = category.is_object() ? category.value("name", Json()) : category;
        if (!n.is_string() || n.get<std::string>().empty()) continue;
        const std::string name = n.get<std::string>();
        const auto id = id_of(name, item.index);
        if (!id) {
          item.done = true;
          batch.finish(item.index,
                       category_topology_.empty()
                           ? Result::failed("the shop has no category '" + name +
                                            "' (give the node a category_topology to create it)")
                           : Result::needs(category_topology_, Json{{"name", name}},
                                           "category:" + lower(name),
                                           "the shop has no category '" + name + "' yet"));
          break;
        }
        links.push_back({{"position", links.size()}, {"category_id", *id}});
      }
    } catch (const Outcome& o) {
      item.done = true;
      batch.finish(item.index, o.result());
    }
    if (item.done) continue;
    if (!item.product.contains("extension_attributes") ||
        !item.product["extension_attributes"].is_object()) {
      item.product["extension_attributes"] = Json::object();
    }
    item.product["extension_attributes"]["category_links"] = std::move(links);
  }
}

void UpsertProducts::one_by_one(Batch& batch, const std::string& store,
                                std::vector<Item>& items) const {
  for (auto& item : items) {
    Context ctx(batch, item.index);
    try {
      const Json saved = save_product(ctx, store, item.sku, item.product);
      if (!item.images_digest.empty()) batch.id_put(system_, "images", item.sku, item.images_digest);
      Json out{{"sku", item.sku}, {"action", "saved"}};
      if (saved.is_object() && saved.contains("id")) out["id"] = saved["id"];
      batch.emit(item.index, out);
      batch.finish(item.index, Result::success());
    } catch (const Outcome& o) {
      batch.finish(item.index, o.result());
    }
  }
}

void UpsertProducts::in_bulk(Batch& batch, const std::string& store,
                             std::vector<Item>& items) const {
  Json body = Json::array();
  for (const auto& item : items) body.push_back({{"product", item.product}});
  HttpRequest r;
  r.method = "POST";
  r.target = store + "/async/bulk/V1/products";
  r.body = body.dump();
  r.headers["content-type"] = "application/json";
  const HttpResponse accepted = batch.http(r);
  if (accepted.status == 400) {
    // Refused whole: a product Magento cannot even convert. Product by
    // product, the one at fault fails alone with Magento's words.
    return one_by_one(batch, store, items);
  }
  if (auto bad = accepted.problem()) {
    for (const auto& item : items) batch.finish(item.index, *bad);
    return;
  }
  const Json answer = accepted.json();
  const std::string uuid = answer.value("bulk_uuid", std::string());
  if (uuid.empty()) {
    for (const auto& item : items) {
      batch.finish(item.index, Result::failed("POST " + r.target + ": the answer has no bulk_uuid: " +
                                              answer.dump().substr(0, 200)));
    }
    return;
  }
  // Accepted: Magento saves later. Each product goes on to magento.bulk_status
  // with its operation (its index in the bulk) and itself (to be saved again
  // should its operation fail retriably).
  for (std::size_t k = 0; k < items.size(); ++k) {
    Json out{{"sku", items[k].sku}, {"bulk_uuid", uuid}, {"operation", k},
             {"product", items[k].product}};
    if (!items[k].images_digest.empty()) out["images_digest"] = items[k].images_digest;
    batch.emit(items[k].index, out);
    batch.finish(items[k].index, Result::success());
  }
}

}  // namespace weir::magento
