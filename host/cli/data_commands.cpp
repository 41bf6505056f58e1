// `weir comparator ...`, `weir sync ...` and `weir ids ...`: what the data patterns keep in
// the store, for operators.
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

int sync_reset(const Common& c, const std::string& topology) {
  auto data = ask(c, Json{{"cmd", "sync.reset"}, {"topology", topology}});
  if (!data) return fail(data.error());
  if (c.json) return std::cout << data->dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::cout << ((*data)["reset"].get<bool>() ? "forgot where " + topology + " left off"
                                              : topology + " had no window yet")
            << ": its next run is a full sync\n";
  return 0;
}

int ids_ls(const Common& c, const IdsOptions& o) {
  Json request{{"cmd", "ids.ls"}, {"limit", o.limit}};
  if (!o.system.empty()) request["system"] = o.system;
  if (!o.entity.empty()) request["entity"] = o.entity;
  auto data = ask(c, request);
  if (!data) return fail(data.error());
  if (c.json) return std::cout << (*data)["mappings"].dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  std::vector<Row> rows;
  for (const auto& m : (*data)["mappings"]) {
    rows.push_back({str(m["system"]), str(m["entity"]), str(m["local_id"]), str(m["remote_id"]),
                    utc_ms(m["updated_ms"].get<std::int64_t>())});
  }
  print_table(std::cout, {"SYSTEM", "ENTITY", "LOCAL ID", "REMOTE ID", "MAPPED AT"}, rows);
  if ((*data)["more"].get<bool>()) {
    std::cout << "(more: raise --limit, or narrow with --system and --entity)\n";
  }
  return 0;
}

int ids_show(const Common& c, const IdsOptions& o) {
  Json request{{"cmd", "ids.show"}, {"system", o.system}, {"entity", o.entity}};
  if (!o.local.empty()) request["local"] = o.local;
  if (!o.remote.empty()) request["remote"] = o.remote;
  auto data = ask(c, request);
  if (!data) return fail(data.error());
  const Json& m = (*data)["mapping"];
  if (c.json) return std::cout << m.dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  if (m.is_null()) {
    std::cout << "no mapping of " << o.system << "/" << o.entity << " "
              << (o.local.empty() ? "remote id " + o.remote : "local id " + o.local) << '\n';
    return 1;
  }
  std::cout << o.system << "/" << o.entity << ": local " << str(m["local_id"]) << " = remote "
            << str(m["remote_id"]) << '\n';
  return 0;
}

int ids_forget(const Common& c, const IdsOptions& o) {
  auto data = ask(c, Json{{"cmd", "ids.forget"}, {"system", o.system}, {"entity", o.entity},
                          {"local", o.local}});
  if (!data) return fail(data.error());
  const Json& m = (*data)["forgot"];
  if (c.json) return std::cout << m.dump(2, ' ', false, Json::error_handler_t::replace) << '\n', 0;
  if (m.is_null()) {
    std::cout << "no mapping of " << o.system << "/" << o.entity << " local id " << o.local << '\n';
    return 1;
  }
  std::cout << "forgot " << o.system << "/" << o.entity << ": local " << o.local << " = remote "
            << str(m["remote_id"]) << " (the next write of it looks it up or creates it)\n";
  return 0;
}

}  // namespace weir::cli
