// Application files: YAML (topology/yaml_file.hpp) into an App, each key
// checked where it is written.
#include "apps/app_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/content_hash.hpp"
#include "httpclient/url.hpp"
#include "common/duration.hpp"
#include "topology/config_schema.hpp"
#include "topology/suggestions.hpp"
#include "topology/yaml_file.hpp"
#include "topology/yaml_json.hpp"

namespace weir::apps {
namespace {

namespace fs = std::filesystem;
using topology::did_you_mean;
using topology::name_list;
using topology::yaml_line;
using topology::yaml_shown;

const std::vector<std::string> kAppKeys = {"name",    "type",  "base_url", "description",
                                           "auth",    "rate",  "burst",    "concurrency",
                                           "timeout", "retry", "tls",      "settings",
                                           "max_response"};
const std::vector<std::string> kAuthKinds = {"none",  "basic",  "bearer", "header",
                                             "query", "oauth1", "login"};
// The keys of each auth kind; the secrets among them are references.
const std::map<std::string, std::vector<std::string>> kAuthKeys = {
    {"none", {"kind"}},
    {"basic", {"kind", "username", "password"}},
    {"bearer", {"kind", "token"}},
    {"header", {"kind", "name", "value"}},
    {"query", {"kind", "params"}},
    {"oauth1",
     {"kind", "consumer_key", "consumer_secret", "token", "token_secret", "signature_method"}},
    {"login", {"kind", "path", "fields", "format", "extra", "token", "scheme", "ttl"}},
};
const std::map<std::string, std::vector<std::string>> kAuthRequired = {
    {"basic", {"username", "password"}},
    {"bearer", {"token"}},
    {"header", {"name", "value"}},
    {"query", {"params"}},
    {"oauth1", {"consumer_key", "consumer_secret"}},
    {"login", {"path", "fields"}},
};

// RFC 9110 token: what a header's name may be.
bool is_header_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool is_name(const std::string& s) {
  return !s.empty() && s[0] != '-' && s[0] != '_' && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

class Reader {
 public:
  Reader(const AppTypes& types, std::string base_dir)
      : types_(types), base_dir_(std::move(base_dir)) {}

  App read(const YAML::Node& root) {
    if (!root.IsMap()) {
      error(yaml_line(root),
            "the top level must be a mapping with 'name', 'type' and "
            "'base_url', got " +
                yaml_shown(root));
      return app_;
    }
    std::map<std::string, int> seen;
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const int line = yaml_line(kv.first);
      if (auto [first, fresh] = seen.emplace(key, line); !fresh) {
        error(line, "key '" + key + "' appears twice (first at line " +
                        std::to_string(first->second) + ")");
        continue;
      }
      if (std::find(kAppKeys.begin(), kAppKeys.end(), key) == kAppKeys.end()) {
        error(line, "unknown top-level key '" + key + "' (" + did_you_mean(key, kAppKeys) +
                        "allowed: " + name_list(kAppKeys) + ")");
        continue;
      }
      read_entry(key, line, kv.second);
    }
    for (const char* key : {"name", "type", "base_url"}) {
      if (!seen.count(key)) {
        error(yaml_line(root), std::string("missing required key '") + key + "' at the top level");
      }
    }
    check_type_settings();
    return app_;
  }

  std::vector<AppError>& errors() { return errors_; }

 private:
  void error(int line, std::string message) { errors_.push_back({"", line, std::move(message)}); }

  std::optional<std::string> scalar(const std::string& what, int line, const YAML::Node& v) {
    if (v.IsScalar()) return v.Scalar();
    error(line, what + " must be a single value, got " + yaml_shown(v));
    return std::nullopt;
  }

  std::optional<long long> whole(const std::string& what, int line, const YAML::Node& v,
                                 long long min, long long max) {
    auto s = scalar(what, line, v);
    if (!s) return std::nullopt;
    try {
      std::size_t used = 0;
      const long long n = std::stoll(*s, &used);
      if (used == s->size() && n >= min && n <= max) return n;
    } catch (const std::exception&) {
    }
    error(line, what + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", got '" + *s + "'");
    return std::nullopt;
  }

  void read_entry(const std::string& key, int line, const YAML::Node& v) {
    if (key == "name") {
      auto s = scalar("name", line, v);
      if (s && !is_name(*s)) {
        error(line, "name '" + *s + "' must be lower-case letters, digits, '-' and '_'");
      } else if (s) {
        app_.name = *s;
        app_.line = line;
      }
    } else if (key == "type") {
      auto s = scalar("type", line, v);
      const auto& known = types_.names;
      if (s && std::find(known.begin(), known.end(), *s) == known.end()) {
        error(line, "unknown application type '" + *s + "' (" + did_you_mean(*s, known) +
                        "known: " + name_list(known) + ")");
      } else if (s) {
        app_.type = *s;
        type_line_ = line;
      }
    } else if (key == "base_url") {
      read_base_url(line, v);
    } else if (key == "description") {
      if (auto s = scalar("description", line, v)) app_.description = *s;
    } else if (key == "auth") {
      read_auth(line, v);
    } else if (key == "rate") {
      if (auto s = scalar("rate", line, v)) {
        std::string why;
        auto r = limiter::parse_rate(*s, &why);
        if (!r) {
          error(line, "rate: " + why);
        } else {
          r->burst = app_.rate ? app_.rate->burst : burst_;
          app_.rate = r;
        }
      }
    } else if (key == "burst") {
      if (auto n = whole("burst", line, v, 1, 100000)) {
        burst_ = *n;
        if (app_.rate) app_.rate->burst = *n;
      }
    } else if (key == "concurrency") {
      if (auto n = whole("concurrency", line, v, 1, 1000)) app_.concurrency = static_cast<int>(*n);
    } else if (key == "timeout") {
      auto s = scalar("timeout", line, v);
      auto d = s ? parse_duration(*s) : std::nullopt;
      if (s && (!d || d->count() == 0)) {
        error(line, "timeout must be a duration such as 30s or 500ms, got '" + *s + "'");
      } else if (d) {
        app_.timeout = *d;
      }
    } else if (key == "max_response") {
      auto s = scalar("max_response", line, v);
      auto n = s ? parse_size(*s) : std::nullopt;
      if (s && (!n || *n < 1024 || *n > (std::int64_t{4} << 30))) {
        error(line, "max_response must be a size from 1KB to 4GB such as 64MB, got '" + *s + "'");
      } else if (n) {
        app_.max_response = *n;
      }
    } else if (key == "retry") {
      check_unique_keys(v, "retry");
      app_.retry = read_retry(v, [&](int at, const std::string& m) { error(at, m); });
    } else if (key == "tls") {
      read_tls(line, v);
    } else if (key == "settings") {
      if (!v.IsMap() && !v.IsNull()) {
        error(line, "settings must be a mapping, got " + yaml_shown(v));
        return;
      }
      settings_ = topology::yaml_to_json(v, line, &values_left_);
      settings_line_ = line;
      for (const auto& e : settings_.errors) error(e.line ? e.line : line, "settings: " + e.message);
      if (settings_.value.is_object()) app_.settings = settings_.value;
    }
  }

  // A plugin-declared type's settings against its JSON Schema, each problem
  // at the line of the value at fault; and its check request.
  void check_type_settings() {
    const auto declared = types_.declared.find(app_.type);
    if (declared == types_.declared.end()) return;
    app_.check_target = declared->second.check_target;
    if (declared->second.settings_schema.empty()) return;
    auto schema = topology::ConfigSchema::parse(declared->second.settings_schema);
    if (!schema) {
      error(type_line_, "type " + app_.type + ": " + schema.error());
      return;
    }
    for (const auto& e : schema->validate(app_.settings)) {
      const int at = settings_line_ ? settings_.line_of(e.located) : 0;
      error(at ? at : (settings_line_ ? settings_line_ : type_line_),
            "settings (type " + app_.type + "): " + e.to_string());
    }
  }

  // Keys of a nested mapping (auth, auth.params, tls, retry) written twice:
  // YAML lets the last one win silently; here it is an error at its line.
  void check_unique_keys(const YAML::Node& map, const std::string& where) {
    if (!map.IsMap()) return;
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) continue;
      const int line = yaml_line(kv.first);
      if (auto [first, fresh] = seen.emplace(kv.first.Scalar(), line); !fresh) {
        error(line, "key '" + kv.first.Scalar() + "' appears twice in " + where +
                        " (first at line " + std::to_string(first->second) + ")");
      }
    }
  }

  void read_base_url(int line, const YAML::Node& v) {
    auto s = scalar("base_url", line, v);
    if (!s) return;
    // Nothing of a value that may hold a secret is echoed: a pasted URL
    // with user:password@ or a query (WooCommerce's consumer_secret=...).
    if (s->find('?') != std::string::npos) {
      error(line,
            "base_url must not have a query (secrets go in auth: {kind: query, params: ...} "
            "as references); the value is not shown, in case it holds a secret");
      return;
    }
    const std::string authority = [&] {
      const auto start = s->find("://");
      const std::string rest = start == std::string::npos ? *s : s->substr(start + 3);
      return rest.substr(0, rest.find('/'));
    }();
    if (authority.find('@') != std::string::npos) {
      error(line,
            "base_url must not carry user:password@ (use auth: {kind: basic, ...} with "
            "secret references); the value is not shown, in case it holds a secret");
      return;
    }
    if (std::any_of(s->begin(), s->end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
      error(line, "base_url must not hold spaces or control characters");
      return;
    }
    if (!httpclient::parse_url(*s) || s->find('#') != std::string::npos) {
      error(line, "base_url must be an http:// or https:// URL with a host (and a port from 1 to "
                  "65535, if any), got '" + *s + "'");
      return;
    }
    std::string url = *s;
    while (url.size() > 1 && url.back() == '/') url.pop_back();
    app_.base_url = url;
  }

  std::optional<SecretRef> secret(const std::string& what, int line, const YAML::Node& v) {
    auto s = scalar(what, line, v);
    if (!s) return std::nullopt;
    auto ref = parse_secret_ref(*s, base_dir_);
    if (!ref) {
      error(line, what + ": " + ref.error());
      return std::nullopt;
    }
    return *ref;
  }

  void read_auth(int line, const YAML::Node& v) {
    if (!v.IsMap()) {
      // Not echoed: a bare `auth: <token>` is most likely the secret itself.
      error(line, "auth must be a mapping such as {kind: bearer, token: \"env:SHOP_TOKEN\"}, got " +
                      std::string(v.IsScalar() ? "a single value (not shown, in case it is a secret)"
                                               : yaml_shown(v)));
      return;
    }
    check_unique_keys(v, "auth");
    std::string kind = "none";
    if (const YAML::Node k = v["kind"]; !k) {
      error(line, "auth needs 'kind' (" + name_list(kAuthKinds) + ")");
      return;
    } else if (auto s = scalar("auth.kind", yaml_line(k), k)) {
      if (std::find(kAuthKinds.begin(), kAuthKinds.end(), *s) == kAuthKinds.end()) {
        error(yaml_line(k),
              "auth.kind must be one of " + name_list(kAuthKinds) + ", got '" + *s + "'");
        return;
      }
      kind = *s;
    }
    const auto& allowed = kAuthKeys.at(kind);
    AuthSpec& a = app_.auth;
    a.kind = kind == "basic"    ? AuthSpec::Kind::basic
             : kind == "bearer" ? AuthSpec::Kind::bearer
             : kind == "header" ? AuthSpec::Kind::header
             : kind == "query"  ? AuthSpec::Kind::query
             : kind == "oauth1" ? AuthSpec::Kind::oauth1
             : kind == "login"  ? AuthSpec::Kind::login
                                : AuthSpec::Kind::none;
    for (const auto& kv : v) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const int at = yaml_line(kv.first);
      if (key == "kind") continue;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        error(at, "auth of kind " + kind + " has no key '" + key + "' (" +
                      did_you_mean(key, allowed) + "allowed: " + name_list(allowed) + ")");
        continue;
      }
      if (key == "name") {
        auto s = scalar("auth.name", at, kv.second);
        if (s && !is_header_name(*s)) {
          error(at, "auth.name must be an HTTP header name such as X-Api-Key (letters, digits and "
                    "!#$%&'*+-.^_`|~)");
        } else if (s) {
          a.header = *s;
        }
      } else if (key == "signature_method") {
        auto s = scalar("auth.signature_method", at, kv.second);
        if (s && *s != "HMAC-SHA1" && *s != "HMAC-SHA256") {
          error(at, "auth.signature_method must be HMAC-SHA1 or HMAC-SHA256, got '" + *s + "'");
        } else if (s) {
          a.signature_method = *s;
        }
      } else if (kind == "login" && key != "fields") {
        read_login_key(key, at, kv.second);
      } else if (key == "params" || key == "fields") {
        if (!kv.second.IsMap() || kv.second.size() == 0) {
          error(at, key == "params" ? "auth.params must map query parameter names to secrets, e.g. "
                                      "{consumer_key: \"env:WC_KEY\"}"
                                    : "auth.fields must map the login's field names to secrets, "
                                      "e.g. {username: \"env:MAGE_USER\", password: "
                                      "\"file:secrets/mage\"}");
          continue;
        }
        check_unique_keys(kv.second, "auth." + key);
        for (const auto& p : kv.second) {
          const std::string name = p.first.IsScalar() ? p.first.Scalar() : "";
          if (name.empty()) {
            error(yaml_line(p.first), "auth." + key + ": a field needs a name");
            continue;
          }
          if (auto ref = secret("auth." + key + "." + name, yaml_line(p.first), p.second)) {
            a.secrets[name] = *ref;
          }
        }
      } else if (auto ref = secret("auth." + key, at, kv.second)) {
        a.secrets[key] = *ref;
      }
    }
    if (auto req = kAuthRequired.find(kind); req != kAuthRequired.end()) {
      for (const auto& key : req->second) {
        if (!v[key]) error(line, "auth of kind " + kind + " needs '" + key + "'");
      }
    }
    if (kind == "oauth1" && (v["token"].IsDefined() != v["token_secret"].IsDefined())) {
      error(line, "auth of kind oauth1 takes token and token_secret together, or neither");
    }
  }

  // The keys of a login other than its secret fields.
  void read_login_key(const std::string& key, int at, const YAML::Node& v) {
    AuthSpec& a = app_.auth;
    if (key == "extra") {
      if (!v.IsMap()) {
        error(at, "auth.extra must be a mapping of plain fields, e.g. "
                  "{grant_type: client_credentials}");
        return;
      }
      for (const auto& p : v) {
        auto name = scalar("auth.extra", yaml_line(p.first), p.first);
        auto value = scalar("auth.extra." + name.value_or(""), yaml_line(p.first), p.second);
        if (name && value) a.extra[*name] = *value;
      }
      return;
    }
    auto s = scalar("auth." + key, at, v);
    if (!s) return;
    if (key == "path") {
      a.login_path = *s;
    } else if (key == "format") {
      if (*s != "json" && *s != "form") {
        error(at, "auth.format must be json or form, got '" + *s + "'");
      }
      a.login_form = *s == "form";
    } else if (key == "token") {
      a.token_field = *s;
    } else if (key == "scheme") {
      if (!is_header_name(*s)) error(at, "auth.scheme must be one word such as Bearer");
      a.scheme = *s;
    } else if (key == "ttl") {
      auto d = parse_duration(*s);
      if (!d || d->count() <= 0) {
        error(at, "auth.ttl must be a duration such as 4h or 55m, got '" + *s + "'");
      } else {
        a.ttl = *d;
      }
    }
  }

  void read_tls(int line, const YAML::Node& v) {
    if (!v.IsMap()) {
      error(line, "tls must be a mapping such as {ca_file: certs/shop.pem}, got " + yaml_shown(v));
      return;
    }
    check_unique_keys(v, "tls");
    for (const auto& kv : v) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const int at = yaml_line(kv.first);
      if (key == "ca_file") {
        if (auto s = scalar("tls.ca_file", at, kv.second)) {
          app_.tls.ca_file =
              (!s->empty() && (*s)[0] != '/' && !base_dir_.empty()) ? base_dir_ + "/" + *s : *s;
        }
      } else if (key == "insecure") {
        auto s = scalar("tls.insecure", at, kv.second);
        if (s && *s != "true" && *s != "false") {
          error(at, "tls.insecure must be true or false, got '" + *s + "'");
        } else if (s) {
          app_.tls.insecure = *s == "true";
        }
      } else {
        error(at, "unknown key '" + key + "' in tls (allowed: ca_file, insecure)");
      }
    }
  }

  const AppTypes& types_;
  const std::string base_dir_;
  App app_;
  std::vector<AppError> errors_;
  std::int64_t burst_ = 1;
  int type_line_ = 0;
  int settings_line_ = 0;  // 0: no settings written
  topology::YamlJson settings_;
  std::size_t values_left_ = topology::kMaxYamlValues;
};

struct Loaded {
  AppLoad result;
  std::string name;  // as far as it could be read
  int name_line = 0;
};

Loaded load_text(std::string_view yaml, const std::string& label, const AppTypes& types) {
  Loaded out;
  if (yaml.size() > kMaxAppFileBytes) {
    out.result.errors.push_back(
        {label, 0, topology::file_too_big(yaml.size(), kMaxAppFileBytes, "application")});
    return out;
  }
  std::pair<int, std::string> bad;
  auto document = topology::parse_yaml_document(
      yaml, "an application", "(an application needs at least 'name', 'type' and 'base_url')",
      &bad);
  if (!document) {
    out.result.errors.push_back({label, bad.first, bad.second});
    return out;
  }
  Reader reader(types, fs::path(label).parent_path().string());
  App app = reader.read(*document);
  out.name = app.name;
  out.name_line = app.line;
  for (AppError& e : reader.errors()) out.result.errors.push_back({label, e.line, e.message});
  std::stable_sort(out.result.errors.begin(), out.result.errors.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  if (!out.result.errors.empty()) return out;
  app.file = label;
  app.content_hash = sha256_hex({reinterpret_cast<const std::uint8_t*>(yaml.data()), yaml.size()});
  out.result.app = std::move(app);
  return out;
}

Loaded load_file(const std::string& path, const AppTypes& types) {
  std::string error;
  auto bytes = topology::read_yaml_file(path, kMaxAppFileBytes, "application", &error);
  if (bytes) return load_text(*bytes, path, types);
  Loaded out;
  out.result.errors.push_back({path, 0, error});
  return out;
}

}  // namespace

const char* to_string(AuthSpec::Kind kind) {
  switch (kind) {
    case AuthSpec::Kind::basic:
      return "basic";
    case AuthSpec::Kind::bearer:
      return "bearer";
    case AuthSpec::Kind::header:
      return "header";
    case AuthSpec::Kind::query:
      return "query";
    case AuthSpec::Kind::oauth1:
      return "oauth1";
    case AuthSpec::Kind::login:
      return "login";
    case AuthSpec::Kind::none:
      break;
  }
  return "none";
}

AppLoad load_app_text(std::string_view yaml, const std::string& file_label, const AppTypes& types) {
  return load_text(yaml, file_label, types).result;
}

AppLoad load_app_file(const std::string& path, const AppTypes& types) {
  return load_file(path, types).result;
}

AppDirectoryLoad load_app_directory(const std::string& dir, const AppTypes& types) {
  AppDirectoryLoad out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  if (!fs::is_directory(dir, ec)) {
    out.errors.push_back({dir, 0, "not a directory (weir.yaml apps_dir)"});
    return out;
  }
  std::map<std::string, std::string> where_named;  // app name -> "file:line"
  for (const std::string& path : topology::yaml_files(dir)) {
    Loaded loaded = load_file(path, types);
    if (!loaded.name.empty()) out.names_by_file.emplace_back(path, loaded.name);
    for (AppError& e : loaded.result.errors) out.errors.push_back(std::move(e));
    if (!loaded.result.app) continue;
    const std::string& name = loaded.result.app->name;
    auto [earlier, fresh] =
        where_named.emplace(name, path + ":" + std::to_string(loaded.name_line));
    if (fresh) {
      out.apps.push_back(std::move(*loaded.result.app));
    } else {
      out.errors.push_back(
          {path, loaded.name_line,
           "application name '" + name + "' is already used by " + earlier->second});
    }
  }
  std::sort(out.apps.begin(), out.apps.end(),
            [](const App& a, const App& b) { return a.name < b.name; });
  return out;
}

AppsRescan rescan_apps(const std::vector<App>& running, const AppDirectoryLoad& scan) {
  AppsRescan out;
  std::map<std::string, const App*> now;
  for (const App& a : scan.apps) now[a.name] = &a;
  for (const App& old : running) {
    if (auto n = now.find(old.name); n != now.end()) {
      if (n->second->content_hash != old.content_hash || n->second->file != old.file) {
        out.changed.push_back(old.name);
      }
      continue;
    }
    const bool file_invalid = std::any_of(scan.errors.begin(), scan.errors.end(),
                                          [&](const AppError& e) { return e.file == old.file; });
    const bool name_invalid =
        std::any_of(scan.names_by_file.begin(), scan.names_by_file.end(), [&](const auto& f) {
          return f.second == old.name &&
                 std::any_of(scan.errors.begin(), scan.errors.end(),
                             [&](const AppError& e) { return e.file == f.first; });
        });
    if (file_invalid || name_invalid) {
      out.kept.push_back(old.name);
      out.in_effect.push_back(old);
    } else {
      out.removed.push_back(old.name);
    }
  }
  for (const App& a : scan.apps) {
    const bool was = std::any_of(running.begin(), running.end(),
                                 [&](const App& old) { return old.name == a.name; });
    if (!was) out.added.push_back(a.name);
    out.in_effect.push_back(a);
  }
  std::sort(out.in_effect.begin(), out.in_effect.end(),
            [](const App& a, const App& b) { return a.name < b.name; });
  return out;
}

}  // namespace weir::apps
