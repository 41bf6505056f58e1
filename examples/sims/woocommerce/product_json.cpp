#include "product_json.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "listing.hpp"

namespace weir::sims::woo {

std::string sanitize_title(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if ((c == ' ' || c == '-' || c == '_') && !out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string format_decimal(const Json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", value.get<double>());
    return buf;
  }
  if (!value.is_string()) return "";
  std::string out;
  for (char c : value.get<std::string>()) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-') out += c;
  }
  return out;
}

double price_value(const std::string& price) { return std::strtod(price.c_str(), nullptr); }

namespace {

bool on_sale(const Product& p) {
  return !p.sale_price.empty() && !p.regular_price.empty() &&
         price_value(p.sale_price) < price_value(p.regular_price);
}

Json links(const RenderContext& ctx, const std::string& route, std::int64_t id) {
  const std::string base = ctx.site + "/wp-json/wc/v3/" + route;
  return Json{{"self", Json::array({Json{{"href", base + "/" + std::to_string(id)}}})},
              {"collection", Json::array({Json{{"href", base}}})}};
}

Json render_image(const Image& im, const Product& p, const RenderContext& ctx) {
  std::string src = im.src;
  if (!src.empty() && src[0] == '/') src = ctx.site + src;
  return Json{{"id", im.id},
              {"date_created", ctx.clock.site(p.created)},
              {"date_created_gmt", ctx.clock.gmt(p.created)},
              {"date_modified", ctx.clock.site(p.created)},
              {"date_modified_gmt", ctx.clock.gmt(p.created)},
              {"src", src},
              {"name", im.name},
              {"alt", ""}};
}

std::vector<Image> images_of(const Product& p) {
  if (!p.generated_content) return p.images;
  const std::string name = "product-" + std::to_string(p.id);
  return {Image{4000000000LL + p.id, "/wp-content/uploads/2026/11/" + name + ".jpg", name}};
}

}  // namespace

std::string active_price(const Product& p, Catalog& catalog) {
  if (p.type == "variable") {
    std::string best;
    for (std::int64_t vid : p.variations) {
      const Product* v = catalog.find(vid);
      if (!v || v->status != "publish") continue;
      const std::string price = active_price(*v, catalog);
      if (!price.empty() && (best.empty() || price_value(price) < price_value(best))) best = price;
    }
    return best;
  }
  return on_sale(p) ? p.sale_price : p.regular_price;
}

Json render_product(const Product& p, const RenderContext& ctx) {
  const Product* parent = p.is_variation() ? ctx.catalog.find(p.parent_id) : nullptr;
  Json j;
  j["id"] = p.id;
  j["name"] = p.name;
  if (!p.is_variation()) j["slug"] = p.slug;
  j["permalink"] = ctx.site + "/product/" + (parent ? parent->slug : p.slug) + "/";
  j["date_created"] = ctx.clock.site(p.created);
  j["date_created_gmt"] = ctx.clock.gmt(p.created);
  j["date_modified"] = ctx.clock.site(p.modified);
  j["date_modified_gmt"] = ctx.clock.gmt(p.modified);
  j["type"] = p.type;
  j["status"] = p.status;
  if (!p.is_variation()) {
    j["featured"] = false;
    j["catalog_visibility"] = "visible";
  }
  j["description"] =
      p.generated_content ? "<p>" + p.name + ": sturdy, simple, seeded.</p>\n" : p.description;
  if (!p.is_variation()) {
    j["short_description"] = p.generated_content ? "<p>" + p.name + "</p>\n" : p.short_description;
  }
  j["sku"] = p.sku;
  const std::string price = active_price(p, ctx.catalog);
  j["price"] = price;
  j["regular_price"] = p.regular_price;
  j["sale_price"] = p.sale_price;
  j["date_on_sale_from"] = nullptr;
  j["date_on_sale_to"] = nullptr;
  j["on_sale"] = on_sale(p);
  j["purchasable"] = !price.empty() && p.status == "publish";
  j["virtual"] = false;
  j["downloadable"] = false;
  j["tax_status"] = "taxable";
  j["tax_class"] = "";
  j["manage_stock"] = p.manage_stock;
  j["stock_quantity"] = p.manage_stock ? Json(p.stock_quantity) : Json(nullptr);
  j["backorders"] = p.backorders;
  j["backorders_allowed"] = p.backorders != "no";
  j["backordered"] = p.manage_stock && p.stock_quantity <= 0 && p.backorders != "no";
  j["weight"] = "";
  j["dimensions"] = {{"length", ""}, {"width", ""}, {"height", ""}};
  j["shipping_class"] = "";
  j["shipping_class_id"] = 0;
  const auto images = images_of(p);
  if (p.is_variation()) {
    j["image"] = images.empty() ? Json(nullptr) : render_image(images.front(), p, ctx);
    Json attrs = Json::array();
    for (const auto& [name, option] : p.options) {
      attrs.push_back({{"id", 0}, {"name", name}, {"option", option}});
    }
    j["attributes"] = attrs;
  } else {
    j["parent_id"] = p.parent_id;
    Json cats = Json::array();
    for (std::int64_t cid : p.categories) {
      if (const Category* c = ctx.catalog.find_category(cid)) {
        cats.push_back({{"id", c->id}, {"name", c->name}, {"slug", c->slug}});
      }
    }
    j["categories"] = cats;
    j["tags"] = Json::array();
    Json ims = Json::array();
    for (const auto& im : images) ims.push_back(render_image(im, p, ctx));
    j["images"] = ims;
    Json attrs = Json::array();
    if (p.type == "variable" && !p.variations.empty()) {
      Json options = Json::array();
      for (std::int64_t vid : p.variations) {
        if (const Product* v = ctx.catalog.find(vid); v && !v->options.empty()) {
          options.push_back(v->options.front().second);
        }
      }
      attrs.push_back({{"id", 0},
                       {"name", "Size"},
                       {"position", 0},
                       {"visible", true},
                       {"variation", true},
                       {"options", options}});
    }
    j["attributes"] = attrs;
    j["variations"] = p.variations;
  }
  j["menu_order"] = 0;
  j["meta_data"] = Json::array();
  j["stock_status"] = derived_stock_status(p);
  j["_links"] = p.is_variation()
                    ? links(ctx, "products/" + std::to_string(p.parent_id) + "/variations", p.id)
                    : links(ctx, "products", p.id);
  return j;
}

Json render_category(const Category& c, const RenderContext& ctx) {
  return Json{{"id", c.id},
              {"name", c.name},
              {"slug", c.slug},
              {"parent", c.parent},
              {"description", c.description},
              {"display", "default"},
              {"image", nullptr},
              {"menu_order", 0},
              {"count", c.count},
              {"_links", links(ctx, "products/categories", c.id)}};
}

std::optional<RestError> check_product_schema(const Json& body) {
  if (!body.is_object()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> bad;
  auto type = [&](const char* name, const char* want, bool ok) {
    if (body.contains(name) && !ok)
      bad.emplace_back(name, std::string(name) + " is not of type " + want + ".");
  };
  for (const char* name :
       {"name", "slug", "sku", "regular_price", "sale_price", "description", "short_description"}) {
    type(name, "string", body.contains(name) && body[name].is_string());
  }
  auto is_int = [&](const char* n) {
    const Json& v = body[n];
    return v.is_number_integer() || (v.is_string() && read_int(v.get<std::string>()));
  };
  auto is_bool = [&](const char* n) {
    const Json& v = body[n];
    return v.is_boolean() || (v.is_string() && read_bool(v.get<std::string>())) ||
           (v.is_number_integer() && (v == 0 || v == 1));
  };
  if (body.contains("stock_quantity")) type("stock_quantity", "integer", is_int("stock_quantity"));
  if (body.contains("parent_id")) type("parent_id", "integer", is_int("parent_id"));
  if (body.contains("manage_stock")) type("manage_stock", "boolean", is_bool("manage_stock"));
  for (const char* name : {"categories", "images"}) {
    type(name, "array", body.contains(name) && body[name].is_array());
  }
  auto enumerated = [&](const char* name, const std::vector<std::string>& values) {
    if (!body.contains(name)) return;
    const Json& v = body[name];
    if (!v.is_string()) {
      bad.emplace_back(name, std::string(name) + " is not of type string.");
    } else if (std::find(values.begin(), values.end(), v.get<std::string>()) == values.end()) {
      bad.emplace_back(name, not_one_of(name, values));
    }
  };
  enumerated("type", {"simple", "grouped", "external", "variable"});
  enumerated("status", {"draft", "pending", "private", "publish", "future"});
  enumerated("backorders", {"no", "notify", "yes"});
  enumerated("stock_status", {"instock", "outofstock", "onbackorder"});
  if (bad.empty()) return std::nullopt;
  return invalid_params(bad, "rest_invalid_type");
}

namespace {

std::string text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::int64_t integer(const Json& v) {
  if (v.is_number()) return v.get<std::int64_t>();
  if (v.is_string()) return std::strtoll(v.get<std::string>().c_str(), nullptr, 10);
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return 0;
}

bool boolean(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return read_bool(v.get<std::string>()).value_or(false);
  return integer(v) != 0;
}

// As WC_REST_Products_Controller::set_product_images: an image without an
// id is downloaded from its src into a new attachment (every time); an id
// must be an image attachment, else 400 woocommerce_product_invalid_image_id.
std::optional<RestError> apply_images(Catalog& catalog, Product& p, const Json& images) {
  std::vector<Image> out;
  for (const Json& im : images) {
    if (!im.is_object() || im.empty()) continue;
    Image one;
    one.id = im.contains("id") ? integer(im["id"]) : 0;
    if (one.id == 0 && im.contains("src") && !text(im["src"]).empty()) {
      one.id = catalog.sideload(text(im["src"]));
    }
    const std::string* path = catalog.attachment(one.id);
    if (!path) {
      return make_error(400, "woocommerce_product_invalid_image_id",
                        "#" + std::to_string(one.id) + " is an invalid image ID.");
    }
    one.src = *path;
    const auto slash = one.src.rfind('/'), dot = one.src.rfind('.');
    one.name = im.contains("name") && !text(im["name"]).empty()
                   ? text(im["name"])
                   : one.src.substr(slash + 1, dot == std::string::npos || dot < slash
                                                    ? std::string::npos
                                                    : dot - slash - 1);
    out.push_back(std::move(one));
  }
  p.images = std::move(out);
  return std::nullopt;
}

}  // namespace

WriteResult write_product(Catalog& catalog, const Product& base, const Json& body,
                          Strictness strictness, std::int64_t now) {
  if (strictness == Strictness::kSchema) {
    if (auto e = check_product_schema(body)) return {0, e};
  }
  if (!body.is_object())
    return {0, make_error(400, "rest_invalid_json", "Invalid JSON body passed.")};
  Product p = base;
  if (p.generated_content) {  // materialise before a partial write
    p.images = images_of(p);
    p.generated_content = false;
  }
  auto has = [&](const char* k) { return body.contains(k) && !body[k].is_null(); };
  if (has("name")) p.name = text(body["name"]);
  if (has("slug")) p.slug = sanitize_title(text(body["slug"]));
  if (p.slug.empty() && !p.is_variation()) p.slug = sanitize_title(p.name);
  if (has("type") && !p.is_variation()) p.type = text(body["type"]);
  if (has("status")) p.status = text(body["status"]);
  if (has("description")) p.description = text(body["description"]);
  if (has("short_description")) p.short_description = text(body["short_description"]);
  if (has("regular_price")) p.regular_price = format_decimal(body["regular_price"]);
  if (has("sale_price")) p.sale_price = format_decimal(body["sale_price"]);
  if (has("manage_stock")) p.manage_stock = boolean(body["manage_stock"]);
  if (has("stock_quantity")) p.stock_quantity = integer(body["stock_quantity"]);
  if (has("backorders")) p.backorders = text(body["backorders"]);
  if (has("stock_status")) p.stock_status = text(body["stock_status"]);
  if (has("categories") && body["categories"].is_array()) {
    p.categories.clear();
    for (const Json& c : body["categories"]) {
      const std::int64_t cid = c.is_object() && c.contains("id") ? integer(c["id"]) : 0;
      if (catalog.find_category(cid)) p.categories.push_back(cid);
    }
  }
  if (has("images") && body["images"].is_array()) {
    if (auto e = apply_images(catalog, p, body["images"])) return {0, e};
  }
  // A sale price not below the regular price is no sale (WooCommerce drops it).
  if (!p.sale_price.empty() && !p.regular_price.empty() &&
      price_value(p.sale_price) >= price_value(p.regular_price)) {
    p.sale_price.clear();
  }
  std::string sku = has("sku") ? text(body["sku"]) : p.sku;
  if (!sku.empty()) {
    const std::int64_t holder = catalog.id_for_sku(sku);
    if (holder != 0 && holder != base.id) {
      RestError e = make_error(400, "product_invalid_sku", "Invalid or duplicated SKU.");
      e.data["resource_id"] = holder;
      e.data["unique_sku"] = sku + "-1";
      return {0, e};
    }
  }
  if (!p.manage_stock) p.stock_quantity = 0;
  p.stock_status = derived_stock_status(p);
  p.modified = now;
  if (base.id == 0) {
    p.id = catalog.next_post_id();
    p.created = now;
    p.sku.clear();
    Product& stored = catalog.add(std::move(p));
    catalog.set_sku(stored, sku);
    if (stored.is_variation()) {
      if (Product* parent = catalog.find(stored.parent_id)) parent->variations.push_back(stored.id);
    }
    return {stored.id, std::nullopt};
  }
  Product* stored = catalog.find(base.id);
  const std::string old_sku = stored->sku;
  *stored = std::move(p);
  stored->sku = old_sku;
  catalog.set_sku(*stored, sku);
  return {stored->id, std::nullopt};
}

}  // namespace weir::sims::woo
