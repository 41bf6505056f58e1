// Times on the wire: ISO 8601 in UTC ("2026-12-01T10:00:00Z") or the SQL
// form ("2026-12-01 10:00:00", UTC too), as a style chooses. Seconds only.
#pragma once

#include <string>
#include <string_view>

#include "model.hpp"
#include "style.hpp"

namespace weir::sims::erp {

std::string format_time(Seconds t, TimeFormat format);

// ISO accepts "Z" or a "+HH:MM"/"-HH:MM" offset and drops fractional
// seconds; SQL is exactly "YYYY-MM-DD HH:MM:SS". False on anything else.
bool parse_time(std::string_view text, TimeFormat format, Seconds* out);

}  // namespace weir::sims::erp
