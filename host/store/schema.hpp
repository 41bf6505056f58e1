// Schema versions and migrations of the SQLite store (see schema.cpp).
#pragma once

#include "common/status.hpp"
#include "store/sqlite_db.hpp"

namespace weir::store {

// The schema version this build writes.
int latest_schema_version();

// Brings `db` to latest_schema_version(), one transaction per step. Refuses
// (touching nothing) a database whose version is newer than this build's.
Status migrate(Db& db);

}  // namespace weir::store
