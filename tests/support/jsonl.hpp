// Reading a JSON-lines file that a plugin (testkit.record) may still be
// appending to while a test polls it.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weir::test {

// Every complete line of the file, parsed; empty lines are skipped. A last
// line without its newline is still being written: it is left for the next
// read rather than parsed half (which would throw).
inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // no newline after it: unfinished
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace weir::test
