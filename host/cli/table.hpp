// Plain-text tables for the operator commands: left-aligned columns, two
// spaces apart, a header row in capitals. Written to the given stream.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weir::cli {

using Row = std::vector<std::string>;

void print_table(std::ostream& out, const Row& header, const std::vector<Row>& rows);

// A JSON value as a table cell: strings without quotes, the rest as JSON.
std::string str(const nlohmann::json& j);
// Milliseconds since the epoch as "2026-11-26T02:00:00.000Z"; "-" for 0.
std::string utc_ms(std::int64_t ms);

}  // namespace weir::cli
