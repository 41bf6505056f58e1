// Times as Magento's REST API shows them: UTC, "YYYY-MM-DD HH:MM:SS", no
// zone marker (created_at, updated_at, a bulk's start_time). The simulator
// keeps instants as unix seconds and formats them; filters on time fields
// compare these texts as strings, as MySQL compares a DATETIME with a
// string literal of the same shape.
#pragma once

#include <cstdint>
#include <string>

namespace weir::sims::mage {

std::int64_t now_seconds();
std::string format_time(std::int64_t unix_seconds);
// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace weir::sims::mage
