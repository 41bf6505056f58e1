// The PostgreSQL store's schema (pg_schema.cpp says how it differs from
// SQLite's and why).
#pragma once

#include "pg_conn.hpp"

namespace weir::store::pg {

// The version this build makes and knows (the same numbers as SQLite's).
int latest_version();
// The version of the database `db` is connected to (0: none made yet).
Result<int> schema_version(Conn& db);
// Makes or migrates the schema; refuses, untouched, a newer one.
Status migrate(Conn& db);

}  // namespace weir::store::pg
