#include "cli/table.hpp"

#include <algorithm>

namespace weir::cli {

void print_table(std::ostream& out, const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const Row& r) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  auto print = [&](const Row& r) {
    std::string line;
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << '\n';
  };
  print(header);
  for (const auto& r : rows) print(r);
}

}  // namespace weir::cli
