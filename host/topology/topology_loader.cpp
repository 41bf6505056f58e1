// Files and directories of topologies: reading the bytes, parsing the YAML
// (syntax errors, empty files), handing the document to read_topology()
// (topology_reader.hpp), sorting its errors by line, hashing the bytes, and
// keeping topology names unique across a directory.
#include "topology/topology_loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
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
#include "common/utf8.hpp"
#include "topology_reader.hpp"
#include "yaml_json.hpp"

namespace weir::topology {
namespace {

namespace fs = std::filesystem;


// The number of the last line that has text; yaml-cpp reports a problem
// found at the end of the input on the line after it.
int last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
}

std::string too_big(std::uintmax_t size) {
  return "the file has " + std::to_string(size) + " bytes; a topology file may have at most " +
         std::to_string(kMaxTopologyBytes) + " (4 MiB)";
}

struct Loaded {
  LoadResult result;
  int name_line = 0;
};

// Counts the documents of a YAML text without building them. yaml-cpp 0.7's
// LoadAll never ends on some broken input (the one-byte file ",": every call
// for the next document answers "one more, empty"), so we ask for at most
// two: one is what a topology file holds, two is already an error.
class DocumentCounter : public YAML::EventHandler {
 public:
  int count = 0;
  YAML::Mark second;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++count == 2) second = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// YAML is UTF-8 here (the JSON a node's config becomes must be, too): a byte
// that is not is named with its line and column, before anything is parsed.
std::optional<std::pair<int, std::string>> not_utf8(std::string_view yaml) {
  std::size_t bad = 0;
  if (is_utf8(yaml, &bad)) return std::nullopt;
  const auto line_start = yaml.rfind('\n', bad == 0 ? std::string_view::npos : bad - 1);
  const std::size_t column = bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  const int line = static_cast<int>(std::count(yaml.begin(), yaml.begin() + bad, '\n')) + 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(yaml[bad]));
  return std::make_pair(line, "the file is not UTF-8 text: byte " + std::string(hex) +
                                  " at column " + std::to_string(column));
}

// The one YAML document in `yaml`, or why there is none: (line, message).
std::optional<YAML::Node> parse_document(std::string_view yaml,
                                         std::pair<int, std::string>* error) {
  if (auto bad = not_utf8(yaml)) {
    *error = *bad;
    return std::nullopt;
  }
  const std::string text(yaml);
  YAML::Node document;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (counter.count < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.count > 1) {
      *error = {counter.second.line + 1,
                "a topology file holds one YAML document; a second one starts here"};
      return std::nullopt;
    }
    document = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp says only "bad file"
    *error = {std::min(e.mark.line + 1, last_line(yaml)),
              "YAML nested too deeply (more levels than the YAML parser takes)"};
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    *error = {std::min(e.mark.line + 1, last_line(yaml)), "YAML syntax error: " + e.msg};
    return std::nullopt;
  }
  if (document.IsNull()) {
    *error = {1, "the file is empty (a topology needs at least 'name' and 'nodes')"};
    return std::nullopt;
  }
  return document;
}

Loaded load_text(std::string_view yaml, const std::string& label,
                 const plugins::NodeTypeCatalog& catalog) {
  Loaded out;
  if (yaml.size() > kMaxTopologyBytes) {
    out.result.errors.push_back({label, 0, too_big(yaml.size())});
    return out;
  }
  std::pair<int, std::string> error;
  std::optional<YAML::Node> document = parse_document(yaml, &error);
  if (!document) {
    out.result.errors.push_back({label, error.first, error.second});
    return out;
  }
  TopologyRead read =
      read_topology(*document, catalog, std::filesystem::path(label).parent_path().string());
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

// The file's bytes, or an error that names the file.
std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    *error = "topology file not found";
  } else if (!fs::is_regular_file(path, ec)) {
    *error = "not a regular file";
  } else if (const auto size = fs::file_size(path, ec); !ec && size > kMaxTopologyBytes) {
    *error = too_big(size);
  } else {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    if (in && !in.bad()) return bytes;
    *error = std::string("cannot read: ") + std::strerror(errno);
  }
  return std::nullopt;
}

Loaded load_file(const std::string& path, const plugins::NodeTypeCatalog& catalog) {
  std::string error;
  std::optional<std::string> bytes = read_file(path, &error);
  if (bytes) return load_text(*bytes, path, catalog);
  Loaded out;
  out.result.errors.push_back({path, 0, error});
  return out;
}

std::vector<std::string> topology_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::string ext = entry.path().extension().string();
    bool hidden = entry.path().filename().string().starts_with(".");
    if (!hidden && (ext == ".yaml" || ext == ".yml") && entry.is_regular_file(ec)) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

LoadResult load_topology_text(std::string_view yaml, const std::string& file_label,
                              const plugins::NodeTypeCatalog& catalog) {
  return load_text(yaml, file_label, catalog).result;
}

LoadResult load_topology_file(const std::string& path, const plugins::NodeTypeCatalog& catalog) {
  return load_file(path, catalog).result;
}

DirectoryLoad load_topology_directory(const std::string& dir,
                                      const plugins::NodeTypeCatalog& catalog) {
  DirectoryLoad out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.errors.push_back(
        {dir, 0, fs::exists(dir, ec) ? "not a directory" : "topology directory not found"});
    return out;
  }
  std::map<std::string, std::string> where_named;  // topology name -> "file:line"
  for (const std::string& path : topology_files(dir)) {
    Loaded loaded = load_file(path, catalog);
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
