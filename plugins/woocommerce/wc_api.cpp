#include "wc_api.hpp"

namespace weir::woocommerce {

const char* shop_settings_schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "api_version": {"type": "string", "enum": ["wc/v3"], "default": "wc/v3",
                      "description": "the REST API version base_url ends with"},
      "check_path": {"type": "string", "description": "weir apps check's request (default system_status)"}
    }
  })json";
}

std::map<std::string, ShopItem> items_by_sku(Batch& batch, const std::vector<std::string>& skus) {
  std::map<std::string, ShopItem> out;
  std::vector<std::string> askable;
  for (const auto& sku : skus) {
    if (sku.find(',') == std::string::npos) askable.push_back(sku);
  }
  constexpr std::size_t kChunk = 100;  // per_page's most
  for (std::size_t from = 0; from < askable.size(); from += kChunk) {
    std::string list;
    for (std::size_t k = from; k < askable.size() && k < from + kChunk; ++k) {
      list += (list.empty() ? "" : ",") + askable[k];
    }
    HttpRequest r;
    r.target = "products";
    r.query = {{"sku", list}, {"per_page", "100"}, {"status", "any"}};
    const Json found = call(batch, r);
    for (const auto& p : found.is_array() ? found : Json::array()) {
      const std::string sku = p.value("sku", std::string());
      if (sku.empty() || !p.contains("id") || out.count(sku)) continue;
      ShopItem item{id_text(p["id"]), ""};
      const Json parent = p.value("parent_id", Json(0));
      if (p.value("type", std::string()) == "variation" && !parent.is_null() && parent != 0) {
        item.parent = id_text(parent);
      }
      out[sku] = std::move(item);
    }
  }
  return out;
}

std::string item_error_text(const Json& error) {
  if (!error.is_object()) return error.dump();
  std::string out = error.value("code", std::string());
  const std::string message = error.value("message", std::string());
  if (!message.empty()) out += (out.empty() ? "" : ": ") + message;
  if (error.contains("data") && error["data"].is_object() && error["data"].contains("status")) {
    out += " (HTTP " + error["data"]["status"].dump() + ")";
  }
  return out.empty() ? error.dump() : out;
}

std::string gmt_text(std::chrono::system_clock::time_point t) {
  return format_utc(t, "%Y-%m-%dT%H:%M:%S");
}

std::string since_text(std::chrono::system_clock::time_point since) {
  return gmt_text(std::chrono::floor<std::chrono::seconds>(since) - std::chrono::seconds(1));
}

int total_pages(const HttpResponse& answer) {
  const std::string pages = answer.header("x-wp-totalpages");
  try {
    return pages.empty() ? 0 : std::stoi(pages);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string id_text(const Json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer() || id.is_number_unsigned()) return id.dump();
  throw std::runtime_error("the shop sent an id that is no number: " + id.dump());
}

}  // namespace weir::woocommerce
