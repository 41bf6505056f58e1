// Comparison: the engine of core.comparator. It says which items changed
// since they were last written, so a sync after the first sends on only what
// really changed:
//
//   - id: compare
//     type: core.comparator
//     config:
//       key: sku                     # the item's identity (a mapper path)
//       ignore: [date_modified]      # left out of the comparison (optional)
//
// Placed after a mapper, before the write to the target. For each item it
// makes a fingerprint: SHA-256 (first 128 bits, hex) of the item as
// canonical JSON (object keys sorted, no spaces), without the `ignore`d
// paths; and compares it with the one the topology's state holds under
// "cmp/<node id>/<key>". The same: the item stops there (STOP, counted as
// stopped on /metrics). New or different: it goes on, unchanged, with the
// header "weir-cmp/<node id>" = "<fingerprint> <key>".
//
// The comparator never writes that state itself: the host does, in the
// commit where the item's path ends well (engine/routing.hpp,
// add_confirmations), so a write that fails, waits or lands in the trash
// leaves the old fingerprint and the item is sent again next run.
//
// `ignore` takes keys, nested with dots ("meta.seen_at"); arrays are compared
// whole. A key value must be a non-empty string or an integer; anything else
// fails that one message naming the path.
//
// No weir host types here: the node in core_plugin.cpp wraps this.
// Immutable once compiled; safe on many threads at once.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mapper_path.hpp"

namespace weir::core {

class Comparison {
 public:
  // Compiles a node config; on problems returns nullopt and appends each.
  static std::optional<Comparison> compile(const nlohmann::json& config,
                                           std::vector<std::string>* errors);
  static const char* schema();

  struct Item {
    bool ok = false;
    std::string key;          // when ok
    std::string fingerprint;  // when ok: 32 hex digits
    std::string error;        // when not
  };
  Item look(const nlohmann::json& item) const;

  // The canonical text the fingerprint is made of (for tests and docs).
  std::string canonical(const nlohmann::json& item) const;

 private:
  Comparison(FieldPath key, std::vector<std::vector<std::string>> ignore)
      : key_(std::move(key)), ignore_(std::move(ignore)) {}
  FieldPath key_;
  std::vector<std::vector<std::string>> ignore_;  // each a path of object keys
};

// The state key of an item's fingerprint, and the header that carries a new
// one to the host (the host's side: engine/routing.hpp).
inline std::string compared_state_key(std::string_view node, std::string_view key) {
  return "cmp/" + std::string(node) + "/" + std::string(key);
}
inline std::string compared_header(std::string_view node) {
  return "weir-cmp/" + std::string(node);
}

}  // namespace weir::core
