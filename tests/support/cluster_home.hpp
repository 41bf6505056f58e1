// A host of a test cluster: its own home (data directory, plugins,
// topologies) on the shared PostgreSQL database `url`, with a short lease so
// a dead host's work moves on soon. The URL goes in by file reference, like
// a secret should.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/host_process.hpp"

namespace weir::test {

inline std::unique_ptr<WeirHome> cluster_home(const std::string& url) {
  auto home = std::make_unique<WeirHome>(std::vector<std::string>{"core.so", "testkit.so"});
  home->write("weir.yaml",
              "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\n"
              "http: {listen: \"127.0.0.1:0\"}\n"
              "store: {kind: postgres, url: file:cluster-url, lease: 3s}\n");
  home->write("cluster-url", url);
  std::filesystem::permissions(home->path("cluster-url"), std::filesystem::perms::owner_read |
                                                              std::filesystem::perms::owner_write);
  return home;
}

}  // namespace weir::test
