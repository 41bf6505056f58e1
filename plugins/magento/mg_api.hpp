// What every Magento node shares: requests to Magento's REST API through the
// node's application, paths with the store code, searchCriteria in its
// bracketed query form, and Magento's time format.
//
// The application (`type: magento.shop`) has base_url ".../rest" (not a
// store's path: the async bulk API lives at /rest/<store>/async/bulk/V1,
// outside /rest/<store>/V1) and its auth: an admin login (`kind: login`,
// path V1/integration/admin/token, renewed on the 401 that an expired
// token gets), or the integration's OAuth 1.0a (consumer key and secret,
// access token and secret). Each node names the store view it writes in
// its config (`store`, default "default"; "all" for every store view).
//
// No state: safe on any thread.
#pragma once

#include <cctype>
#include <chrono>
#include <string>
#include <weir/weir.hpp>

namespace weir::magento {

inline constexpr const char* kShopAppType = "magento.shop";
const char* shop_settings_schema();

// Sends `request` through `via` (a Context or a Batch); on an answer that is
// not 2xx (or none) throws Outcome with the right result (the SDK fills
// Magento's %1 / %name placeholders into the trash entry's text). Returns the
// answer's body as JSON (an HTML page behind a 200 fails saying so).
template <class Via>
Json call(Via& via, HttpRequest request) {
  if (!request.body.empty() && !request.headers.count("content-type")) {
    request.headers["content-type"] = "application/json";
  }
  HttpResponse r = via.http(request);
  if (auto bad = r.problem()) throw Outcome(*bad);
  return r.json();
}

// Saves one product synchronously (PUT <store>/V1/products/<sku>: Magento
// creates an unknown SKU) and returns Magento's answer; throws Outcome as
// call() does.
Json save_product(Context& ctx, const std::string& store, const std::string& sku,
                  const Json& product);

// The list limit of a shop with Magento's web API input limits on, from its
// refusal of a longer list (400 "Maximum items of type \"%type\" is %max");
// 0 for any other answer.
std::size_t list_limit_of(const HttpResponse& r);

// "<store>/V1/<rest>": a path below the app's base_url (".../rest").
std::string v1(const std::string& store, const std::string& rest);

// A SKU as a path segment: everything but RFC 3986's unreserved characters
// percent-encoded ('/' as %2F, '+' as %2B: Magento decodes a path with
// urldecode(), so a literal '+' would be a space).
std::string sku_segment(const std::string& sku);

// Magento's time text, UTC without a zone marker: "2026-12-01 10:00:00".
std::string mg_time(std::chrono::system_clock::time_point t);

// searchCriteria query parameters: one filter group per condition (ANDed),
// entity_id ascending (a stable order across pages), a page.
struct Criteria {
  struct Filter {
    std::string field, value, condition = "eq";
  };
  std::vector<Filter> filters;
  std::string sort_field = "entity_id";
  int page_size = 100;
  int page = 1;
};
void add_criteria(HttpRequest& r, const Criteria& c);

// Pages in a list of `total` items at `page_size` each (Magento answers a
// page past the end with the last page again: stop by this, never by an
// empty page).
int page_count(long long total, int page_size);

// The criteria of one page of a listing node (list_products, list_orders):
// the page the message's cursor names (1 without one) and, when the process
// has a delta window with a start, `updated_at gteq` it. Throws Outcome
// (failed, naming the cursor) for a cursor that is not a page number.
Criteria listing_criteria(const Message& m, int page_size);

// GET `r` with `c` and return Magento's search result {items, total_count};
// throws Outcome as call() does, and (failed) when the answer is not one.
template <class Via>
Json search(Via& via, HttpRequest r, const Criteria& c) {
  add_criteria(r, c);
  Json answer = call(via, r);
  if (!answer.is_object() || !answer.contains("items") || !answer["items"].is_array()) {
    throw Outcome(Result::failed("GET " + r.target + ": Magento answered " +
                                 answer.dump().substr(0, 200) +
                                 " where {items, total_count} belongs"));
  }
  return answer;
}

// A listing node's result for the page `c` that answered `answer`: the
// next page while total_count says there are more, else the end (STOP when
// the page was empty).
Result after_page(const Criteria& c, const Json& answer);

// An id or name as text: a string as it is, a number as its digits.
inline std::string text_of(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// `s` in ASCII lower case (names compared as MySQL's collation does).
inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A node config's `store` ("" when it names none): checked to be a store code.
std::string store_of(const Json& config, std::vector<std::string>& errors);

// The store code a node's call goes through: its config's `store`
// (`configured`), else its application's settings' `store`, else "default".
template <class Via>
std::string store_in(Via& via, const std::string& configured) {
  if (!configured.empty()) return configured;
  const Json settings = via.app_settings();
  const Json store = settings.value("store", Json());
  return store.is_string() && !store.get<std::string>().empty() ? store.get<std::string>()
                                                                 : "default";
}

}  // namespace weir::magento
