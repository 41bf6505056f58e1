#include "bulk_status.hpp"

#include <map>

#include "mg_api.hpp"

namespace weir::magento {

const char* BulkStatus::schema() {
  return R"json({"type": "object", "additionalProperties": false,
                 "properties": {"system": {"type": "string", "default": "shop",
                                            "description": "the ID map's system of the shop"},
                                 "store": {"type": "string",
                                           "description": "the store code (default: the app's settings.store, else default)"}}})json";
}

BulkStatus::BulkStatus(const NodeInit& init) {
  std::vector<std::string> errors;
  store_ = store_of(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument("magento.bulk_status: " + errors.front());
  system_ = init.config.value("system", std::string("shop"));
}

Result BulkStatus::process(Context&) {
  return Result::failed("magento.bulk_status answers whole batches (host error)");
}

void BulkStatus::process_batch(Batch& batch) {
  struct Pending {
    std::size_t index;
    Json in;
  };
  std::map<std::string, std::vector<Pending>> by_bulk;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Json in;
    try {
      in = batch.message(i).json();
    } catch (const std::exception& e) {
      batch.finish(i, Result::failed(std::string("magento.bulk_status: ") + e.what()));
      continue;
    }
    if (!in.is_object() || !in.contains("bulk_uuid") || !in["bulk_uuid"].is_string()) {
      batch.emit(i, in);  // saved synchronously: nothing to follow
      batch.finish(i, Result::success());
      continue;
    }
    by_bulk[in["bulk_uuid"].get<std::string>()].push_back({i, std::move(in)});
  }
  const std::string store = by_bulk.empty() ? std::string() : store_in(batch, store_);
  for (auto& [uuid, pending] : by_bulk) {
    HttpRequest r;
    r.target = v1(store, "bulk/" + uuid + "/status");
    Json operations;
    try {
      operations = call(batch, r).value("operations_list", Json::array());
    } catch (const Outcome& o) {
      for (const auto& p : pending) batch.finish(p.index, o.result());
      continue;
    }
    // An operation's `id` is its index in the bulk (operation_key) in the
    // Magento this was written against; should it be the table's row id
    // instead, the rows were inserted in the bulk's order, so the k-th
    // smallest id is operation k (only once every operation has a row).
    std::map<long long, const Json*> by_id;
    for (const auto& op : operations) by_id[op.value("id", -1LL)] = &op;
    const long long count = static_cast<long long>(operations.size());
    const bool indices = !by_id.empty() && by_id.begin()->first >= 0 &&
                         by_id.rbegin()->first < count;
    if (!indices) {
      std::map<long long, const Json*> by_position;
      long long k = 0;
      for (const auto& [id, op] : by_id) by_position[k++] = op;
      by_id = std::move(by_position);
    }
    for (const auto& p : pending) {
      const std::string sku = p.in.value("sku", std::string());
      auto it = by_id.find(p.in.value("operation", -1LL));
      const int status = it == by_id.end() ? 4 : it->second->value("status", 4);
      const Json* op = it == by_id.end() ? nullptr : it->second;
      const std::string message = op && op->contains("result_message") &&
                                          (*op)["result_message"].is_string()
                                      ? (*op)["result_message"].get<std::string>()
                                      : std::string();
      // Saved: the pictures it carried are the shop's now.
      auto saved = [&] {
        const Json digest = p.in.value("images_digest", Json());
        if (digest.is_string()) batch.id_put(system_, "images", sku, digest.get<std::string>());
      };
      if (status == 1) {
        saved();
        batch.emit(p.index, Json{{"sku", sku}, {"action", "bulk"}, {"bulk_uuid", uuid}});
        batch.finish(p.index, Result::success());
      } else if (status == 4) {
        batch.finish(p.index, Result::retry("bulk " + uuid + ": SKU " + sku +
                                            " is not saved yet (its operation is open)"));
      } else if (status == 2) {
        // Failed for now (a lock wait, a deadlock): saved again, here.
        Context ctx(batch, p.index);
        try {
          (void)save_product(ctx, store, sku, p.in.value("product", Json::object()));
          saved();
          batch.emit(p.index, Json{{"sku", sku}, {"action", "saved"}, {"bulk_uuid", uuid}});
          batch.finish(p.index, Result::success());
        } catch (const Outcome& o) {
          batch.finish(p.index, o.result());
        }
      } else {
        batch.finish(p.index,
                     Result::failed("SKU " + sku + ": " +
                                    (message.empty() ? "Magento's bulk operation failed (status " +
                                                           std::to_string(status) + ")"
                                                     : message) +
                                    " (bulk " + uuid + ")"));
      }
    }
  }
}

}  // namespace weir::magento
