#include "topology/trigger_reader.hpp"

#include <algorithm>
#include <set>

#include "topology/suggestions.hpp"
#include "topology/yaml_json.hpp"
#include "triggers/cron.hpp"
#include "triggers/time_zone.hpp"

namespace weir::topology {
namespace {

const std::vector<std::string> kTriggerKeys = {"id",      "cron",    "timezone",
                                               "overlap", "payload", "description"};

bool is_trigger_id(const std::string& s) {
  return !s.empty() && s[0] != '-' && s[0] != '_' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

std::string scalar_or_empty(const YAML::Node& v) { return v.IsScalar() ? v.Scalar() : ""; }

TriggerSpec read_one(const YAML::Node& map, bool needs_id, const std::string& owner,
                     const LineError& error) {
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
    } else if (key == "overlap") {
      if (text != "true" && text != "false") {
        error(line, owner + ": overlap must be true or false, got '" + text + "'");
      }
      t.overlap = text == "true";
    }
  }
  if (needs_id && !seen.count("id")) error(t.line, owner + " needs an 'id' (used in commands)");
  if (!seen.count("cron")) {
    error(t.line, owner + " needs 'cron' (e.g. \"*/5 * * * *\" or \"@every 30s\")");
  }
  return t;
}

}  // namespace

std::vector<TriggerSpec> read_triggers(const YAML::Node& value, bool list, int line,
                                       const LineError& error) {
  std::vector<TriggerSpec> out;
  if (!list) {
    TriggerSpec t = read_one(value, false, "trigger", error);
    if (t.id.empty()) t.id = "cron";
    out.push_back(std::move(t));
    return out;
  }
  if (!value.IsSequence() || value.size() == 0) {
    error(line, "triggers must be a non-empty list of mappings, each with 'id' and 'cron'");
    return out;
  }
  std::set<std::string> ids;
  for (const YAML::Node& item : value) {
    TriggerSpec t = read_one(item, true, "a trigger", error);
    if (!t.id.empty() && !ids.insert(t.id).second) {
      error(t.line, "trigger id '" + t.id + "' appears twice");
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace weir::topology
