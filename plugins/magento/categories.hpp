// magento.create_category: makes sure the shop has a category, the
// prerequisite a product waits for when its category is missing
// (magento.upsert_products' category_topology):
//
//   name: create-category-magento
//   nodes:
//     - {id: category, type: magento.create_category, app: shop,
//        config: {system: shop, root: 2}}
//
// Input {name, parent?: name}. The ID map (system, "category", name) first,
// else the shop (GET V1/categories/list, name and parent_id equal), else
// created under `root` (Magento's "Default Category", id 2) or under the
// named parent once that is mapped (POST V1/categories); once even across
// a crash (find_or_create). A create that Magento refuses because the
// category's URL key is taken under that parent ("URL key for specified
// store already exists": made meanwhile by another host or a person) is
// looked up again. Goes on as {name, id}.
//
// Categories are global in Magento: the calls go through store `all`
// unless the node's config names another.
//
// Holds nothing but its config: safe at any concurrency.
#pragma once

#include <optional>
#include <weir/weir.hpp>

#include "mg_api.hpp"

namespace weir::magento {

class CreateCategory : public Node {
 public:
  static const char* schema();
  explicit CreateCategory(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  std::string system_ = "shop";
  std::string store_ = "all";
  long long root_ = 2;
};

// The id of the category called `name` (any case, as MySQL compares) under
// `parent`, asked of the shop; nullopt when it has none. Throws Outcome as
// call() does.
template <class Via>
std::optional<std::string> find_category(Via& via, const std::string& store,
                                         const std::string& name, long long parent) {
  HttpRequest r;
  r.target = v1(store, "categories/list");
  Criteria c;
  c.filters = {{"name", name, "eq"}, {"parent_id", std::to_string(parent), "eq"}};
  c.page_size = 10;
  const Json answer = search(via, r, c);
  for (const auto& item : answer["items"]) {
    if (item.is_object() && item.contains("id")) return text_of(item["id"]);
  }
  return std::nullopt;
}

}  // namespace weir::magento
