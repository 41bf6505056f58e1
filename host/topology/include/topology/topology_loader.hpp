// Reads topology YAML files and validates them against the node types the
// host knows. Every problem is reported with file:line and, where it helps,
// what is known instead ("unknown type core.pas (known: core.log, core.pass)").
//
// Checks: size (at most kMaxTopologyBytes) and nesting (aliases are counted
// where they are used, so a "billion laughs" file is refused, not expanded:
// yaml_json.hpp); YAML syntax; required and unknown keys; types of values; node ids
// (well-formed, unique); node types (registered); config (against the type's
// JSON Schema and its validate_config); concurrency and max_batch (>= 1,
// max_batch <= the type's max_batch); edges (well-formed, known endpoints,
// no duplicates); cycles (naming the cycle).
//
// Free functions. Call them from the host's management thread: validation calls
// plugins' validate_config, which abi.h promises runs on that thread, one call
// at a time. Files whose names start with '.' (editor leftovers) are skipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/node_catalog.hpp"
#include "topology/topology.hpp"

namespace weir::topology {

// A topology file larger than this is refused unread (a real one is a few KB).
constexpr std::size_t kMaxTopologyBytes = 4u << 20;

struct LoadResult {
  std::optional<Topology> topology;  // set only when errors is empty
  std::vector<TopologyError> errors;
};

// `file_label` is used in error messages and as Topology::file.
LoadResult load_topology_text(std::string_view yaml, const std::string& file_label,
                              const plugins::NodeTypeCatalog& catalog,
                              const AppNames* apps = nullptr);

LoadResult load_topology_file(const std::string& path, const plugins::NodeTypeCatalog& catalog);

struct DirectoryLoad {
  std::vector<Topology> topologies;  // the valid ones, sorted by name
  std::vector<TopologyError> errors; // from invalid files, and duplicate names across files
};

// Loads every *.yaml / *.yml file in `dir` (not recursive, sorted by file name).
// `apps`: the application names in effect; a node's `app:` naming another
// is an error at its line. Null: `app:` is not checked.
DirectoryLoad load_topology_directory(const std::string& dir,
                                      const plugins::NodeTypeCatalog& catalog,
                                      const AppNames* apps = nullptr);

}  // namespace weir::topology
