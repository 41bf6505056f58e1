#include "rest_spec.hpp"

#include <algorithm>

namespace weir::erp {
namespace {

void known_keys(const Json& obj, const std::string& where, const std::vector<std::string>& known,
                std::vector<std::string>* errors) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    errors->push_back(where + (where.empty() ? "" : ": ") + "unknown key '" + key + "' (known: " +
                      list + ")");
  }
}

std::string text_of(const Json& obj, const char* key, const std::string& where,
                    std::vector<std::string>* errors, const std::string& fallback = "") {
  if (!obj.contains(key)) return fallback;
  if (!obj[key].is_string()) {
    errors->push_back(where + key + " must be text, got " + obj[key].dump());
    return fallback;
  }
  return obj[key].get<std::string>();
}

std::vector<int> statuses_of(const Json& obj, const char* key, const std::string& where,
                             std::vector<std::string>* errors) {
  std::vector<int> out;
  if (!obj.contains(key)) return out;
  if (!obj[key].is_array()) {
    errors->push_back(where + key + " must be a list of HTTP statuses, got " + obj[key].dump());
    return out;
  }
  for (const auto& s : obj[key]) {
    if (s.is_number_integer() && s.get<int>() >= 100 && s.get<int>() <= 599) {
      out.push_back(s.get<int>());
    } else {
      errors->push_back(where + key + ": " + s.dump() + " is not an HTTP status");
    }
  }
  return out;
}

RequestSpec parse_request(const Json& obj, const std::string& where, const char* method,
                          std::vector<std::string>* errors) {
  RequestSpec r;
  if (!obj.is_object()) {
    errors->push_back(where + " must be a mapping with a path, got " + obj.dump());
    return r;
  }
  known_keys(obj, where, {"method", "path", "params", "body"}, errors);
  r.method = text_of(obj, "method", where + ".", errors, method);
  r.path = text_of(obj, "path", where + ".", errors);
  if (r.path.empty()) errors->push_back(where + ".path is missing");
  if (obj.contains("params")) {
    if (!obj["params"].is_object()) {
      errors->push_back(where + ".params must be a mapping, got " + obj["params"].dump());
    } else {
      for (const auto& [k, v] : obj["params"].items()) {
        r.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    }
  }
  if (obj.contains("body")) r.body = obj["body"];
  return r;
}

}  // namespace

FieldPath parse_path(const std::string& text) {
  FieldPath p;
  p.text = text;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '[' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\'')) {
      // ["@odata.nextLink"]: a key with dots (or anything) in it
      const char quote = text[i + 1];
      const auto close = text.find(std::string(1, quote) + "]", i + 2);
      if (close == std::string::npos) {  // unclosed: the rest is the key, as written
        p.keys.push_back(text.substr(i));
        break;
      }
      p.keys.push_back(text.substr(i + 2, close - i - 2));
      i = close + 2;
      if (i < text.size() && text[i] == '.') ++i;
      continue;
    }
    const auto end = text.find_first_of(".[", i);
    p.keys.push_back(text.substr(i, end == std::string::npos ? std::string::npos : end - i));
    if (end == std::string::npos) break;
    i = text[end] == '.' ? end + 1 : end;
  }
  return p;
}

const Json* FieldPath::find(const Json& doc) const {
  const Json* at = &doc;
  for (const auto& k : keys) {
    if (at->is_object()) {
      auto it = at->find(k);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && !k.empty() && std::all_of(k.begin(), k.end(), ::isdigit)) {
      const std::size_t i = std::stoul(k);
      if (i >= at->size()) return nullptr;
      at = &(*at)[i];
    } else {
      return nullptr;
    }
  }
  return at->is_null() ? nullptr : at;
}

std::optional<std::string> render(const std::string& pattern, const Json& doc,
                                  const std::map<std::string, std::string>& extra,
                                  std::string* error) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const auto close = pattern.find('}', i);
    if (close == std::string::npos) {
      *error = "template '" + pattern + "' has an unclosed '{'";
      return std::nullopt;
    }
    const std::string name = pattern.substr(i + 1, close - i - 1);
    if (auto it = extra.find(name); it != extra.end()) {
      out += it->second;
    } else if (const Json* v = parse_path(name).find(doc)) {
      out += v->is_string() ? v->get<std::string>() : v->dump();
    } else {
      *error = "template '" + pattern + "': the document has no '" + name + "'";
      return std::nullopt;
    }
    i = close;
  }
  return out;
}

std::string format_time(std::chrono::system_clock::time_point t, const std::string& format) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  if (format == "epoch_ms") return std::to_string(ms);
  if (format == "epoch") return std::to_string(ms / 1000);
  if (format == "iso8601") return format_utc(t, "%Y-%m-%dT%H:%M:%SZ");
  return format_utc(t, format.c_str());
}

std::optional<ListSpec> parse_list(const Json& config, std::vector<std::string>* errors) {
  const std::size_t before = errors->size();
  ListSpec s;
  if (!config.is_object()) {
    errors->push_back("config must be a mapping with a path, got " + config.dump());
    return std::nullopt;
  }
  Json request = Json::object();
  for (const char* k : {"method", "path", "params"}) {
    if (config.contains(k)) request[k] = config[k];
  }
  s.request = parse_request(request, "request", "GET", errors);
  s.records = parse_path(text_of(config, "records", "", errors));
  s.empty_statuses = statuses_of(config, "empty_statuses", "", errors);
  if (config.contains("paginate")) {
    const Json& p = config["paginate"];
    if (!p.is_object()) {
      errors->push_back("paginate must be a mapping, got " + p.dump());
    } else {
      known_keys(p, "paginate", {"kind", "param", "size_param", "size", "start", "cursor"}, errors);
      const std::string kind = text_of(p, "kind", "paginate.", errors, "none");
      using K = Paginator::Kind;
      if (kind == "none") s.paginate.kind = K::none;
      else if (kind == "page") s.paginate.kind = K::page;
      else if (kind == "offset") s.paginate.kind = K::offset;
      else if (kind == "cursor") s.paginate.kind = K::cursor;
      else errors->push_back("paginate.kind: '" + kind + "' is not one of none, page, offset, cursor");
      s.paginate.param = text_of(p, "param", "paginate.", errors);
      s.paginate.size_param = text_of(p, "size_param", "paginate.", errors);
      s.paginate.size = p.value("size", 100);
      s.paginate.start = p.value("start", 1);
      s.paginate.cursor = parse_path(text_of(p, "cursor", "paginate.", errors));
      if (s.paginate.kind != K::none && s.paginate.kind != K::cursor && s.paginate.param.empty()) {
        errors->push_back("paginate.param names the " + kind + " parameter, and is missing");
      }
      if (s.paginate.kind == K::cursor && s.paginate.cursor.text.empty()) {
        errors->push_back("paginate.cursor says where the next cursor is in an answer, and is missing");
      }
      if (s.paginate.size < 1) errors->push_back("paginate.size must be at least 1");
    }
  }
  if (config.contains("incremental")) {
    const Json& inc = config["incremental"];
    Incremental i;
    if (!inc.is_object()) {
      errors->push_back("incremental must be a mapping, got " + inc.dump());
    } else {
      known_keys(inc, "incremental", {"param", "filter_param", "filter", "format"}, errors);
      i.param = text_of(inc, "param", "incremental.", errors);
      i.filter_param = text_of(inc, "filter_param", "incremental.", errors);
      i.filter = text_of(inc, "filter", "incremental.", errors);
      i.format = text_of(inc, "format", "incremental.", errors, "iso8601");
      if (i.param.empty() == i.filter_param.empty()) {
        errors->push_back("incremental needs either param (updated_since={since}) or filter_param "
                          "with filter (\"LastModified gt '{since}'\")");
      }
      if (!i.filter_param.empty() && i.filter.find("{since}") == std::string::npos) {
        errors->push_back("incremental.filter must hold {since}");
      }
      s.incremental = i;
    }
  }
  known_keys(config, "", {"method", "path", "params", "records", "empty_statuses", "paginate",
                          "incremental"}, errors);
  if (errors->size() != before) return std::nullopt;
  return s;
}

std::optional<WriteSpec> parse_write(const Json& config, std::vector<std::string>* errors) {
  const std::size_t before = errors->size();
  WriteSpec w;
  if (!config.is_object()) {
    errors->push_back("config must be a mapping, got " + config.dump());
    return std::nullopt;
  }
  known_keys(config, "", {"system", "entity", "key", "lookup", "id", "created_id", "create",
                          "update", "after_create", "after_create_ok", "exists_statuses"},
             errors);
  w.system = text_of(config, "system", "", errors, "erp");
  w.entity = text_of(config, "entity", "", errors);
  if (w.entity.empty()) errors->push_back("entity names what is written (product, order, customer)");
  w.key = parse_path(text_of(config, "key", "", errors));
  if (w.key.text.empty()) errors->push_back("key says where our id is in the input (e.g. sku)");
  w.id = parse_path(text_of(config, "id", "", errors));
  if (config.contains("created_id")) w.created_id = parse_path(text_of(config, "created_id", "", errors));
  if (config.contains("lookup")) {
    std::vector<std::string> lookup_errors;
    w.lookup = parse_list(config["lookup"], &lookup_errors);
    for (auto& e : lookup_errors) errors->push_back("lookup." + e);
  }
  if (!config.contains("create")) errors->push_back("create (method, path) is missing");
  else w.create = parse_request(config["create"], "create", "POST", errors);
  if (config.contains("update")) w.update = parse_request(config["update"], "update", "PUT", errors);
  if (config.contains("after_create")) {
    if (!config["after_create"].is_array()) {
      errors->push_back("after_create must be a list of requests");
    } else {
      for (std::size_t i = 0; i < config["after_create"].size(); ++i) {
        w.after_create.push_back(parse_request(config["after_create"][i],
                                               "after_create[" + std::to_string(i) + "]", "POST",
                                               errors));
      }
    }
  }
  w.after_create_ok = statuses_of(config, "after_create_ok", "", errors);
  if (config.contains("exists_statuses")) {
    w.exists_statuses = statuses_of(config, "exists_statuses", "", errors);
  }
  if (errors->size() != before) return std::nullopt;
  return w;
}

}  // namespace weir::erp
