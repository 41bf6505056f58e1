// woocommerce.create_category: makes sure the shop has a product category,
// the prerequisite a product waits for when its category is missing
// (woocommerce.upsert_products' category_topology):
//
//   name: create-category
//   nodes:
//     - {id: category, type: woocommerce.create_category, app: shop}
//
// Input {name, parent?: name}. The ID map (system, "category", name) first,
// else the shop by name (GET products/categories?search=), else created
// (POST products/categories); once even across a crash (find_or_create).
// Goes on as {name, id}.
#pragma once

#include <weir/weir.hpp>

namespace weir::woocommerce {

class CreateCategory : public Node {
 public:
  static const char* schema();
  explicit CreateCategory(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string system_ = "shop";
};

}  // namespace weir::woocommerce
