// The core plugin: small nodes every topology may use, written with the
// C++ SDK like any other plugin (the host has no built-in nodes).
//
//   core.pass  passes each message on unchanged.
//   core.log   logs each payload as one-line JSON at a configured level,
//              with an optional prefix, and passes it on.
//   core.mapper  maps each payload to another document shape as its config
//              declares (mapper.hpp); a message it cannot map fails alone.
//   core.comparator  passes on only items that are new or changed since
//              their last successful write (comparator.hpp).
//
// All are stateless in memory (compiled configs are immutable; the
// comparator's memory is topology state), so one instance is safe at any
// concurrency.
#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <weir/weir.hpp>

#include "comparator.hpp"
#include "mapper.hpp"

#ifndef WEIR_CORE_VERSION
#define WEIR_CORE_VERSION "0.0.0"
#endif

namespace {

// Reports every config key that is not in `known`; the schema says the same
// (additionalProperties: false), but a typo should fail even when the host
// validates config only through validate_config.
void reject_unknown_keys(const char* type, const weir::Json& config,
                         const std::vector<std::string>& known, std::vector<std::string>& errors) {
  if (!config.is_object()) {
    errors.push_back(std::string(type) + ": config must be an object, got " + config.dump());
    return;
  }
  for (const auto& [key, value] : config.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    errors.push_back(std::string(type) + ": unknown config key '" + key +
                     "' (known: " + (list.empty() ? "none" : list) + ")");
  }
}

class Pass : public weir::Node {
 public:
  static constexpr const char* kSchema =
      R"({"type":"object","additionalProperties":false,"properties":{}})";

  static void validate(const weir::Json& config, std::vector<std::string>& errors) {
    reject_unknown_keys("core.pass", config, {}, errors);
  }

  weir::Result process(weir::Context&) override { return weir::Result::success(); }
};

class Log : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "level": {"type": "string", "enum": ["trace", "debug", "info", "warn", "error"],
                "default": "info"},
      "prefix": {"type": "string", "default": ""}
    }
  })";

  static void validate(const weir::Json& config, std::vector<std::string>& errors) {
    reject_unknown_keys("core.log", config, {"level", "prefix"}, errors);
    if (!config.is_object()) return;
    if (config.contains("level")) {
      const auto& level = config["level"];
      if (!level.is_string() || !parse_level(level.get<std::string>())) {
        errors.push_back("core.log: level " + level.dump() +
                         " is not one of trace, debug, info, warn, error");
      }
    }
    if (config.contains("prefix") && !config["prefix"].is_string()) {
      errors.push_back("core.log: prefix must be a string, got " + config["prefix"].dump());
    }
  }

  explicit Log(const weir::NodeInit& init) {
    std::vector<std::string> errors;
    validate(init.config, errors);
    if (!errors.empty()) throw std::invalid_argument(errors.front());
    level_ = *parse_level(init.config.value("level", "info"));
    prefix_ = init.config.value("prefix", "");
  }

  weir::Result process(weir::Context& ctx) override {
    std::string line = weir::payload::to_json_text(ctx.message().payload_bytes());
    ctx.log().log(level_, prefix_.empty() ? line : prefix_ + " " + line);
    return weir::Result::success();
  }

 private:
  static std::optional<weir::LogLevel> parse_level(const std::string& name) {
    static constexpr std::array<const char*, 5> kNames = {"trace", "debug", "info", "warn",
                                                          "error"};
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (name == kNames[i]) return static_cast<weir::LogLevel>(i);
    }
    return std::nullopt;
  }

  weir::LogLevel level_ = weir::LogLevel::info;
  std::string prefix_;
};

class Mapper : public weir::Node {
 public:
  static void validate(const weir::Json& config, std::vector<std::string>& errors) {
    std::vector<std::string> problems;
    (void)weir::core::Mapping::compile(config, &problems);
    for (const auto& p : problems) errors.push_back("core.mapper: " + p);
  }

  explicit Mapper(const weir::NodeInit& init) : mapping_(compile(init.config)) {}

  weir::Result process(weir::Context& ctx) override {
    weir::core::Mapping::Mapped out = mapping_.map(ctx.message().json());
    if (!out.ok) return weir::Result::failed("core.mapper: " + out.error);
    return weir::Result::success(std::move(out.document));
  }

 private:
  static weir::core::Mapping compile(const weir::Json& config) {
    std::vector<std::string> errors;
    std::optional<weir::core::Mapping> mapping = weir::core::Mapping::compile(config, &errors);
    if (!mapping) throw std::invalid_argument("core.mapper: " + errors.front());
    return std::move(*mapping);
  }

  weir::core::Mapping mapping_;
};

// Passes on only new and changed items (comparator.hpp); the host stores
// an item's fingerprint once its write has succeeded.
class Comparator : public weir::Node {
 public:
  static void validate(const weir::Json& config, std::vector<std::string>& errors) {
    std::vector<std::string> problems;
    (void)weir::core::Comparison::compile(config, &problems);
    for (const auto& p : problems) errors.push_back("core.comparator: " + p);
  }

  explicit Comparator(const weir::NodeInit& init) : comparison_(compile(init.config)) {}

  weir::Result process(weir::Context& ctx) override {
    const weir::Message& m = ctx.message();
    weir::core::Comparison::Item item = comparison_.look(m.json());
    if (!item.ok) return weir::Result::failed("core.comparator: " + item.error);
    const std::string node(m.node_id());
    auto stored = ctx.state_get(weir::core::compared_state_key(node, item.key));
    if (stored && *stored == item.fingerprint) return weir::Result::stop();
    weir::Headers headers = m.headers();
    headers[weir::core::compared_header(node)] = item.fingerprint + " " + item.key;
    ctx.emit_msgpack(m.payload_bytes(), headers);
    return weir::Result::success();
  }

 private:
  static weir::core::Comparison compile(const weir::Json& config) {
    std::vector<std::string> errors;
    auto comparison = weir::core::Comparison::compile(config, &errors);
    if (!comparison) throw std::invalid_argument("core.comparator: " + errors.front());
    return std::move(*comparison);
  }

  weir::core::Comparison comparison_;
};

}  // namespace

WEIR_PLUGIN("core", WEIR_CORE_VERSION, "Basic nodes: pass messages on, log, map and compare them",
            weir::node<Pass>("pass", WEIR_NODE_CUSTOM, "Passes each message on unchanged",
                             Pass::kSchema, 1000),
            weir::node<Log>("log", WEIR_NODE_CUSTOM,
                            "Logs each payload as one-line JSON and passes it on", Log::kSchema,
                            1000),
            weir::node<Mapper>("mapper", WEIR_NODE_CUSTOM,
                               "Maps each payload to another shape: paths, constants, defaults, "
                               "types, exact decimals, value maps, templates",
                               weir::core::Mapping::schema(), 1000),
            weir::node<Comparator>("comparator", WEIR_NODE_CUSTOM,
                                   "Passes on only items new or changed since their last "
                                   "successful write (by key and fingerprint)",
                                   weir::core::Comparison::schema(), 1000));
