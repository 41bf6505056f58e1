// Schema versions and migrations of the SQLite store (see schema.cpp).
#pragma once

#include "common/status.hpp"
#include "sqlite_db.hpp"

namespace weir::store {

// The schema version this build writes.
int latest_schema_version();

// Brings `db` to `target` (default: latest_schema_version()), one
// transaction per step. Refuses (touching nothing) a database whose version
// is newer than this build's. Tests use `target` to make older databases.
Status migrate(Db& db, int target = 0);

}  // namespace weir::store
