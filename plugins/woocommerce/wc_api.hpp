// What every WooCommerce node shares: requests to the REST API (v3) through
// the node's application, the shop's error texts, and its time format.
//
// The application (`type: woocommerce.shop`) has base_url ".../wp-json/wc/v3"
// and the shop's consumer key and secret in its `auth` (query parameters
// over HTTPS, OAuth 1.0a over plain HTTP): the host signs every request, so
// these nodes never see a secret, and a `Link` header's oauth_* parameters
// never matter (the nodes page by number; the host re-signs in any case).
//
// No state: safe on any thread.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <weir/weir.hpp>

namespace weir::woocommerce {

// The application type's name as nodes name it, and its settings' schema.
inline constexpr const char* kShopAppType = "woocommerce.shop";
const char* shop_settings_schema();

// Sends `request` through `via` (a Context, or a whole Batch); on an answer
// that is not 2xx (or no answer) throws weir::Outcome with the right result
// (retry on 429/503/508 honouring Retry-After, else failed with the shop's
// own {code, message}). Returns the 2xx answer's body as JSON (a body that
// is not JSON fails the message saying what came instead, e.g. an HTML page
// behind a 200).
template <class Via>
Json call(Via& via, HttpRequest request, HttpResponse* answer = nullptr) {
  if (!request.body.empty() && !request.headers.count("content-type")) {
    request.headers["content-type"] = "application/json";
  }
  HttpResponse r = via.http(request);
  if (auto bad = r.problem()) throw Outcome(*bad);
  Json body = r.json();
  if (answer) *answer = std::move(r);
  return body;
}

// What the shop has under a SKU: a product, or a variation of a variable
// product (then `parent` is that product's id).
struct ShopItem {
  std::string id;
  std::string parent;  // empty: a top-level product
  bool variation() const { return !parent.empty(); }
  // The ID map's value for a variation: "<parent>/<id>".
  std::string variation_ref() const { return parent + "/" + id; }
};

// The shop's products and variations by SKU, in one request per 100 SKUs
// (GET products?sku=A,B,...: WooCommerce then lists variations too, each
// with its parent_id; it takes a comma-separated list, so a SKU that holds
// a comma cannot be asked for this way and is left out).
// Throws Outcome as call() does.
std::map<std::string, ShopItem> items_by_sku(Batch& batch, const std::vector<std::string>& skus);

// A per-item error inside a batch answer ({code, message, data:{status}})
// as one line: "product_invalid_sku: Invalid or duplicated SKU. (HTTP 400)".
std::string item_error_text(const Json& error);

// The shop's form of a GMT time for modified_after/before with
// dates_are_gmt=true: "2026-12-01T10:00:00". `modified_after` is exclusive
// to the second, so a window's since is written one second early (the
// second it falls in is read again rather than missed).
std::string gmt_text(std::chrono::system_clock::time_point t);
std::string since_text(std::chrono::system_clock::time_point since);

// The number of pages the shop reported (X-WP-TotalPages), or 0.
int total_pages(const HttpResponse& answer);

// An id as the shop sends it (a number) in the text form the ID map keeps.
std::string id_text(const Json& id);

}  // namespace weir::woocommerce
