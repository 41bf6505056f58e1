// What the hosts of a cluster run, compared: the topologies whose content
// differs between live hosts. `weir status` shows each as a problem on
// every host, and a host says it in its log after each start and reload.
//
// Which content wins: none by itself. Each host runs the topology files of
// its own directory (weir copies no topology between hosts: deploying them
// is the operator's job), and a message is processed with the version of
// the host that leases it. So during a rolling deploy both versions run
// side by side, as with any stateless service; the difference is shown
// until every live host runs the same content (docs/architecture.md, "The
// store on PostgreSQL").
#pragma once

#include <string>
#include <vector>

#include "store/store.hpp"

namespace weir::store {

struct TopologyConflict {
  std::string topology;
  // One line per content: "version 3 (hash 1a2b3c4d5e6f) on vm-a, vm-b".
  std::vector<std::string> contents;
  std::string to_string() const;
};

// Among the live hosts, by topology name.
std::vector<TopologyConflict> topology_conflicts(const std::vector<HostRecord>& hosts);

}  // namespace weir::store
