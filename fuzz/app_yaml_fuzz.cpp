// The application file reader (host/apps/app_loader.hpp, load_app_text) on
// any text, as if it were a file dropped into apps_dir, with the built-in
// type and one a plugin declares.
//
// It never crashes or throws; an app comes back exactly when there are no
// errors; every error names the file and has a line (0..the file's last)
// and words. A loaded app keeps the promises of apps/app.hpp:
// - a name of [a-z0-9_-], a known type, a base_url that the HTTP client's
//   parse_url takes (http(s), a host, no query, no trailing '/', nothing a
//   URL cannot hold: no space or control character);
// - auth: exactly the secrets its kind takes, each a reference (an env name,
//   or a file path made absolute or from the file's directory); a header
//   kind's header name is a token (RFC 9110), as the client asks of headers;
// - a rate of 1..1000000 per up to a day with a burst of 1..100000, a
//   concurrency of 1..1000, a timeout above 0, retry fields in their ranges,
//   settings a mapping, and every text valid UTF-8 (it is dumped as JSON by
//   `weir apps ls --json`).
// Read beside it with the same YAML toolkit:
// - a key written twice in a mapping the reader reads (the top level, auth,
//   auth.params, tls, retry) is an error, as in topologies;
// - a secret written in place of its reference (an auth value, auth given
//   as a bare token, a password or a query value in a pasted base_url) is
//   never repeated by an error (checked for values that look like secrets:
//   12 or more letters and digits, written once in the file).
// The reader only records references (secrets and tls.ca_file are read
// when a request is made, by SecretSource), so no input makes it open a
// file or wait; the label below names a directory that does not exist.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apps/app_loader.hpp"
#include "fuzz_check.hpp"
#include "httpclient/url.hpp"
#include "topology/yaml_file.hpp"

namespace {

using weir::SecretRef;
using weir::apps::App;
using weir::apps::AuthSpec;

constexpr const char* kDir = "/nonexistent-weir-fuzz/apps";
const std::string kFile = std::string(kDir) + "/fuzz.yaml";
constexpr std::size_t kMaxWalk = 20000;  // nodes looked at beside the reader

bool is_name(const std::string& s) {
  if (s.empty() || s[0] == '-' || s[0] == '_') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool is_env_name(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// RFC 9110 5.6.2.
bool is_token(const std::string& s) {
  static const std::string kPunctuation = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && kPunctuation.find(static_cast<char>(c)) == std::string::npos) {
      return false;
    }
  }
  return true;
}

bool has_space_or_control(const std::string& s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool is_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

int last_line(std::string_view text) {
  int lines = 1;
  for (char c : text) lines += c == '\n';
  return lines;
}

void check_secret_ref(const SecretRef& ref) {
  if (ref.kind == SecretRef::Kind::env) {
    WEIR_FUZZ_CHECK(is_env_name(ref.name), "an env: reference that is not a variable name");
  } else {
    WEIR_FUZZ_CHECK(!ref.name.empty(), "a file: reference without a path");
    WEIR_FUZZ_CHECK(ref.name[0] == '/', "a file: reference not made absolute");
  }
}

void check_auth(const AuthSpec& a) {
  std::set<std::string> roles;
  for (const auto& [role, ref] : a.secrets) {
    roles.insert(role);
    check_secret_ref(ref);
  }
  using Kind = AuthSpec::Kind;
  using Roles = std::set<std::string>;
  switch (a.kind) {
    case Kind::none:
      WEIR_FUZZ_CHECK(roles.empty(), "auth none with secrets");
      break;
    case Kind::basic:
      WEIR_FUZZ_CHECK((roles == Roles{"password", "username"}), "basic auth's secrets");
      break;
    case Kind::bearer:
      WEIR_FUZZ_CHECK((roles == Roles{"token"}), "bearer auth's secrets");
      break;
    case Kind::header:
      WEIR_FUZZ_CHECK((roles == Roles{"value"}), "header auth's secrets");
      WEIR_FUZZ_CHECK(is_token(a.header), "header auth with a header name that is not a token");
      break;
    case Kind::query:
      WEIR_FUZZ_CHECK(!roles.empty(), "query auth without parameters");
      break;
    case Kind::oauth1:
      WEIR_FUZZ_CHECK(roles.count("consumer_key") && roles.count("consumer_secret"),
                      "oauth1 without its consumer key and secret");
      WEIR_FUZZ_CHECK(roles.count("token") == roles.count("token_secret"),
                      "oauth1 with a token without its secret, or the other way round");
      WEIR_FUZZ_CHECK(roles.size() == 2 + 2 * roles.count("token"), "oauth1 with other secrets");
      break;
    case Kind::login:
      WEIR_FUZZ_CHECK(!roles.empty(), "login without fields");
      WEIR_FUZZ_CHECK(!a.login_path.empty(), "login without a path");
      WEIR_FUZZ_CHECK(!a.ttl || a.ttl->count() > 0, "login with a ttl that is not positive");
      WEIR_FUZZ_CHECK(is_token(a.scheme), "login with a scheme that is not one word");
      break;
  }
  if (a.kind != Kind::login) {
    WEIR_FUZZ_CHECK(a.login_path.empty() && a.extra.empty() && !a.ttl,
                    "login keys for another kind");
  }
  WEIR_FUZZ_CHECK(a.signature_method == "HMAC-SHA256" || a.signature_method == "HMAC-SHA1",
                  "an unknown signature method");
  if (a.kind != Kind::header) WEIR_FUZZ_CHECK(a.header.empty(), "a header name for another kind");
}

void check_app(const App& app, std::string_view text) {
  WEIR_FUZZ_CHECK(is_name(app.name), "an app whose name is not [a-z0-9_-]");
  WEIR_FUZZ_CHECK(app.type == "http" || app.type == "erp.records", "an app of an unknown type");
  WEIR_FUZZ_CHECK(app.file == kFile, "an app that does not name its file");
  WEIR_FUZZ_CHECK(app.line >= 1 && app.line <= last_line(text), "an app's line outside its file");
  WEIR_FUZZ_CHECK(app.content_hash.size() == 64, "an app without its content hash");

  const auto base = weir::httpclient::parse_url(app.base_url);
  WEIR_FUZZ_CHECK(base.has_value(), "a base_url the HTTP client cannot parse");
  WEIR_FUZZ_CHECK(base->query.empty(), "a base_url with a query");
  WEIR_FUZZ_CHECK(app.base_url.back() != '/', "a base_url ending in '/'");
  WEIR_FUZZ_CHECK(!has_space_or_control(app.base_url), "a base_url with a space or control byte");

  check_auth(app.auth);
  if (app.rate) {
    const auto& r = *app.rate;
    WEIR_FUZZ_CHECK(r.count >= 1 && r.count <= 1'000'000, "a rate's count out of range");
    WEIR_FUZZ_CHECK(r.per_ns > 0 && r.per_ns <= 86'400'000'000'000, "a rate's period out of range");
    WEIR_FUZZ_CHECK(r.burst >= 1 && r.burst <= 100'000, "a burst out of range");
  }
  WEIR_FUZZ_CHECK(app.concurrency >= 1 && app.concurrency <= 1000, "a concurrency out of range");
  WEIR_FUZZ_CHECK(app.timeout.count() > 0, "a timeout of 0 or less");
  const auto& retry = app.retry;
  WEIR_FUZZ_CHECK(!retry.max_attempts || (*retry.max_attempts >= 1 && *retry.max_attempts <= 1000),
                  "retry.max_attempts out of range");
  WEIR_FUZZ_CHECK(!retry.delay || retry.delay->count() >= 0, "a negative retry.delay");
  WEIR_FUZZ_CHECK(!retry.max_delay || retry.max_delay->count() >= 0, "a negative retry.max_delay");
  WEIR_FUZZ_CHECK(!retry.multiplier || (*retry.multiplier >= 1 && *retry.multiplier <= 100),
                  "retry.multiplier out of range");
  WEIR_FUZZ_CHECK(!retry.jitter || (*retry.jitter >= 0 && *retry.jitter <= 1),
                  "retry.jitter out of range");
  WEIR_FUZZ_CHECK(app.tls.ca_file.empty() || app.tls.ca_file[0] == '/',
                  "a tls.ca_file not made absolute");
  WEIR_FUZZ_CHECK(app.settings.is_object(), "settings that are not a mapping");
  for (const std::string* s : {&app.name, &app.type, &app.base_url, &app.description,
                               &app.auth.header, &app.tls.ca_file}) {
    WEIR_FUZZ_CHECK(is_utf8(*s), "an app's text that is not UTF-8");
  }
  try {
    (void)app.settings.dump();
  } catch (const nlohmann::json::exception&) {
    WEIR_FUZZ_CHECK(false, "settings that cannot be dumped as JSON");
  }
}

// What the reader reads, seen again by a walk of our own: whether a mapping
// it reads has a key twice, and the values written where a secret goes.
struct Seen {
  bool repeated_key = false;
  // A value written where a secret goes, and the scalar that holds it (itself,
  // or the base_url it is part of).
  std::vector<std::pair<std::string, std::string>> secret_values;
  std::map<std::string, int> scalar_counts;  // every scalar of the document
  bool complete = true;                      // false: the walk stopped at kMaxWalk
};

bool repeats_a_key(const YAML::Node& map) {
  if (!map.IsMap()) return false;
  std::set<std::string> keys;
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && !keys.insert(kv.first.Scalar()).second) return true;
  }
  return false;
}

void count_scalars(const YAML::Node& root, Seen* seen) {
  std::vector<YAML::Node> pending = {root};  // nodes still to visit
  std::size_t visited = 0;
  while (!pending.empty()) {
    if (++visited > kMaxWalk) {
      seen->complete = false;
      return;
    }
    const YAML::Node n = pending.back();
    pending.pop_back();
    if (n.IsScalar()) {
      ++seen->scalar_counts[n.Scalar()];
    } else if (n.IsSequence()) {
      for (const auto& item : n) pending.push_back(item);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        pending.push_back(kv.first);
        pending.push_back(kv.second);
      }
    }
  }
}

// What a URL pasted as base_url may carry: a user's password before '@',
// the values of its query (WooCommerce's consumer_key=...&consumer_secret=...).
void add_url_secrets(const std::string& url,
                     std::vector<std::pair<std::string, std::string>>* out) {
  const auto scheme = url.find("://");
  const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string user = authority.substr(0, at);
    out->emplace_back(user.substr(user.find(':') + 1), url);
  }
  const auto q = rest.find('?');
  if (q == std::string::npos) return;
  for (const auto& [name, value] :
       weir::httpclient::parse_query(rest.substr(q + 1, rest.find('#', q) - q - 1))) {
    out->emplace_back(value, url);
  }
}

Seen walk(const YAML::Node& root) {
  Seen seen;
  count_scalars(root, &seen);
  if (!root.IsMap()) return seen;
  static const std::set<std::string> kSecretKeys = {
      "username", "password", "token", "value", "consumer_key", "consumer_secret", "token_secret"};
  seen.repeated_key = repeats_a_key(root);
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "tls" || key == "retry") seen.repeated_key |= repeats_a_key(v);
    if (key == "base_url" && v.IsScalar()) add_url_secrets(v.Scalar(), &seen.secret_values);
    if (key == "auth" && v.IsScalar()) {  // a bare token
      seen.secret_values.emplace_back(v.Scalar(), v.Scalar());
    }
    if (key != "auth" || !v.IsMap()) continue;
    seen.repeated_key |= repeats_a_key(v);
    for (const auto& a : v) {
      if (!a.first.IsScalar()) continue;
      const std::string role = a.first.Scalar();
      if (kSecretKeys.count(role) && a.second.IsScalar()) {
        seen.secret_values.emplace_back(a.second.Scalar(), a.second.Scalar());
      }
      if (role != "params" || !a.second.IsMap()) continue;
      seen.repeated_key |= repeats_a_key(a.second);
      for (const auto& p : a.second) {
        if (p.second.IsScalar())
          seen.secret_values.emplace_back(p.second.Scalar(), p.second.Scalar());
      }
    }
  }
  return seen;
}

// A value that can only have come into a message from where it was written:
// written once, in a scalar that no alias repeats.
bool looks_like_a_secret(const std::string& v, const std::string& holder, const Seen& seen,
                         std::string_view text) {
  if (v.size() < 12) return false;
  for (unsigned char c : v) {
    if (!std::isalnum(c)) return false;
  }
  const auto at = text.find(v);
  const auto held = seen.scalar_counts.find(holder);
  return seen.complete && held != seen.scalar_counts.end() && held->second == 1 &&
         at != std::string_view::npos && text.find(v, at + 1) == std::string_view::npos;
}

void check_against_walk(std::string_view text, const weir::apps::AppLoad& loaded) {
  if (text.size() > weir::apps::kMaxAppFileBytes) return;  // refused unread
  std::pair<int, std::string> bad;
  const auto document = weir::topology::parse_yaml_document(text, "an application", "", &bad);
  if (!document) {
    WEIR_FUZZ_CHECK(!loaded.errors.empty(), "a file the YAML toolkit refuses loaded");
    return;
  }
  const Seen seen = walk(*document);
  if (seen.repeated_key) {
    WEIR_FUZZ_CHECK(!loaded.errors.empty(), "a key written twice in a mapping, and no error");
  }
  for (const auto& [secret, holder] : seen.secret_values) {
    if (!looks_like_a_secret(secret, holder, seen, text)) continue;
    for (const auto& e : loaded.errors) {
      WEIR_FUZZ_CHECK(e.message.find(secret) == std::string::npos,
                      "an error repeats a value written where a secret goes");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const weir::apps::AppTypes types{{"http", "erp.records"}};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<weir::apps::AppLoad> loaded;
  try {
    loaded = weir::apps::load_app_text(text, kFile, types);
  } catch (...) {
    WEIR_FUZZ_CHECK(false, "load_app_text threw");
  }
  WEIR_FUZZ_CHECK(loaded->app.has_value() == loaded->errors.empty(),
                  "an app with errors, or neither an app nor an error");
  for (const auto& e : loaded->errors) {
    WEIR_FUZZ_CHECK(e.file == kFile, "an error that does not name the file");
    WEIR_FUZZ_CHECK(!e.message.empty(), "an error without words");
    WEIR_FUZZ_CHECK(e.line >= 0 && e.line <= last_line(text), "an error's line outside the file");
  }
  if (loaded->app) check_app(*loaded->app, text);
  check_against_walk(text, *loaded);
  return 0;
}
