#include "product_json.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "time_text.hpp"

namespace weir::sims::mage {

namespace {

const char* kSizes[] = {"S", "M", "L", "XL"};
constexpr int kSizeAttributeId = 93;
constexpr int kFirstSizeOption = 167;

Json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return Json(static_cast<std::int64_t>(v));
  return Json(v);
}

Json stock_item(const Product& p) {
  return Json{{"item_id", p.id},
              {"product_id", p.id},
              {"stock_id", 1},
              {"qty", number(p.qty)},
              {"is_in_stock", p.in_stock},
              {"is_qty_decimal", false},
              {"manage_stock", true},
              {"min_qty", 0},
              {"min_sale_qty", 1},
              {"max_sale_qty", 10000},
              {"backorders", 0},
              {"low_stock_date", nullptr},
              {"stock_status_changed_auto", 0}};
}

}  // namespace

std::optional<double> number_of(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (*end == '\0') return d;
  }
  return std::nullopt;
}

MageError type_error(const Json& v, const std::string& type) {
  const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  return error(400, "The \"" + text + "\" value's type is invalid. The \"" + type +
                        "\" type was expected. Verify and try again.");
}

Json render_product(Catalog& catalog, const Product& p) {
  Json categories = Json::array(), links = Json::array(), category_ids = Json::array();
  int position = 0;
  for (std::int32_t c : p.categories) {
    links.push_back({{"position", position++}, {"category_id", std::to_string(c)}});
    category_ids.push_back(std::to_string(c));
  }
  Json ext = {{"website_ids", Json::array({1})}, {"category_links", links}};
  if (p.type != ProductType::kConfigurable) ext["stock_item"] = stock_item(p);
  if (p.type == ProductType::kConfigurable) {
    Json values = Json::array();
    std::vector<int> sizes;
    for (std::int64_t child : p.children) {
      const Product* c = catalog.find(child);
      const int index = c && c->size_index >= 0 ? c->size_index : static_cast<int>(sizes.size());
      if (std::find(sizes.begin(), sizes.end(), index) == sizes.end()) sizes.push_back(index);
    }
    for (int s : sizes) values.push_back({{"value_index", kFirstSizeOption + s}});
    if (p.text && !p.text->options.empty()) {
      ext["configurable_product_options"] = p.text->options;
    } else {
      ext["configurable_product_options"] =
          Json::array({{{"id", p.id},
                        {"attribute_id", std::to_string(kSizeAttributeId)},
                        {"label", "Size"},
                        {"position", 0},
                        {"values", values},
                        {"product_id", p.id}}});
    }
    ext["configurable_product_links"] = p.children;
  }
  Json media = Json::array();
  if (p.text) {
    media = p.text->media;
  } else {
    // Magento disperses media files by the name's first two characters.
    const std::string name = lower(p.sku) + ".jpg";
    const std::string file = "/" + name.substr(0, 1) + "/" + name.substr(1, 1) + "/" + name;
    media.push_back({{"id", p.id},
                     {"media_type", "image"},
                     {"label", nullptr},
                     {"position", 1},
                     {"disabled", false},
                     {"types", Json::array({"image", "small_image", "thumbnail"})},
                     {"file", file}});
  }
  Json custom = Json::array();
  custom.push_back({{"attribute_code", "description"}, {"value", catalog.description(p)}});
  custom.push_back(
      {{"attribute_code", "short_description"}, {"value", catalog.short_description(p)}});
  custom.push_back({{"attribute_code", "url_key"}, {"value", catalog.url_key(p)}});
  custom.push_back({{"attribute_code", "tax_class_id"}, {"value", std::to_string(p.tax_class_id)}});
  custom.push_back({{"attribute_code", "category_ids"}, {"value", category_ids}});
  custom.push_back({{"attribute_code", "options_container"}, {"value", "container2"}});
  custom.push_back({{"attribute_code", "required_options"}, {"value", "0"}});
  custom.push_back({{"attribute_code", "has_options"},
                    {"value", p.type == ProductType::kConfigurable ? "1" : "0"}});
  if (p.size_index >= 0) {
    custom.push_back(
        {{"attribute_code", "size"}, {"value", std::to_string(kFirstSizeOption + p.size_index)}});
  }
  if (p.text) {
    for (const auto& [code, value] : p.text->custom.items()) {
      custom.push_back({{"attribute_code", code}, {"value", value}});
    }
  }
  Json out = {{"id", p.id},
              {"sku", p.sku},
              {"name", catalog.name(p)},
              {"attribute_set_id", p.attribute_set_id},
              {"price", number(p.price)},
              {"status", p.status},
              {"visibility", p.visibility},
              {"type_id", type_name(p.type)},
              {"created_at", format_time(p.created)},
              {"updated_at", format_time(p.updated)}};
  if (p.type != ProductType::kConfigurable && p.type != ProductType::kVirtual)
    out["weight"] = number(p.weight);
  out["extension_attributes"] = ext;
  out["product_links"] = Json::array();
  out["options"] = Json::array();
  out["media_gallery_entries"] = media;
  out["tier_prices"] = Json::array();
  out["custom_attributes"] = custom;
  (void)kSizes;
  return out;
}

namespace {

// Reads an int field (status, visibility, attribute_set_id).
std::optional<MageError> read_int(const Json& obj, const char* name, int* out) {
  if (!obj.contains(name) || obj[name].is_null()) return std::nullopt;
  const auto v = number_of(obj[name]);
  if (!v || *v != std::floor(*v)) return type_error(obj[name], "int");
  *out = static_cast<int>(*v);
  return std::nullopt;
}

std::optional<MageError> read_double(const Json& obj, const char* name, double* out) {
  if (!obj.contains(name) || obj[name].is_null()) return std::nullopt;
  const auto v = number_of(obj[name]);
  if (!v) return type_error(obj[name], "float");
  *out = *v;
  return std::nullopt;
}

std::string text_value(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

MageError empty_attribute(const std::string& label) {
  return error(400,
               "The \"" + label + "\" attribute value is empty. Set the attribute and try again.");
}

// Decodes strict base64 (padding required, no other characters); nullopt
// if `text` is not that.
std::optional<std::string> decode_base64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) return std::nullopt;
      break;
    }
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// Magento's ImageContentValidator: base64 data, an image (getimagesize
// must read it: here its signature), a MIME type Magento takes, and a name
// without forbidden characters.
std::optional<MageError> check_image_content(const Json& content) {
  const std::string data = content.is_object() ? content.value("base64_encoded_data", std::string()) : "";
  const auto bytes = decode_base64(data);
  if (!bytes) return error(400, "The image content must be valid base64 encoded data.");
  const std::string type = content.value("type", std::string());
  const bool jpeg = bytes->rfind("\xFF\xD8\xFF", 0) == 0;
  const bool png = bytes->rfind("\x89PNG\r\n\x1A\n", 0) == 0;
  const bool gif = bytes->rfind("GIF87a", 0) == 0 || bytes->rfind("GIF89a", 0) == 0;
  if (!jpeg && !png && !gif) {
    return error(400, "The image content is invalid. Verify the content and try again.");
  }
  static const char* kTypes[] = {"image/jpg", "image/jpeg", "image/gif", "image/png"};
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
    return error(400, "The image MIME type is not valid or not supported.");
  }
  const std::string name = content.value("name", std::string());
  if (name.empty() || name.find_first_of("/\\:*?\"<>|") != std::string::npos) {
    return error(400, "Provided image name contains forbidden characters.");
  }
  return std::nullopt;
}

// Applies the fields of `in` to `p` (a copy); an error leaves the catalog as it was.
std::optional<MageError> apply(Catalog& catalog, Product& p, ProductText& text, const Json& in,
                               bool creating, int* images_uploaded) {
  if (in.contains("type_id") && in["type_id"].is_string()) {
    if (auto t = parse_type(in["type_id"].get<std::string>())) p.type = *t;
  }
  if (in.contains("name")) text.name = text_value(in["name"]);
  if (auto e = read_double(in, "price", &p.price)) return e;
  if (auto e = read_double(in, "weight", &p.weight)) return e;
  if (auto e = read_int(in, "status", &p.status)) return e;
  if (auto e = read_int(in, "visibility", &p.visibility)) return e;
  if (auto e = read_int(in, "attribute_set_id", &p.attribute_set_id)) return e;
  bool url_given = false;
  if (in.contains("custom_attributes") && in["custom_attributes"].is_array()) {
    for (const auto& a : in["custom_attributes"]) {
      if (!a.is_object() || !a.contains("attribute_code")) continue;
      const std::string code = text_value(a["attribute_code"]);
      const Json value = a.value("value", Json());
      if (code == "description") {
        text.description = text_value(value);
      } else if (code == "short_description") {
        text.short_description = text_value(value);
      } else if (code == "url_key") {
        text.url_key = format_url_key(text_value(value));
        url_given = !text.url_key.empty();
      } else if (code == "tax_class_id") {
        const auto v = number_of(value);
        if (!v) return type_error(value, "int");
        p.tax_class_id = static_cast<int>(*v);
      } else if (code == "category_ids" && value.is_array()) {
        p.categories.clear();
        for (const auto& c : value) {
          if (auto v = number_of(c)) p.categories.push_back(static_cast<std::int32_t>(*v));
        }
      } else {
        text.custom[code] = value;
      }
    }
  }
  if (in.contains("media_gallery_entries") && in["media_gallery_entries"].is_array()) {
    // The list replaces the gallery. A new entry brings its file as
    // base64 content, checked as Magento's ImageContentValidator does and
    // stored under /<a>/<b>/<name> (the file itself is not kept here).
    Json media = Json::array();
    int n = 0;
    for (const auto& m : in["media_gallery_entries"]) {
      if (!m.is_object()) return type_error(m, "\\Magento\\Catalog\\Api\\Data\\ProductAttributeMediaGalleryEntryInterface");
      Json entry = m;
      if (entry.contains("content") && !entry["content"].is_null()) {
        if (auto e = check_image_content(entry["content"])) return e;
        const std::string name = entry["content"].value("name", std::string());
        std::string lower;
        for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const std::string a(1, lower.size() > 0 ? lower[0] : '_'), b(1, lower.size() > 1 ? lower[1] : '_');
        entry["file"] = "/" + a + "/" + b + "/" + lower;
        entry.erase("content");
        ++*images_uploaded;
      } else if (!entry.contains("id") && !entry.contains("file")) {
        return error(400, "The image content is invalid. Verify the content and try again.");
      }
      if (!entry.contains("id")) entry["id"] = p.id * 100 + ++n;
      if (!entry.contains("media_type")) entry["media_type"] = "image";
      media.push_back(std::move(entry));
    }
    text.media = std::move(media);
  }
  if (in.contains("extension_attributes") && in["extension_attributes"].is_object()) {
    const Json& ext = in["extension_attributes"];
    if (ext.contains("category_links") && ext["category_links"].is_array()) {
      p.categories.clear();
      for (const auto& link : ext["category_links"]) {
        if (!link.is_object() || !link.contains("category_id")) continue;
        const auto v = number_of(link["category_id"]);
        if (!v) return type_error(link["category_id"], "string");
        p.categories.push_back(static_cast<std::int32_t>(*v));
      }
    }
    if (ext.contains("stock_item") && ext["stock_item"].is_object()) {
      const Json& s = ext["stock_item"];
      if (auto e = read_double(s, "qty", &p.qty)) return e;
      if (s.contains("is_in_stock")) {
        const auto v = number_of(s["is_in_stock"]);
        if (!v) return type_error(s["is_in_stock"], "bool");
        p.in_stock = *v != 0;
      }
    }
    if (ext.contains("configurable_product_options") &&
        ext["configurable_product_options"].is_array()) {
      text.options = ext["configurable_product_options"];
    }
    if (ext.contains("configurable_product_links") &&
        ext["configurable_product_links"].is_array()) {
      p.children.clear();
      for (const auto& c : ext["configurable_product_links"]) {
        const auto v = number_of(c);
        if (!v) return type_error(c, "int");
        if (!catalog.find(static_cast<std::int64_t>(*v))) {
          return error(400, "The product was unable to be saved. Please try again.");
        }
        p.children.push_back(static_cast<std::int64_t>(*v));
      }
    }
  }
  // ProductRepository: required attributes, then attribute validation.
  if (creating && text.name.empty()) return empty_attribute("Product Name");
  if (creating && !in.contains("price") && p.type != ProductType::kConfigurable) {
    return empty_attribute("Price");
  }
  if (p.price < 0) return error(400, "Please enter a number 0 or greater in this field.");
  for (std::int32_t c : p.categories) {
    if (!catalog.find_category(c)) {
      return error(400, "The product was unable to be saved. Please try again.");
    }
  }
  if (creating && !url_given) text.url_key = format_url_key(text.name);
  if (p.visibility != 1 && !text.url_key.empty()) {
    const std::int64_t owner = catalog.url_key_owner(text.url_key);
    if (owner && owner != p.id) return error(400, "URL key for specified store already exists.");
  }
  return std::nullopt;
}

}  // namespace

std::optional<MageError> check_product_input(const Json& body) {
  if (!body.is_object() || !body.contains("product") || !body["product"].is_object()) {
    return required_field("product");
  }
  const Json& in = body["product"];
  int i = 0;
  double d = 0;
  for (const char* name : {"price", "weight"}) {
    if (auto e = read_double(in, name, &d)) return e;
  }
  for (const char* name : {"status", "visibility", "attribute_set_id", "id"}) {
    if (auto e = read_int(in, name, &i)) return e;
  }
  if (in.contains("extension_attributes") && in["extension_attributes"].is_object() &&
      in["extension_attributes"].contains("stock_item") &&
      in["extension_attributes"]["stock_item"].is_object()) {
    if (auto e = read_double(in["extension_attributes"]["stock_item"], "qty", &d)) return e;
  }
  return std::nullopt;
}

ProductSave save_product(Catalog& catalog, const Json& body, const std::string& path_sku,
                         std::int64_t now) {
  ProductSave out;
  if (!body.is_object() || !body.contains("product") || !body["product"].is_object()) {
    out.error = required_field("product");
    return out;
  }
  if (auto e = check_product_input(body)) {
    out.error = e;
    return out;
  }
  const Json& in = body["product"];
  std::string sku = in.contains("sku") ? text_value(in["sku"]) : path_sku;
  // Magento trims SKUs.
  while (!sku.empty() && std::isspace(static_cast<unsigned char>(sku.back()))) sku.pop_back();
  while (!sku.empty() && std::isspace(static_cast<unsigned char>(sku.front()))) sku.erase(0, 1);
  if (sku.empty()) {
    out.error = empty_attribute("SKU");
    return out;
  }
  if (sku.size() > 64) {
    out.error = error(400, "SKU length should be 64 characters maximum.");
    return out;
  }
  Product* existing = catalog.find_sku(sku);
  Product p;
  ProductText text;
  if (existing) {
    p.id = existing->id;
    p.sku = existing->sku;
    p.type = existing->type;
    p.status = existing->status;
    p.visibility = existing->visibility;
    p.attribute_set_id = existing->attribute_set_id;
    p.tax_class_id = existing->tax_class_id;
    p.price = existing->price;
    p.weight = existing->weight;
    p.qty = existing->qty;
    p.in_stock = existing->in_stock;
    p.created = existing->created;
    p.parent_id = existing->parent_id;
    p.children = existing->children;
    p.categories = existing->categories;
    p.size_index = existing->size_index;
    text = catalog.text(*existing);
  } else {
    p.sku = sku;
    p.created = now;
    p.qty = 0;
    p.in_stock = false;
  }
  if (auto e = apply(catalog, p, text, in, existing == nullptr, &out.images_uploaded)) {
    out.error = e;
    return out;
  }
  p.updated = now;
  p.text = std::make_unique<ProductText>(std::move(text));
  if (existing) {
    catalog.unindex_url(*existing);
    const std::vector<std::int64_t> old_children = existing->children;
    for (std::int64_t c : old_children) {
      if (Product* child = catalog.find(c)) child->parent_id = 0;
    }
    p.sku = existing->sku;
    *existing = std::move(p);
    for (std::int64_t c : existing->children) {
      if (Product* child = catalog.find(c)) child->parent_id = existing->id;
    }
    catalog.index_url(*existing);
    out.id = existing->id;
  } else {
    Product& stored = catalog.add(std::move(p));
    for (std::int64_t c : stored.children) {
      if (Product* child = catalog.find(c)) child->parent_id = stored.id;
    }
    out.id = stored.id;
    out.created = true;
  }
  return out;
}

}  // namespace weir::sims::mage
