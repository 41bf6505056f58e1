#include "trigger_reader.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "common/duration.hpp"
#include "common/secret_source.hpp"
#include "topology/suggestions.hpp"
#include "topology/yaml_json.hpp"
#include "triggers/cron.hpp"
#include "triggers/time_zone.hpp"

namespace weir::topology {
namespace {

const std::vector<std::string> kTriggerKeys = {"id",      "cron",    "timezone",    "overlap",
                                               "payload", "webhook", "description", "start"};
const std::vector<std::string> kWebhookKeys = {"signature", "header",      "algorithm",
                                               "encoding",  "prefix",      "secret",
                                               "secret_env", "secret_file", "max_body"};

bool is_trigger_id(const std::string& s) {
  return !s.empty() && s[0] != '-' && s[0] != '_' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

std::string scalar_or_empty(const YAML::Node& v) { return v.IsScalar() ? v.Scalar() : ""; }

// An HTTP field name (RFC 9110 token): the header a signature arrives in.
bool is_header_name(const std::string& s) {
  static const std::string kPunctuation = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kPunctuation.find(c) != std::string::npos;
  });
}

WebhookSpec read_webhook(const YAML::Node& map, int line, const std::string& owner,
                         const LineError& error, const std::string& base_dir) {
  WebhookSpec w;
  if (!map.IsMap()) {
    error(line, owner + ": webhook must be a mapping such as {signature: woocommerce, "
                        "secret: env:WC_SECRET}");
    return w;
  }
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string key = scalar_or_empty(kv.first);
    const int at = yaml_line(kv.first);
    if (std::find(kWebhookKeys.begin(), kWebhookKeys.end(), key) == kWebhookKeys.end()) {
      error(at, "unknown key '" + key + "' in " + owner + " webhook (" +
                    did_you_mean(key, kWebhookKeys) + "allowed: " + name_list(kWebhookKeys) + ")");
      continue;
    }
    seen.insert(key);
    if (!kv.second.IsScalar()) {
      error(at, owner + ": webhook." + key + " must be a single value");
      continue;
    }
    const std::string v = kv.second.Scalar();
    auto one_of = [&](std::initializer_list<const char*> allowed) {
      for (const char* a : allowed) {
        if (v == a) return true;
      }
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(at, owner + ": webhook." + key + " must be one of " + list + ", got '" + v + "'");
      return false;
    };
    if (key == "signature" && one_of({"woocommerce", "hmac", "none"})) w.signature = v;
    if (key == "algorithm" && one_of({"sha1", "sha256", "sha512"})) w.algorithm = v;
    if (key == "encoding" && one_of({"base64", "hex"})) w.encoding = v;
    if (key == "header") {
      if (!is_header_name(v)) {
        error(at, owner + ": webhook.header '" + v + "' is not an HTTP header name (letters, "
                          "digits and !#$%&'*+-.^_`|~), e.g. X-Hub-Signature-256");
      }
      w.header = v;
    }
    if (key == "prefix") w.prefix = v;
    if (key == "secret") {
      auto ref = parse_secret_ref(v, base_dir);
      if (!ref) {
        error(at, owner + ": webhook.secret: " + ref.error());
      } else if (ref->kind == SecretRef::Kind::env) {
        w.secret_env = ref->name;
      } else {
        w.secret_file = ref->name;
      }
    }
    if (key == "secret_env") {  // a name, checked: a pasted secret must not reach the log
      if (auto ref = parse_secret_ref("env:" + v, base_dir); !ref) {
        error(at, owner + ": webhook.secret_env must name an environment variable (letters, "
                          "digits and _); the value is not shown, in case it is the secret itself");
      } else {
        w.secret_env = v;
      }
    }
    if (key == "secret_file") w.secret_file = v;
    if (key == "max_body") {
      auto size = parse_size(v);
      if (!size || *size == 0) {
        error(at, owner + ": webhook.max_body must be a size such as 512KB or 2MB, got '" + v + "'");
      } else {
        w.max_body = static_cast<std::size_t>(*size);
      }
    }
  }
  if (w.signature == "hmac" && w.header.empty()) {
    error(line, owner + ": a webhook with signature: hmac needs 'header' (where the signature is)");
  }
  for (const char* hmac_only : {"header", "algorithm", "encoding", "prefix"}) {
    if (w.signature != "hmac" && seen.count(hmac_only)) {
      error(line, owner + ": webhook." + hmac_only + " is for signature: hmac (this one is " +
                      w.signature + ")");
    }
  }
  // A `secret` or `secret_env` that is not valid has its own error already.
  const bool secret = !w.secret_env.empty() || !w.secret_file.empty() || seen.count("secret") ||
                      seen.count("secret_env");
  if (w.signature != "none" && !secret) {
    error(line, owner + ": a signed webhook needs its secret by reference: 'secret: "
                        "env:NAME' or 'secret: file:PATH' (never the secret itself); or "
                        "signature: none");
  }
  if (seen.count("secret") + seen.count("secret_env") + seen.count("secret_file") > 1) {
    error(line, owner + ": give one of secret, secret_env or secret_file");
  }
  return w;
}

TriggerSpec read_one(const YAML::Node& map, bool needs_id, const std::string& owner,
                     const LineError& error, const std::string& base_dir) {
  TriggerSpec t;
  t.line = yaml_line(map);
  if (!map.IsMap()) {
    error(t.line, owner + " must be a mapping such as {cron: \"*/5 * * * *\"}");
    return t;
  }
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string key = scalar_or_empty(kv.first);
    const int line = yaml_line(kv.first);
    if (std::find(kTriggerKeys.begin(), kTriggerKeys.end(), key) == kTriggerKeys.end()) {
      error(line, "unknown key '" + key + "' in " + owner + " (" + did_you_mean(key, kTriggerKeys) +
                      "allowed: " + name_list(kTriggerKeys) + ")");
      continue;
    }
    if (!seen.insert(key).second) {
      error(line, "key '" + key + "' appears twice in " + owner);
      continue;
    }
    const YAML::Node& v = kv.second;
    if (key == "webhook") {
      t.webhook = read_webhook(v, line, owner, error, base_dir);
      continue;
    }
    if (key == "payload") {
      YamlJson json = yaml_to_json(v, line);
      for (const auto& e : json.errors) error(e.line, owner + ": payload: " + e.message);
      t.payload = json.value.is_null() ? nlohmann::json::object() : json.value;
      continue;
    }
    if (!v.IsScalar()) {
      error(line, owner + ": " + key + " must be a single value");
      continue;
    }
    const std::string text = v.Scalar();
    if (key == "id") {
      if (!is_trigger_id(text)) {
        error(line, owner + ": id '" + text +
                        "' is not valid (lower-case letters, digits, '_' and '-'; it is part of "
                        "URLs and commands)");
      }
      t.id = text;
    } else if (key == "cron") {
      auto schedule = triggers::CronSchedule::parse(text);
      if (!schedule) error(line, owner + ": " + schedule.error());
      t.cron = text;
    } else if (key == "timezone") {
      auto zone = triggers::TimeZone::load(text);
      if (!zone) error(line, owner + ": " + zone.error());
      t.timezone = text;
    } else if (key == "start") {
      t.start = text;  // a node id; checked once the nodes are read (topology_reader.cpp)
      t.start_line = line;
    } else if (key == "overlap") {
      if (text != "true" && text != "false") {
        error(line, owner + ": overlap must be true or false, got '" + text + "'");
      }
      t.overlap = text == "true";
    }
  }
  if (needs_id && !seen.count("id")) error(t.line, owner + " needs an 'id' (used in commands)");
  if (seen.count("cron") && seen.count("webhook")) {
    error(t.line, owner + " has both 'cron' and 'webhook'; declare two triggers");
  } else if (!seen.count("cron") && !seen.count("webhook")) {
    error(t.line, owner + " needs 'cron' (e.g. \"*/5 * * * *\" or \"@every 30s\") or 'webhook'");
  }
  if (t.webhook && (seen.count("timezone") || seen.count("overlap") || seen.count("payload"))) {
    error(t.line, owner + ": timezone, overlap and payload are for cron triggers (a webhook's "
                          "payload is its request body)");
  }
  return t;
}

}  // namespace

std::vector<TriggerSpec> read_triggers(const YAML::Node& value, bool list, int line,
                                       const LineError& error, const std::string& base_dir) {
  std::vector<TriggerSpec> out;
  if (!list) {
    TriggerSpec t = read_one(value, false, "trigger", error, base_dir);
    if (t.id.empty()) t.id = t.webhook ? "webhook" : "cron";
    out.push_back(std::move(t));
    return out;
  }
  if (!value.IsSequence() || value.size() == 0) {
    error(line, "triggers must be a non-empty list of mappings, each with 'id' and 'cron' or "
                "'webhook'");
    return out;
  }
  std::set<std::string> ids;
  for (const YAML::Node& item : value) {
    TriggerSpec t = read_one(item, true, "a trigger", error, base_dir);
    if (!t.id.empty() && !ids.insert(t.id).second) {
      error(t.line, "trigger id '" + t.id + "' appears twice");
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace weir::topology
