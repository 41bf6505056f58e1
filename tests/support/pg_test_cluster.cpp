// pg_test_cluster start|stop: the build's shared PostgreSQL test cluster
// (support/pg_cluster.hpp), for ctest's setup and cleanup fixtures: tests
// on PostgreSQL start it themselves when it is not running, and ctest stops
// it once they are done.
#include <cstdio>
#include <exception>
#include <string>

#include "support/pg_cluster.hpp"

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  try {
    if (what == "start") {
      weir::test::shared_pg();
      std::printf("postgres test cluster running in %s\n", weir::test::shared_pg().dir().c_str());
      return 0;
    }
    if (what == "stop") {
      weir::test::shared_pg().stop();
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: pg_test_cluster start|stop\n");
  return 2;
}
