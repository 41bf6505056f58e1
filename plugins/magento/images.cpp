#include "images.hpp"

#include <cctype>

#include "mg_api.hpp"

namespace weir::magento {
namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                            static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i < in.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The file name Magento stores the picture under: the URL's last segment
// without its query, characters Magento refuses in a name replaced.
std::string file_name(const std::string& url, std::size_t position) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (char& c : name) {
    if (std::string_view("/\\:*?\"<>|").find(c) != std::string_view::npos ||
        static_cast<unsigned char>(c) < 0x20) {
      c = '-';
    }
  }
  if (name.empty()) name = "image-" + std::to_string(position + 1);
  return name;
}

// The picture's MIME type: the answer's Content-Type when it is one Magento
// takes, else from the name's extension; "" when neither says.
std::string mime_type(const HttpResponse& r, const std::string& name) {
  std::string type;
  for (const auto& [k, v] : r.headers) {
    if (lower(k) == "content-type") type = lower(v.substr(0, v.find(';')));
  }
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == "image/jpeg" || type == "image/jpg" || type == "image/png" || type == "image/gif") {
    return type;
  }
  const std::string n = lower(name);
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return n.size() >= e.size() && n.compare(n.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  if (ends(".png")) return "image/png";
  if (ends(".gif")) return "image/gif";
  return "";
}

}  // namespace

std::string images_digest(const std::string& sku, const Json& urls) {
  return sku + " " + digest_hex(urls.dump());
}

const char* FetchImages::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "system": {"type": "string", "default": "shop",
                 "description": "the ID map's system of the shop the pictures go to"}
    }
  })json";
}

FetchImages::FetchImages(const NodeInit& init)
    : system_(init.config.value("system", std::string("shop"))) {}

Result FetchImages::process(Context& ctx) {
  Json product = ctx.message().json();
  if (!product.is_object() || !product.contains("images")) {
    ctx.emit(product);
    return Result::success();
  }
  const Json urls = product["images"];
  product.erase("images");
  const std::string sku = product.value("sku", std::string());
  if (sku.empty()) return Result::failed("magento.fetch_images: a product without a SKU");
  if (!urls.is_array()) {
    return Result::failed("magento.fetch_images: SKU " + sku + ": images is not a list of URLs: " +
                          urls.dump().substr(0, 200));
  }
  const std::string digest = images_digest(sku, urls);
  if (ctx.id_get(system_, "images", sku) == digest) {
    ctx.emit(product);  // the shop has these pictures: its gallery stays
    return Result::success();
  }
  Json entries = Json::array();
  for (std::size_t k = 0; k < urls.size(); ++k) {
    if (!urls[k].is_string() || urls[k].get<std::string>().empty()) {
      return Result::failed("magento.fetch_images: SKU " + sku + ": image " + std::to_string(k + 1) +
                            " is not a URL: " + urls[k].dump().substr(0, 200));
    }
    const std::string url = urls[k].get<std::string>();
    HttpRequest r;
    r.target = url;
    const HttpResponse got = ctx.http(r);
    if (auto bad = got.problem()) {
      if (bad->outcome() == WEIR_OUTCOME_RETRY) return *bad;
      return Result::failed("SKU " + sku + ": picture " + url + ": " + bad->error());
    }
    const std::string name = file_name(url, k);
    const std::string type = mime_type(got, name);
    if (type.empty() || got.body.empty()) {
      return Result::failed("SKU " + sku + ": picture " + url +
                            " is no JPEG, PNG or GIF (Magento takes only those)");
    }
    Json entry = {{"media_type", "image"},
                  {"label", name},
                  {"position", k + 1},
                  {"disabled", false},
                  {"types", k == 0 ? Json::array({"image", "small_image", "thumbnail"})
                                   : Json::array()},
                  {"content", {{"base64_encoded_data", base64(got.body)},
                               {"type", type},
                               {"name", name}}}};
    entries.push_back(std::move(entry));
  }
  product["media_gallery_entries"] = std::move(entries);
  product["images_digest"] = digest;
  ctx.emit(product);
  return Result::success();
}

}  // namespace weir::magento
