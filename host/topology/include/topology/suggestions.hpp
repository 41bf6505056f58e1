// What an error message offers instead of a wrong name: the closest known
// name ("did you mean core.pass?") and the list of known names. Header-only;
// used by every reader of the host's YAML files (topologies, applications).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::topology {

// Levenshtein distance (insert, delete, substitute each cost 1).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The known name closest to `word`, if it is close enough to be a likely
// typo: at most a third of the word's length away (at least 1 edit), and not
// a whole rewrite of it ("x" does not suggest "a").
inline std::optional<std::string> closest_name(std::string_view word,
                                               const std::vector<std::string>& known) {
  std::size_t limit = std::max<std::size_t>(1, (word.size() + 2) / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const std::string& name : known) {
    std::size_t d = edit_distance(word, name);
    if (d < best_distance && d < word.size()) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

// "a, b, c"
inline std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "did you mean X? " when a close name exists, else "".
inline std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
  auto best = closest_name(word, known);
  return best ? "did you mean " + *best + "? " : "";
}

}  // namespace weir::topology
