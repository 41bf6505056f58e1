// The asynchronous API (/async/V1/products, /async/bulk/V1/products,
// /async/bulk/V1/products/bySku) and the bulk status routes
// (/V1/bulk/<uuid>/status, /detailed-status, /operation-status/<status>).
// bulk.hpp has the model; here the shapes of the answers and the work of
// one operation.
#include <cstdlib>

#include "product_json.hpp"
#include "shop.hpp"
#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

constexpr const char* kTopicPost = "async.magento.catalog.api.productrepositoryinterface.save.post";
constexpr const char* kTopicPut = "async.magento.catalog.api.productrepositoryinterface.save.put";
constexpr const char* kSuccess =
    "Service execution success Magento\\Catalog\\Model\\ProductRepository\\Interceptor::save";

MageError bulk_not_found(const std::string& uuid) {
  return error(404, "Bulk uuid %bulkUuid not exist", Json{{"bulkUuid", uuid}});
}

Json summary(const Bulk& b, Json operations) {
  return Json{{"operations_list", std::move(operations)},
              {"user_type", b.user_type},
              {"bulk_id", b.uuid},
              {"description", b.description},
              {"start_time", format_time(b.start_time)},
              {"user_id", b.user_id},
              {"operation_count", b.operations.size()}};
}

std::string sku_of(const Operation& op) {
  const Json& p = op.body.contains("product") ? op.body["product"] : Json::object();
  if (p.is_object() && p.contains("sku") && p["sku"].is_string())
    return p["sku"].get<std::string>();
  return op.path_sku;
}

}  // namespace

Response Shop::schedule(Call& c, const Json& items, bool by_sku, const std::string& topic) {
  std::vector<Json> list;
  if (items.is_array()) {
    for (const auto& i : items) list.push_back(i);
  } else if (items.is_object()) {
    for (const auto& [k, v] : items.items()) list.push_back(v);
  }
  // The input processor converts every item before anything is scheduled.
  for (const auto& item : list) {
    if (auto e = check_product_input(item)) return error_reply(*e);
    if (by_sku && (!item["product"].contains("sku") || !item["product"]["sku"].is_string())) {
      return error_reply(required_field("sku"));
    }
  }
  Bulk bulk;
  {
    std::lock_guard lock(mu_);
    bulk.uuid = make_uuid(options_.seed, ++bulks_made_);
  }
  bulk.description = "Topic " + topic;
  bulk.start_time = c.now;
  bulk.user_type = c.who.type == UserType::kIntegration ? 1 : 2;
  bulk.user_id = c.who.user_id;
  Json request_items = Json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    Operation op;
    op.id = static_cast<std::int64_t>(i);
    op.topic = topic;
    op.body = list[i];
    if (!c.args.empty()) op.path_sku = c.args[0];
    op.serialized_data =
        Json{{"entity_id", nullptr}, {"entity_link", ""}, {"meta_information", list[i].dump()}}
            .dump();
    request_items.push_back(
        {{"id", op.id}, {"data_hash", sha256_hex(op.serialized_data)}, {"status", "accepted"}});
    bulk.operations.push_back(std::move(op));
  }
  const std::string uuid = bulks_->schedule(std::move(bulk));
  stats_.add("bulk_requests");
  stats_.add("bulk_operations_accepted", static_cast<std::int64_t>(list.size()));
  return json_reply(202,
                    Json{{"bulk_uuid", uuid}, {"request_items", request_items}, {"errors", false}});
}

Response Shop::async_products(Call& c) {
  return schedule(c, Json::array({c.body}), false, c.req.method == "PUT" ? kTopicPut : kTopicPost);
}

Response Shop::async_bulk_products(Call& c) {
  return schedule(c, c.body.is_null() ? Json::array() : c.body, false, kTopicPost);
}

Response Shop::async_bulk_products_by_sku(Call& c) {
  return schedule(c, c.body.is_null() ? Json::array() : c.body, true, kTopicPut);
}

BulkStore::Outcome Shop::bulk_work(const Operation& op) {
  std::lock_guard lock(mu_);
  BulkStore::Outcome out;
  if (fail_skus_.count(lower(sku_of(op)))) {
    out.status = kNotRetriablyFailed;
    out.message = fail_message_;
    stats_.add("bulk_operations_not_retriably_failed");
    return out;
  }
  const ProductSave s = save_product(catalog_, op.body, op.path_sku, now_seconds());
  if (s.error) {
    out.status = kNotRetriablyFailed;
    out.message = s.error->rendered();  // Magento stores $e->getMessage(): placeholders filled
    stats_.add("bulk_operations_not_retriably_failed");
    return out;
  }
  stats_.add(s.created ? "products_created" : "products_updated");
  stats_.add("images_uploaded", s.images_uploaded);
  stats_.add("bulk_operations_complete");
  out.message = kSuccess;
  out.output = render_product(catalog_, *catalog_.find(s.id)).dump();
  return out;
}

Response Shop::bulk_status(Call& c) {
  const auto bulk = bulks_->find(c.args[0]);
  if (!bulk) return error_reply(bulk_not_found(c.args[0]));
  Json ops = Json::array();
  for (const auto& op : bulk->operations) {
    Json o = {{"id", op.id}, {"status", op.status}};
    if (op.result_message) o["result_message"] = *op.result_message;
    if (op.error_code) o["error_code"] = *op.error_code;
    ops.push_back(o);
  }
  return json_reply(200, summary(*bulk, ops));
}

Response Shop::bulk_detailed_status(Call& c) {
  const auto bulk = bulks_->find(c.args[0]);
  if (!bulk) return error_reply(bulk_not_found(c.args[0]));
  Json ops = Json::array();
  for (const auto& op : bulk->operations) {
    Json o = {{"id", op.id}, {"topic_name", op.topic}, {"status", op.status}};
    if (!op.result_serialized_data.empty()) o["result_serialized_data"] = op.result_serialized_data;
    if (op.result_message) o["result_message"] = *op.result_message;
    if (op.error_code) o["error_code"] = *op.error_code;
    ops.push_back(o);
  }
  return json_reply(200, summary(*bulk, ops));
}

Response Shop::bulk_operation_count(Call& c) {
  const std::string& arg = c.args[1];
  char* end = nullptr;
  const long status = std::strtol(arg.c_str(), &end, 10);
  if (arg.empty() || *end != '\0') return error_reply(type_error(Json(arg), "int"));
  const auto bulk = bulks_->find(c.args[0]);
  std::int64_t n = 0;
  if (bulk) {
    for (const auto& op : bulk->operations) n += op.status == status ? 1 : 0;
  }
  return json_reply(200, Json(n));
}

}  // namespace weir::sims::mage
