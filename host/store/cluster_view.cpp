#include "store/cluster_view.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace weir::store {

std::string TopologyConflict::to_string() const {
  std::string out = "topology " + topology + " differs between hosts: ";
  for (std::size_t i = 0; i < contents.size(); ++i) out += (i ? "; " : "") + contents[i];
  return out + "; each message runs with the version of the host that takes it "
               "(deploy the same file to every host)";
}

std::vector<TopologyConflict> topology_conflicts(const std::vector<HostRecord>& hosts) {
  // topology -> content hash -> {version, host names}
  struct Content {
    int version = 0;
    std::vector<std::string> hosts;
  };
  std::map<std::string, std::map<std::string, Content>> seen;
  for (const HostRecord& h : hosts) {
    if (!h.alive) continue;
    for (const RunningTopology& t : h.topologies) {
      Content& c = seen[t.name][t.content_hash];
      c.version = t.version;
      c.hosts.push_back(h.name);
    }
  }
  std::vector<TopologyConflict> out;
  for (const auto& [name, contents] : seen) {
    if (contents.size() < 2) continue;
    TopologyConflict conflict{name, {}};
    std::vector<std::pair<std::string, Content>> newest_first(contents.begin(), contents.end());
    std::stable_sort(newest_first.begin(), newest_first.end(),
                     [](const auto& a, const auto& b) { return a.second.version > b.second.version; });
    for (const auto& [hash, c] : newest_first) {
      std::string line = "version " + std::to_string(c.version) + " (hash " + hash.substr(0, 12) +
                         ") on ";
      for (std::size_t i = 0; i < c.hosts.size(); ++i) line += (i ? ", " : "") + c.hosts[i];
      conflict.contents.push_back(std::move(line));
    }
    out.push_back(std::move(conflict));
  }
  return out;
}

}  // namespace weir::store
