#include "topology/yaml_file.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/utf8.hpp"

namespace weir::topology {
namespace {

namespace fs = std::filesystem;

// The number of the last line that has text; yaml-cpp reports a problem
// found at the end of the input on the line after it.
int last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
}

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
// A NUL byte is refused too: YAML text cannot hold one (it is not printable),
// and yaml-cpp takes NULs near the start as UTF-16 or UTF-32 and decodes
// them, code points above U+10FFFF included, into strings that are not
// UTF-8 (found by the fuzzer: such a string aborted the JSON dump of a config).
std::optional<std::pair<int, std::string>> not_utf8(std::string_view yaml) {
  std::size_t bad = 0;
  if (is_utf8(yaml, &bad)) {
    bad = yaml.find('\0');
    if (bad == std::string_view::npos) return std::nullopt;
  }
  const auto line_start = bad == 0 ? std::string_view::npos : yaml.rfind('\n', bad - 1);
  const std::size_t column = bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  const int line = static_cast<int>(std::count(yaml.begin(), yaml.begin() + bad, '\n')) + 1;
  if (yaml[bad] == '\0') {
    return std::make_pair(line, "the file holds a NUL byte at column " + std::to_string(column) +
                                    ", which YAML text cannot (weir reads UTF-8; is the file "
                                    "UTF-16 or UTF-32?)");
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(yaml[bad]));
  return std::make_pair(line, "the file is not UTF-8 text: byte " + std::string(hex) +
                                  " at column " + std::to_string(column));
}

}  // namespace

std::optional<YAML::Node> parse_yaml_document(std::string_view yaml, const std::string& what,
                                              const std::string& empty_hint,
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
                what + " file holds one YAML document; a second one starts here"};
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
    *error = {1, "the file is empty " + empty_hint};
    return std::nullopt;
  }
  return document;
}


std::string yaml_shown(const YAML::Node& v) {
  switch (v.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      // A quoted scalar is always a string: say so, or `"4"` would read as 4.
      return v.Tag() == "!" ? "the string \"" + v.Scalar() + "\"" : "'" + v.Scalar() + "'";
    default:
      return "nothing";
  }
}

std::string file_too_big(std::uintmax_t size, std::size_t max_bytes, const std::string& kind) {
  return "the file has " + std::to_string(size) + " bytes; a " + kind + " file may have at most " +
         std::to_string(max_bytes) + " (" + std::to_string(max_bytes >> 20) + " MiB)";
}

std::optional<std::string> read_yaml_file(const std::string& path, std::size_t max_bytes,
                                          const std::string& kind, std::string* error) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    *error = kind + " file not found";
  } else if (!fs::is_regular_file(path, ec)) {
    *error = "not a regular file";
  } else if (const auto size = fs::file_size(path, ec); !ec && size > max_bytes) {
    *error = file_too_big(size, max_bytes, kind);
  } else {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    if (in && !in.bad()) return bytes;
    *error = std::string("cannot read: ") + std::strerror(errno);
  }
  return std::nullopt;
}

std::vector<std::string> yaml_files(const std::string& dir) {
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

}  // namespace weir::topology
