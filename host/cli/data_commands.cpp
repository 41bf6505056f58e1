// `weir comparator ...`: what the data patterns keep in the store, for
// operators.
#include <iostream>

#include "commands.hpp"
#include "table.hpp"

namespace weir::cli {

using Json = nlohmann::json;

int comparator_reset(const Common& c, const std::string& topology, const std::string& node,
                     const std::string& key) {
  Json request{{"cmd", "comparator.reset"}, {"topology", topology}};
  if (!node.empty()) request["node"] = node;
  if (!key.empty()) request["key"] = key;
  auto data = ask(c, request);
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::string nodes;
  for (const auto& n : (*data)["nodes"]) nodes += (nodes.empty() ? "" : ", ") + str(n);
  std::cout << "forgot " << str((*data)["deleted"]) << " fingerprint(s) of " << topology << " ("
            << nodes << (key.empty() ? "" : ", key " + key)
            << "): the next run sends " << (key.empty() ? "every item" : "that item") << " on\n";
  return 0;
}

}  // namespace weir::cli
