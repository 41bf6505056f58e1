// magento.list_products: reads the shop's products page by page, the delta
// window as an updated_at filter.
//
//   - id: shop-products
//     type: magento.list_products
//     app: shop
//     config: {store: default, page_size: 100}
//
// Pages are asked by searchCriteria (entity_id ascending, a stable order),
// and the pages are counted from total_count: Magento answers a currentPage
// past the end with the last page again, so a client that waited for an
// empty page would read the last page forever (or twice). A delta window's
// since becomes `updated_at gteq` (Magento keeps whole seconds; the window's
// overlap covers the second it began in); there is no upper bound, so a
// product changed while the run pages stays in the set (ordered by id, the
// set only grows at its end). Each product goes on as Magento's JSON.
#pragma once

#include <weir/weir.hpp>

namespace weir::magento {

class ListProducts : public Node {
 public:
  static const char* schema();
  explicit ListProducts(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string store_;  // the config's; "" the app's settings.store, else default
  int page_size_ = 100;
  std::string type_;  // a type_id to list only (simple, configurable), or all
};

}  // namespace weir::magento
