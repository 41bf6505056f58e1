// /wc/v3/products, /products/<id>, /products/batch and the variations under
// /products/<id>/variations (the same shapes, a variation's fields).
#include <algorithm>
#include <cctype>

#include "listing.hpp"
#include "shop.hpp"

namespace weir::sims::woo {

namespace {

std::optional<std::int64_t> id_segment(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch));
      })) {
    return std::nullopt;
  }
  return std::stoll(s);
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    const auto next = s.find(sep, at);
    out.push_back(s.substr(at, next - at));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return out;
}

// The listing's identity for the ordered-ids cache: every parameter but
// paging and authentication.
std::string cache_key(const Request& req, std::int64_t parent) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : req.query) {
    if (k == "page" || k == "per_page" || k == "offset" || k == "_method" ||
        k.rfind("oauth_", 0) == 0 || k.rfind("consumer_", 0) == 0) {
      continue;
    }
    parts.push_back(k + "=" + v);
  }
  std::sort(parts.begin(), parts.end());
  std::string key = std::to_string(parent);
  for (const auto& p : parts) key += "&" + p;
  return key;
}

const std::vector<std::string> kProductOrderbys = {"date",       "id",      "include",    "title",
                                                   "slug",       "price",   "popularity", "rating",
                                                   "menu_order", "modified"};

}  // namespace

Response Shop::products(Call& c, const std::vector<std::string>& parts) {
  // parts: products[/...]
  if (parts.size() >= 2 && parts[1] == "categories") {
    return categories(c, std::vector<std::string>(parts.begin() + 1, parts.end()));
  }
  const bool write = c.method == "POST" || c.method == "PUT" || c.method == "PATCH";
  if (parts.size() == 1) {
    if (c.method == "GET") return list_products(c, 0);
    if (c.method != "POST") return error_reply(no_route());
    if (auto e = check_product_schema(c.json())) return error_reply(*e);
    if (!c.authenticated) return error_reply(denied("create"));
    std::int64_t id = 0;
    if (auto e = product_write(c, Product{}, c.json(), Strictness::kSchema, &id))
      return error_reply(*e);
    return json_reply(201, render_product(*catalog_.find(id), render_context(c.site)));
  }
  if (parts.size() == 2 && parts[1] == "batch") {
    if (!write) return error_reply(no_route());
    return product_batch(c, 0);
  }
  const auto id = id_segment(parts[1]);
  if (!id) return error_reply(no_route());
  // products/<id>/variations[/batch|/<vid>]
  std::int64_t parent = 0;
  std::int64_t item = *id;
  if (parts.size() >= 3) {
    if (parts[2] != "variations" || parts.size() > 4) return error_reply(no_route());
    parent = *id;
    if (parts.size() == 3) {
      if (c.method == "GET") return list_products(c, parent);
      if (c.method != "POST") return error_reply(no_route());
      if (!c.authenticated) return error_reply(denied("create"));
      Product* p = catalog_.find_product(parent);
      if (!p)
        return error_reply(make_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID."));
      Product v;
      v.type = "variation";
      v.parent_id = parent;
      v.name = p->name;
      std::int64_t vid = 0;
      if (auto e = product_write(c, v, c.json(), Strictness::kSchema, &vid)) return error_reply(*e);
      return json_reply(201, render_product(*catalog_.find(vid), render_context(c.site)));
    }
    if (parts[3] == "batch") {
      if (!write) return error_reply(no_route());
      return product_batch(c, parent);
    }
    const auto vid = id_segment(parts[3]);
    if (!vid) return error_reply(no_route());
    item = *vid;
  } else if (parts.size() > 2) {
    return error_reply(no_route());
  }
  const std::string kind = parent ? "product_variation" : "product";
  Product* p = parent ? catalog_.find(item) : catalog_.find_product(item);
  if (p && parent && p->parent_id != parent) p = nullptr;
  auto invalid = [&](int status) {
    return error_reply(
        make_error(status, "woocommerce_rest_" + kind + "_invalid_id", "Invalid ID."));
  };
  if (c.method == "GET") {
    if (p && !c.authenticated) return error_reply(denied("view"));
    if (!p) return invalid(404);
    return json_reply(200, render_product(*p, render_context(c.site)));
  }
  if (write) {
    if (auto e = check_product_schema(c.json())) return error_reply(*e);
    if (p && !c.authenticated) return error_reply(denied("edit"));
    if (!p) return invalid(400);
    std::int64_t out = 0;
    if (auto e = product_write(c, *p, c.json(), Strictness::kSchema, &out)) return error_reply(*e);
    return json_reply(200, render_product(*catalog_.find(out), render_context(c.site)));
  }
  if (c.method == "DELETE") {
    if (p && !c.authenticated) return error_reply(denied("delete"));
    if (!p) return invalid(404);
    return delete_product(c, p, read_bool(c.req.param("force")).value_or(false));
  }
  return error_reply(no_route());
}

std::optional<RestError> Shop::product_write(Call& c, const Product& base, const Json& body,
                                             Strictness strictness, std::int64_t* id) {
  const std::int64_t sideloads = catalog_.sideloads();
  const WriteResult r = write_product(catalog_, base, body, strictness, c.now);
  stats_.images_sideloaded(catalog_.sideloads() - sideloads);  // done even when it failed
  if (r.error) return r.error;
  *id = r.id;
  const bool created = base.id == 0;
  created ? stats_.products_created(1) : stats_.products_updated(1);
  const Product* p = catalog_.find(r.id);
  c.events.push_back({created ? "product.created" : "product.updated", r.id});
  if (p && p->is_variation()) c.events.push_back({"product.updated", p->parent_id});
  return std::nullopt;
}

Response Shop::delete_product(Call& c, Product* p, bool force) {
  Json before = render_product(*p, render_context(c.site));
  const std::int64_t id = p->id;
  if (force) {
    catalog_.erase(id);
    c.events.push_back({"product.deleted", id});
    return json_reply(200, before);
  }
  if (p->status == "trash") {
    return error_reply(make_error(410, "woocommerce_rest_already_trashed",
                                  "The product has already been deleted."));
  }
  p->status = "trash";
  p->modified = c.now;
  c.events.push_back({"product.deleted", id});
  return json_reply(200, render_product(*p, render_context(c.site)));
}

Response Shop::list_products(Call& c, std::int64_t parent) {
  std::vector<std::pair<std::string, std::string>> extra;
  const std::string status = c.req.param("status", "any");
  static const std::vector<std::string> kStatuses = {"any",     "future",  "trash",  "draft",
                                                     "pending", "private", "publish"};
  if (std::find(kStatuses.begin(), kStatuses.end(), status) == kStatuses.end()) {
    extra.emplace_back("status", not_one_of("status", kStatuses));
  }
  const std::string type = c.req.param("type");
  static const std::vector<std::string> kTypes = {"simple", "grouped", "external", "variable"};
  if (!type.empty() && std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    extra.emplace_back("type", not_one_of("type", kTypes));
  }
  auto parsed = read_list_params(c.req, clock_, kProductOrderbys, std::move(extra));
  if (auto* e = std::get_if<RestError>(&parsed)) return error_reply(*e);
  const ListParams& p = std::get<ListParams>(parsed);
  if (!c.authenticated) return error_reply(denied("view"));
  if (parent && !catalog_.find_product(parent)) {
    return error_reply(make_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID."));
  }
  auto find = [&](std::int64_t id) -> const Product& { return *catalog_.find(id); };
  const bool by_id = p.orderby == "id" || p.orderby == "include";
  auto less = [&](std::int64_t a, std::int64_t b) {
    const Product &x = find(a), &y = find(b);
    if (p.orderby == "title") return x.name < y.name;
    if (p.orderby == "slug") return x.slug < y.slug;
    if (p.orderby == "modified") return x.modified < y.modified;
    if (p.orderby == "price") {
      return price_value(active_price(x, catalog_)) < price_value(active_price(y, catalog_));
    }
    return x.created < y.created;  // date, and the rest
  };
  auto equal = [&](std::int64_t a, std::int64_t b) { return !less(a, b) && !less(b, a); };
  const std::string key = cache_key(c.req, parent);
  auto cached = ordered_cache_.find(key);
  if (cached == ordered_cache_.end()) {
    std::vector<std::string> skus;
    if (c.req.has_param("sku") && !c.req.param("sku").empty()) {
      skus = split(c.req.param("sku"), ',');
      if (skus.size() > 1) skus.push_back(c.req.param("sku"));  // as WooCommerce does
    }
    std::vector<std::int64_t> categories;
    for (const auto& s : split(c.req.param("category"), ',')) {
      if (auto v = read_int(s)) categories.push_back(*v);
    }
    const std::string search = lower(p.search);
    // With `sku`, the products endpoint lists variations too (WooCommerce
    // queries post types product and product_variation then).
    std::vector<std::int64_t> by_sku;
    if (!parent && !skus.empty()) {
      for (const auto& sku : skus) {
        if (const std::int64_t id = catalog_.id_for_sku(sku)) by_sku.push_back(id);
      }
      std::sort(by_sku.begin(), by_sku.end());
      by_sku.erase(std::unique(by_sku.begin(), by_sku.end()), by_sku.end());
    }
    const std::vector<std::int64_t>& candidates =
        parent ? catalog_.find(parent)->variations
               : (skus.empty() ? catalog_.product_ids() : by_sku);
    std::vector<std::int64_t> ids;
    for (std::int64_t id : candidates) {
      const Product& x = find(id);
      if (status == "any" ? x.status == "trash" : x.status != status) continue;
      if (!type.empty() && x.type != type) continue;
      if (!skus.empty() && std::find(skus.begin(), skus.end(), x.sku) == skus.end()) continue;
      if (!categories.empty() &&
          std::none_of(x.categories.begin(), x.categories.end(), [&](std::int64_t cat) {
            return std::find(categories.begin(), categories.end(), cat) != categories.end();
          })) {
        continue;
      }
      if (!search.empty() && lower(x.name).find(search) == std::string::npos &&
          lower(x.sku).find(search) == std::string::npos) {
        continue;
      }
      if (!p.id_match(id) || !p.dates_match(clock_, x.created, x.modified)) continue;
      ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());  // a parent's variations come in creation order
    if (p.orderby == "include" && !p.include.empty()) {
      std::vector<std::int64_t> in_order;
      for (std::int64_t id : p.include) {
        if (std::binary_search(ids.begin(), ids.end(), id)) in_order.push_back(id);
      }
      ids = std::move(in_order);
      if (p.descending) std::reverse(ids.begin(), ids.end());
    } else {
      sort_for_listing(ids, less, by_id, p.descending);
    }
    if (ordered_cache_.size() >= 8) ordered_cache_.clear();
    cached = ordered_cache_.emplace(key, std::move(ids)).first;
  }
  const std::vector<std::int64_t>& ordered = cached->second;
  const auto page = page_of(ordered, p, equal, !by_id, rng_);
  Json out = Json::array();
  const RenderContext ctx = render_context(c.site);
  for (std::int64_t id : page) {
    const Product& x = find(id);
    Json one = render_product(x, ctx);
    if (!parent && x.is_variation()) one["parent_id"] = x.parent_id;  // the product schema's
    out.push_back(std::move(one));
  }
  Response res = json_reply(200, out);
  const std::string route =
      parent ? "/wc/v3/products/" + std::to_string(parent) + "/variations" : "/wc/v3/products";
  add_page_headers(res, c.req, c.site, route, p, ordered.size());
  return res;
}

Response Shop::product_batch(Call& c, std::int64_t parent) {
  const Json& body = c.json();
  auto items = [&](const char* k) {
    return body.contains(k) && body[k].is_array() ? body[k] : Json::array();
  };
  const Json creates = items("create"), updates = items("update"), deletes = items("delete");
  if (creates.size() + updates.size() + deletes.size() > 100) {
    return error_reply(make_error(413, "woocommerce_rest_request_entity_too_large",
                                  "Unable to accept more than 100 items for this request."));
  }
  if (!c.authenticated) return error_reply(denied("batch"));
  Product* parent_product = parent ? catalog_.find_product(parent) : nullptr;
  if (parent && !parent_product) {
    return error_reply(make_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID."));
  }
  stats_.batch_request();
  const std::string kind = parent ? "product_variation" : "product";
  const RenderContext ctx = render_context(c.site);
  auto failed = [](std::int64_t id, const RestError& e) {
    return Json{{"id", id},
                {"error", {{"code", e.code}, {"message", e.message}, {"data", e.data}}}};
  };
  Json out = Json::object();
  for (const Json& item : creates) {
    Product base;
    if (parent) {
      base.type = "variation";
      base.parent_id = parent;
      base.name = parent_product->name;
    }
    std::int64_t id = 0;
    if (auto e = product_write(c, base, item, Strictness::kBatchItem, &id)) {
      out["create"].push_back(failed(0, *e));
    } else {
      out["create"].push_back(render_product(*catalog_.find(id), ctx));
    }
  }
  for (const Json& item : updates) {
    const Json given_id = item.is_object() && item.contains("id") ? item["id"] : Json(nullptr);
    const std::int64_t id = given_id.is_number() ? given_id.get<std::int64_t>() : 0;
    Product* p = parent ? catalog_.find(id) : catalog_.find_product(id);
    if (p && parent && p->parent_id != parent) p = nullptr;
    std::int64_t out_id = 0;
    std::optional<RestError> e;
    if (!p) {
      e = make_error(400, "woocommerce_rest_" + kind + "_invalid_id", "Invalid ID.");
    } else {
      e = product_write(c, *p, item, Strictness::kBatchItem, &out_id);
    }
    if (e) {
      Json f = failed(0, *e);
      f["id"] = given_id;
      out["update"].push_back(f);
    } else {
      out["update"].push_back(render_product(*catalog_.find(out_id), ctx));
    }
  }
  for (const Json& item : deletes) {
    const std::int64_t id = item.is_number() ? item.get<std::int64_t>()
                            : item.is_string()
                                ? std::strtoll(item.get<std::string>().c_str(), nullptr, 10)
                                : 0;
    if (id == 0) continue;
    Product* p = parent ? catalog_.find(id) : catalog_.find_product(id);
    if (p && parent && p->parent_id != parent) p = nullptr;
    if (!p) {
      out["delete"].push_back(
          failed(id, make_error(404, "woocommerce_rest_" + kind + "_invalid_id", "Invalid ID.")));
      continue;
    }
    Response r = delete_product(c, p, true);
    out["delete"].push_back(Json::parse(r.body));
  }
  // PHP's empty array is a JSON list.
  return json_reply(200, out.empty() ? Json::array() : out);
}

}  // namespace weir::sims::woo
