// woocommerce.list_products: reads the shop's products page by page (a
// batch node): each product goes on as a message of its own, each page is
// committed on its own (Result::next_page), so 500,000 products never sit in
// memory and a crash resumes at the last page.
//
//   - id: shop-products
//     type: woocommerce.list_products
//     app: shop
//     config: {per_page: 100, status: any}
//
// Pages are asked for by number with orderby=id&order=asc: the shop's default
// order (by date) is not stable across pages when products share a creation
// second, so paging by it reads some twice and misses others. In a delta
// topology the window's since becomes modified_after (GMT, a second early:
// the filter is exclusive to the second); there is no modified_before (see
// process()).
#pragma once

#include <weir/weir.hpp>

namespace weir::woocommerce {

class ListProducts : public Node {
 public:
  static const char* schema();
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit ListProducts(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  int per_page_ = 100;
  std::string status_ = "any";
  std::string type_;  // "" any; simple, variable, ...
};

}  // namespace weir::woocommerce
