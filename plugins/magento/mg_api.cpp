#include "mg_api.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace weir::magento {

const char* shop_settings_schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "check_path": {"type": "string",
                     "description": "weir apps check's request (default V1/store/storeConfigs)"},
      "store": {"type": "string", "pattern": "^[A-Za-z0-9_]+$",
                "description": "the store code of nodes that name none (default: default)"},
      "source_code": {"type": "string", "minLength": 1,
                      "description": "the MSI source stock is written to (default: default)"}
    }
  })json";
}

Json save_product(Context& ctx, const std::string& store, const std::string& sku,
                  const Json& product) {
  HttpRequest r;
  r.method = "PUT";
  r.target = v1(store, "products/" + sku_segment(sku));
  r.body = Json{{"product", product}}.dump();
  return call(ctx, r);
}

std::size_t list_limit_of(const HttpResponse& r) {
  if (r.status != 400) return 0;
  const Json body = Json::parse(r.body, nullptr, false);
  if (!body.is_object() || body.value("message", std::string()).rfind("Maximum items of type", 0) != 0) {
    return 0;
  }
  const Json max = body.contains("parameters") && body["parameters"].is_object()
                       ? body["parameters"].value("max", Json())
                       : Json();
  long long n = max.is_number_integer() ? max.get<long long>()
                : max.is_string()       ? std::atoll(max.get<std::string>().c_str())
                                        : 0;
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::string v1(const std::string& store, const std::string& rest) {
  return store + "/V1/" + rest;
}

std::string sku_segment(const std::string& sku) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : sku) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string mg_time(std::chrono::system_clock::time_point t) {
  return format_utc(t, "%Y-%m-%d %H:%M:%S");
}

void add_criteria(HttpRequest& r, const Criteria& c) {
  for (std::size_t g = 0; g < c.filters.size(); ++g) {
    const std::string at = "searchCriteria[filter_groups][" + std::to_string(g) + "][filters][0]";
    r.query[at + "[field]"] = c.filters[g].field;
    r.query[at + "[value]"] = c.filters[g].value;
    r.query[at + "[condition_type]"] = c.filters[g].condition;
  }
  if (!c.sort_field.empty()) {
    r.query["searchCriteria[sortOrders][0][field]"] = c.sort_field;
    r.query["searchCriteria[sortOrders][0][direction]"] = "ASC";
  }
  r.query["searchCriteria[pageSize]"] = std::to_string(c.page_size);
  r.query["searchCriteria[currentPage]"] = std::to_string(c.page);
}

int page_count(long long total, int page_size) {
  if (total <= 0 || page_size <= 0) return 0;
  return static_cast<int>((total + page_size - 1) / page_size);
}

Criteria listing_criteria(const Message& m, int page_size) {
  Criteria c;
  c.page_size = page_size;
  if (!m.cursor().empty()) {
    const std::string cursor(m.cursor());
    std::size_t used = 0;
    int page = 0;
    try {
      page = std::stoi(cursor, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != cursor.size() || page < 1) {
      throw Outcome(Result::failed("the message's cursor '" + cursor.substr(0, 50) +
                                   "' is not a page number (a Magento listing pages by number)"));
    }
    c.page = page;
  }
  if (auto window = m.sync_window(); window && window->since) {
    c.filters.push_back({"updated_at", mg_time(*window->since), "gteq"});
  }
  return c;
}

Result after_page(const Criteria& c, const Json& answer) {
  if (c.page < page_count(answer.value("total_count", 0LL), c.page_size)) {
    return Result::next_page(std::to_string(c.page + 1));
  }
  return answer["items"].empty() ? Result::stop() : Result::success();
}

std::string store_of(const Json& config, std::vector<std::string>& errors) {
  if (!config.is_object() || !config.contains("store")) return "";
  const Json& s = config["store"];
  const std::string text = s.is_string() ? s.get<std::string>() : std::string();
  const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!ok) errors.push_back("store must be a store code such as default or all, got " + s.dump());
  return text;
}

}  // namespace weir::magento
