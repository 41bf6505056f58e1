#include "upsert_products.hpp"

#include <cstdint>
#include <map>

#include "wc_api.hpp"

namespace weir::woocommerce {

struct UpsertProducts::Item {
  std::size_t index = 0;  // in the batch
  Json product;
  std::string sku;
  std::optional<std::string> id;  // the shop's, when known
  bool done = false;              // finished (failed or waiting) before the write
  std::string images_digest;  // "<sku> <digest>" of the images sent; "" none sent
};

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const char* UpsertProducts::schema() {
  return R"({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "system": {"type": "string", "default": "shop",
                 "description": "the ID map's name for this shop"},
      "category_topology": {"type": "string",
                            "description": "topology that creates a missing category"},
      "batch_size": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100}
    }
  })";
}

void UpsertProducts::validate(const Json& config, std::vector<std::string>& errors) {
  if (!config.is_object()) return errors.push_back("config must be an object");
  for (const auto& [key, value] : config.items()) {
    if (key == "system" || key == "category_topology") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        errors.push_back(key + " must be non-empty text, got " + value.dump());
      }
    } else if (key == "batch_size") {
      if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > 100) {
        errors.push_back("batch_size must be 1 to 100 (the shop refuses more), got " +
                         value.dump());
      }
    } else {
      errors.push_back("unknown config key '" + key +
                       "' (known: system, category_topology, batch_size)");
    }
  }
}

UpsertProducts::UpsertProducts(const NodeInit& init) {
  std::vector<std::string> errors;
  validate(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("woocommerce.upsert_products: " + errors.front());
  system_ = init.config.value("system", std::string("shop"));
  category_topology_ = init.config.value("category_topology", std::string());
  batch_size_ = init.config.value("batch_size", 100);
}

Result UpsertProducts::process(Context&) {
  return Result::failed("woocommerce.upsert_products answers whole batches (host error)");
}

void UpsertProducts::process_batch(Batch& batch) {
  std::vector<Item> items;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Item item;
    item.index = i;
    try {
      item.product = batch.message(i).json();
    } catch (const std::exception& e) {
      batch.finish(i, Result::failed(std::string("woocommerce.upsert_products: ") + e.what()));
      continue;
    }
    const Json* sku = item.product.is_object() && item.product.contains("sku")
                          ? &item.product["sku"] : nullptr;
    if (!sku || !sku->is_string() || sku->get<std::string>().empty()) {
      batch.finish(i, Result::failed("woocommerce.upsert_products: a product without a SKU "
                                     "(the shop and the ID map find products by it): " +
                                     item.product.dump().substr(0, 200)));
      continue;
    }
    item.sku = sku->get<std::string>();
    items.push_back(std::move(item));
  }
  resolve_products(batch, items);
  resolve_categories(batch, items);
  leave_out_unchanged_images(batch, items);
  std::vector<Item*> chunk;
  for (auto& item : items) {
    if (item.done) continue;
    chunk.push_back(&item);
    if (chunk.size() == batch_size_) {
      write(batch, chunk);
      chunk.clear();
    }
  }
  if (!chunk.empty()) write(batch, chunk);
}

// The shop's id of each product: the ID map, else, for a product delivered
// again (its earlier attempt may have created it before the host stopped,
// or met a product of the same SKU the map does not know), the shop by SKU.
// A first delivery the map does not know is created straight away: a full
// import costs one request per 100 products, not two; should the shop have
// the SKU already (a shop weir did not fill), it refuses the create and the
// product comes again, to be looked up (see write()).
void UpsertProducts::resolve_products(Batch& batch, std::vector<Item>& items) const {
  std::vector<std::string> unknown;
  for (auto& item : items) {
    item.id = batch.id_get(system_, "product", item.sku);
    if (!item.id && batch.message(item.index).attempt() > 1) unknown.push_back(item.sku);
  }
  if (unknown.empty()) return;
  const auto found = items_by_sku(batch, unknown);
  for (auto& item : items) {
    auto it = found.find(item.sku);
    if (item.id || it == found.end()) continue;
    if (it->second.variation()) {  // not ours to overwrite with a simple product
      item.done = true;
      batch.finish(item.index,
                   Result::failed("SKU " + item.sku + " is a variation (id " + it->second.id +
                                  ") of product " + it->second.parent +
                                  " in the shop; this node writes simple products"));
      continue;
    }
    item.id = it->second.id;
    try {
      batch.id_put(system_, "product", item.sku, *item.id);
    } catch (const std::exception& e) {  // the shop's product is another SKU's in the map
      item.done = true;
      batch.finish(item.index, Result::failed(e.what()));
    }
  }
}

// Categories named by name get the shop's id, or make their product wait.
void UpsertProducts::resolve_categories(Batch& batch, std::vector<Item>& items) const {
  std::map<std::string, std::optional<std::string>> known;  // lower-case name -> id
  auto id_of = [&](const std::string& name) -> std::optional<std::string> {
    auto cached = known.find(lower(name));
    if (cached != known.end()) return cached->second;
    std::optional<std::string> id = batch.id_get(system_, "category", name);
    if (!id) {
      HttpRequest r;
      r.target = "products/categories";
      r.query = {{"search", name}, {"per_page", "100"}};
      for (const auto& c : call(batch, r)) {
        if (lower(c.value("name", std::string())) == lower(name) && c.contains("id")) {
          id = id_text(c["id"]);
          batch.id_put(system_, "category", name, *id);
          break;
        }
      }
    }
    known[lower(name)] = id;
    return id;
  };
  for (auto& item : items) {
    if (!item.product.contains("categories") || !item.product["categories"].is_array()) continue;
    for (auto& category : item.product["categories"]) {
      if (!category.is_object() || category.contains("id") || !category.contains("name")) continue;
      const std::string name = category["name"].is_string() ? category["name"].get<std::string>()
                                                            : category["name"].dump();
      if (auto id = id_of(name)) {
        category = Json{{"id", std::stoll(*id)}};
        continue;
      }
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
  }
}

// An update whose images are those the shop was last sent goes without them.
void UpsertProducts::leave_out_unchanged_images(Batch& batch, std::vector<Item>& items) const {
  for (auto& item : items) {
    if (item.done || !item.product.contains("images")) continue;
    item.images_digest = item.sku + " " + digest_hex(item.product["images"].dump());
    if (item.id && batch.id_get(system_, "images", item.sku) == item.images_digest) {
      item.product.erase("images");
      item.images_digest.clear();
    }
  }
}

void UpsertProducts::write(Batch& batch, std::vector<Item*>& chunk) const {
  Json body{{"create", Json::array()}, {"update", Json::array()}};
  std::vector<Item*> creates, updates;
  for (Item* item : chunk) {
    if (item->id) {
      Json p = item->product;
      p["id"] = std::stoll(*item->id);
      body["update"].push_back(std::move(p));
      updates.push_back(item);
    } else {
      body["create"].push_back(item->product);
      creates.push_back(item);
    }
  }
  HttpRequest r;
  r.method = "POST";
  r.target = "products/batch";
  r.body = body.dump();
  Json answer;
  try {
    answer = call(batch, r);
  } catch (const Outcome& o) {  // the whole request: every product of the chunk
    for (Item* item : chunk) batch.finish(item->index, o.result());
    return;
  }
  auto settle = [&](const char* list, std::vector<Item*>& sent, bool created) {
    const Json& results = answer.contains(list) ? answer[list] : Json::array();
    for (std::size_t k = 0; k < sent.size(); ++k) {
      Item& item = *sent[k];
      if (k >= results.size()) {
        batch.finish(item.index, Result::failed(std::string("POST products/batch: the shop's answer "
                                                            "has no ") + list + " result for SKU " +
                                                item.sku));
        continue;
      }
      const Json& one = results[k];
      if (one.contains("error")) {
        const std::string code = one["error"].value("code", std::string());
        if (!created && code == "woocommerce_rest_product_invalid_id") {
          batch.id_forget(system_, "product", item.sku);
          batch.finish(item.index, Result::retry("the shop no longer has product " + *item.id +
                                                 " (SKU " + item.sku +
                                                 "): forgotten, to be created again"));
        } else if (created && code == "product_invalid_sku" &&
                   batch.message(item.index).attempt() == 1) {
          // The shop has this SKU already (filled before weir, or by an
          // attempt that never committed): the next attempt looks it up
          // and updates it. A later attempt that still cannot create it
          // fails with the shop's words below.
          batch.finish(item.index, Result::retry("SKU " + item.sku + " is in the shop already "
                                                 "(" + item_error_text(one["error"]) +
                                                 "): looked up at the next attempt"));
        } else {
          batch.finish(item.index, Result::failed("SKU " + item.sku + ": " +
                                                  item_error_text(one["error"])));
        }
        continue;
      }
      const std::string id = one.contains("id") ? id_text(one["id"]) : std::string();
      try {
        if (created && !id.empty()) batch.id_put(system_, "product", item.sku, id);
        if (!item.images_digest.empty()) {
          batch.id_put(system_, "images", item.sku, item.images_digest);
        }
      } catch (const std::exception& e) {
        batch.finish(item.index, Result::failed(e.what()));
        continue;
      }
      batch.emit(item.index, Json{{"sku", item.sku}, {"id", id},
                                  {"action", created ? "created" : "updated"}});
      batch.finish(item.index, Result::success());
    }
  };
  settle("create", creates, true);
  settle("update", updates, false);
}

}  // namespace weir::woocommerce
