// What every YAML file the host reads goes through (topologies,
// applications): bounded reading, UTF-8, one document, syntax and nesting,
// each problem as (line, message) for a file:line error. Values are then
// bounded by yaml_json.hpp as they are converted. Free functions, any thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::topology {

// How a value looks, for the "got ..." part of a message: "a list", "a
// mapping", "'abc'", "the string \"4\"" (a quoted scalar), "nothing".
std::string yaml_shown(const YAML::Node& v);

// "the file has N bytes; a <kind> file may have at most M (4 MiB)".
std::string file_too_big(std::uintmax_t size, std::size_t max_bytes, const std::string& kind);

// The bytes of the file at `path`, at most `max_bytes`; nullopt with `error`
// saying why ("<kind> file not found", "not a regular file", too big,
// "cannot read: ...").
std::optional<std::string> read_yaml_file(const std::string& path, std::size_t max_bytes,
                                          const std::string& kind, std::string* error);

// The one YAML document in `yaml`, or why there is none: (line, message).
// `what` names a file's content ("a topology"); `empty_hint` is added to
// the message for an empty file ("(a topology needs at least ...)").
std::optional<YAML::Node> parse_yaml_document(std::string_view yaml, const std::string& what,
                                              const std::string& empty_hint,
                                              std::pair<int, std::string>* error);

// The *.yaml and *.yml regular files of `dir` (not recursive), sorted by
// name; names starting with '.' (editor leftovers) are skipped.
std::vector<std::string> yaml_files(const std::string& dir);

}  // namespace weir::topology
