// magento.fetch_images: Magento's REST API takes a product's pictures as
// their bytes (base64), not as URLs the shop downloads (as WooCommerce
// does). This node downloads them, through its own application: the host
// or CDN that serves the ERP's image URLs.
//
//   - id: images
//     type: magento.fetch_images
//     app: images            # type http, base_url: where the image URLs point
//     max_batch: 50
//     config: {system: shop}
//
// Input: a product with `sku` and `images: [url, ...]` (absolute URLs
// inside the app's base_url, or paths below it). If that list is the one
// the shop was last sent for the SKU (a digest in the ID map: system,
// entity "images", local id the SKU), `images` is dropped and the shop's
// gallery stays as it is: nothing is downloaded. Otherwise each picture is
// downloaded and the product goes on with `media_gallery_entries` (the
// first picture the base, small and thumbnail image; the list replaces the
// shop's gallery) and `images_digest`, which magento.upsert_products (or
// magento.bulk_status, after a bulk) records once Magento saved the
// product, so a failed save sends the pictures again next time. A product
// without `images` goes on untouched. A picture the host answers 404 for
// fails its product, naming the URL; a busy or failing host retries it.
//
// Holds nothing but its config: safe at any concurrency.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class FetchImages : public Node {
 public:
  static const char* schema();
  explicit FetchImages(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string system_ = "shop";
};

// The ID map's value for a product's image list: "<sku> <digest>" (the map
// is unique both ways, so the SKU keeps equal lists of two products apart).
std::string images_digest(const std::string& sku, const Json& urls);

}  // namespace weir::magento
