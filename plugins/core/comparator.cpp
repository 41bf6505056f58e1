#include "comparator.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace weir::core {
namespace {

// The first 128 bits of SHA-256, as 32 hex digits: a collision between two
// versions of one item is out of reach at any catalog size, and half the
// bytes per item in state.
std::string fingerprint_of(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("core.comparator: OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 16 && i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

// "meta.seen_at" -> {"meta", "seen_at"}; empty on an empty step.
std::vector<std::string> split_keys(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    std::string step = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (step.empty()) return {};
    out.push_back(std::move(step));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

void erase_path(nlohmann::json& doc, const std::vector<std::string>& path, std::size_t i = 0) {
  if (!doc.is_object()) return;
  auto it = doc.find(path[i]);
  if (it == doc.end()) return;
  if (i + 1 == path.size()) {
    doc.erase(it);
  } else {
    erase_path(*it, path, i + 1);
  }
}

}  // namespace

const char* Comparison::schema() {
  return R"({
    "type": "object",
    "additionalProperties": false,
    "required": ["key"],
    "properties": {
      "key": {"type": "string", "description": "path of the item's identity, e.g. sku"},
      "ignore": {"type": "array", "items": {"type": "string"},
                 "description": "keys (nested with dots) left out of the comparison"}
    }
  })";
}

std::optional<Comparison> Comparison::compile(const nlohmann::json& config,
                                              std::vector<std::string>* errors) {
  const std::size_t before = errors->size();
  if (!config.is_object()) {
    errors->push_back("config must be an object with a key, got " + config.dump());
    return std::nullopt;
  }
  for (const auto& [name, value] : config.items()) {
    if (name != "key" && name != "ignore") {
      errors->push_back("unknown config key '" + name + "' (known: key, ignore)");
    }
  }
  std::optional<FieldPath> key;
  if (!config.contains("key") || !config["key"].is_string()) {
    errors->push_back("key must name the item's identity (a path such as sku), got " +
                      (config.contains("key") ? config["key"].dump() : std::string("nothing")));
  } else {
    std::string why;
    key = FieldPath::parse(config["key"].get<std::string>(), &why);
    if (!key) {
      errors->push_back("key '" + config["key"].get<std::string>() + "' " + why);
    } else if (key->has_wildcard()) {
      errors->push_back("key '" + key->text() + "' has [*]: an item has one identity");
    }
  }
  std::vector<std::vector<std::string>> ignore;
  if (config.contains("ignore")) {
    const auto& list = config["ignore"];
    if (!list.is_array()) {
      errors->push_back("ignore must be a list of keys, got " + list.dump());
    } else {
      for (const auto& entry : list) {
        auto path = entry.is_string() ? split_keys(entry.get<std::string>())
                                      : std::vector<std::string>{};
        if (path.empty()) {
          errors->push_back("ignore: " + entry.dump() +
                            " is not a key or dotted keys (e.g. meta.seen_at)");
        } else {
          ignore.push_back(std::move(path));
        }
      }
    }
  }
  if (errors->size() != before) return std::nullopt;
  return Comparison(std::move(*key), std::move(ignore));
}

std::string Comparison::canonical(const nlohmann::json& item) const {
  if (ignore_.empty()) return item.dump();  // nlohmann keeps object keys sorted
  nlohmann::json copy = item;
  for (const auto& path : ignore_) erase_path(copy, path);
  return copy.dump();
}

Comparison::Item Comparison::look(const nlohmann::json& item) const {
  Item out;
  auto found = key_.resolve(item, item, "");
  const nlohmann::json* value = found && !found->empty() ? (*found)[0].value : nullptr;
  if (!value) {
    out.error = "the item has no key at '" + key_.text() + "'";
    return out;
  }
  if (value->is_string() && !value->get<std::string>().empty()) {
    out.key = value->get<std::string>();
  } else if (value->is_number_integer() || value->is_number_unsigned()) {
    out.key = value->dump();
  } else {
    out.error = "the key at '" + key_.text() + "' is " + value->dump() +
                ", not a non-empty string or an integer";
    return out;
  }
  if (out.key.size() > 512) {
    out.error = "the key at '" + key_.text() + "' is longer than 512 bytes";
    return out;
  }
  out.fingerprint = fingerprint_of(canonical(item));
  out.ok = true;
  return out;
}

}  // namespace weir::core
