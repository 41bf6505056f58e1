// Plain-text tables for the operator commands: left-aligned columns, two
// spaces apart, a header row in capitals. Written to the given stream.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace weir::cli {

using Row = std::vector<std::string>;

void print_table(std::ostream& out, const Row& header, const std::vector<Row>& rows);

}  // namespace weir::cli
