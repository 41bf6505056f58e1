// The store of a test's weir home, opened by the test itself once the home's
// `weir serve` has stopped, as the host did at its next start: the SQLite
// file in data/, or the home's PostgreSQL database under the host's own
// default name (the machine's name and the data directory), so what the
// stopped host held is taken back and reported in recovery() as it would be.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <memory>
#include <string>

#include "store/store.hpp"
#include "support/host_process.hpp"

namespace weir::test {

inline std::unique_ptr<store::Store> open_home_store(const WeirHome& home) {
  char machine[256] = {};
  ::gethostname(machine, sizeof machine - 1);
  const std::string host = std::string(machine) + ":" + home.path("data");
  auto s = home.database()
               ? store::open_pg_store(store::PgOptions{home.database()->url(), host, 30000})
               : store::open_sqlite_store(store::SqliteOptions{home.path("data/weir.db")});
  INFO(s.error());
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

}  // namespace weir::test
