// Files and directories of topologies: reading the bytes, parsing the YAML
// (syntax errors, empty files), handing the document to read_topology()
// (topology_reader.hpp), sorting its errors by line, hashing the bytes, and
// keeping topology names unique across a directory.
#include "topology/topology_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "common/content_hash.hpp"
#include "topology_reader.hpp"
#include "topology/yaml_file.hpp"

namespace weir::topology {
namespace {

namespace fs = std::filesystem;


std::string too_big(std::uintmax_t size) { return file_too_big(size, kMaxTopologyBytes, "topology"); }

struct Loaded {
  LoadResult result;
  int name_line = 0;
};

Loaded load_text(std::string_view yaml, const std::string& label,
                 const plugins::NodeTypeCatalog& catalog, const AppNames* apps = nullptr) {
  Loaded out;
  if (yaml.size() > kMaxTopologyBytes) {
    out.result.errors.push_back({label, 0, too_big(yaml.size())});
    return out;
  }
  std::pair<int, std::string> error;
  std::optional<YAML::Node> document = parse_yaml_document(
      yaml, "a topology", "(a topology needs at least 'name' and 'nodes')", &error);
  if (!document) {
    out.result.errors.push_back({label, error.first, error.second});
    return out;
  }
  TopologyRead read =
      read_topology(*document, catalog, std::filesystem::path(label).parent_path().string(), apps);
  for (TopologyError& e : read.errors) out.result.errors.push_back({label, e.line, e.message});
  std::stable_sort(out.result.errors.begin(), out.result.errors.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  out.name_line = read.name_line;
  if (!out.result.errors.empty()) return out;
  read.topology.file = label;
  read.topology.content_hash =
      sha256_hex({reinterpret_cast<const std::uint8_t*>(yaml.data()), yaml.size()});
  out.result.topology = std::move(read.topology);
  return out;
}

Loaded load_file(const std::string& path, const plugins::NodeTypeCatalog& catalog,
                 const AppNames* apps = nullptr) {
  std::string error;
  std::optional<std::string> bytes = read_yaml_file(path, kMaxTopologyBytes, "topology", &error);
  if (bytes) return load_text(*bytes, path, catalog, apps);
  Loaded out;
  out.result.errors.push_back({path, 0, error});
  return out;
}

}  // namespace

LoadResult load_topology_text(std::string_view yaml, const std::string& file_label,
                              const plugins::NodeTypeCatalog& catalog, const AppNames* apps) {
  return load_text(yaml, file_label, catalog, apps).result;
}

LoadResult load_topology_file(const std::string& path, const plugins::NodeTypeCatalog& catalog) {
  return load_file(path, catalog).result;
}

DirectoryLoad load_topology_directory(const std::string& dir,
                                      const plugins::NodeTypeCatalog& catalog,
                                      const AppNames* apps) {
  DirectoryLoad out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.errors.push_back(
        {dir, 0, fs::exists(dir, ec) ? "not a directory" : "topology directory not found"});
    return out;
  }
  std::map<std::string, std::string> where_named;  // topology name -> "file:line"
  for (const std::string& path : yaml_files(dir)) {
    Loaded loaded = load_file(path, catalog, apps);
    for (TopologyError& e : loaded.result.errors) out.errors.push_back(std::move(e));
    if (!loaded.result.topology) continue;
    const std::string& name = loaded.result.topology->name;
    auto [earlier, fresh] =
        where_named.emplace(name, path + ":" + std::to_string(loaded.name_line));
    if (fresh) {
      out.topologies.push_back(std::move(*loaded.result.topology));
    } else {
      out.errors.push_back({path, loaded.name_line,
                            "topology name '" + name + "' is already used by " + earlier->second});
    }
  }
  std::sort(out.topologies.begin(), out.topologies.end(),
            [](const Topology& a, const Topology& b) { return a.name < b.name; });
  return out;
}

}  // namespace weir::topology
