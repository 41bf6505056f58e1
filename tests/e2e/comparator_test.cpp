// End to end: core.comparator in the real `weir serve`. An ERP export goes
// through a mapper and a comparator to the shop's write (testkit.act, which
// fails the items whose mapped "fail" says so) and on to a record of what was
// written. The runs show what a user relies on: a second run over unchanged
// data sends nothing on; a change to a field the mapping ignores sends
// nothing; a change to a mapped field sends exactly that item; a write that
// failed stored no fingerprint, so its item is sent again; and
// `weir comparator reset` forces a resync of one key or of everything.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/jsonl.hpp"

using namespace weir::test;
using Json = nlohmann::json;

namespace {

std::string catalog_topology(const std::string& record_path) {
  return R"(name: catalog
nodes:
  - id: erp
    type: testkit.items
  - id: map
    type: core.mapper
    max_batch: 1000
    config:
      fields:
        sku:           {from: code, required: true}
        name:          {from: title}
        regular_price: {from: price, type: decimal, decimals: 2}
        fail:          {from: reject, drop_if_empty: true}
  - id: compare
    type: core.comparator
    max_batch: 1000
    config: {key: sku}
  - id: write
    type: testkit.act
    max_batch: 1000
  - id: written
    type: testkit.record
    config: {path: ")" +
         record_path + R"("}
edges:
  - erp -> map -> compare -> write -> written
)";
}

// The ERP's export: updated_at is not mapped; C is refused by the shop.
Json erp_items() {
  return Json::parse(R"({"items": [
    {"code": "SKU-A", "title": "Shoe", "price": 19.9, "updated_at": "2026-12-01 10:00:00"},
    {"code": "SKU-B", "title": "Boot", "price": 49, "updated_at": "2026-12-01 10:00:00"},
    {"code": "SKU-C", "title": "Sock", "price": 2.5, "updated_at": "2026-12-01 10:00:00",
     "reject": "the shop refuses SKU-C"}
  ]})");
}

// One `weir run --wait` of the export; the process has the shop's refusal
// of C in it, so it ends "completed with failures" (exit code 2).
void run_export(const WeirHome& home, const Json& payload) {
  auto r = home.cli("run", {"catalog", "--payload", payload.dump(), "--wait", "--timeout", "30"});
  INFO(r.out);
  REQUIRE(r.code == 2);
}

// The SKUs the shop was sent (written), in order.
std::vector<std::string> written(const std::string& record_path) {
  std::vector<std::string> out;
  for (const auto& line : read_jsonl(record_path)) out.push_back(line["payload"]["sku"]);
  return out;
}

std::size_t trashed_at_write(const WeirHome& home) {
  std::size_t n = 0;
  for (const auto& e : json_of(home.cli("trash ls", {"--json"}))) n += e["node"] == "write";
  return n;
}

std::string metrics(const WeirHome& home) {
  HttpClient http;
  return http.get("http://" + json_of(home.cli("status", {"--json"}))["http"].get<std::string>() +
                  "/metrics")
      .body;
}

}  // namespace

TEST_CASE("core.comparator sends on only new and changed items, and a failed write again") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string record = home.path("written.jsonl");
  home.add_topology("catalog.yaml", catalog_topology(record));
  HostProcess host(home);
  REQUIRE(host.start());

  // First run: everything is new; C's write fails (to the trash).
  run_export(home, erp_items());
  CHECK(written(record) == std::vector<std::string>{"SKU-A", "SKU-B"});
  CHECK(trashed_at_write(home) == 1);

  // Second run, same data: A and B stop at the comparator; C, whose write
  // failed, has no fingerprint and is sent again (and fails again).
  run_export(home, erp_items());
  CHECK(written(record).size() == 2);
  CHECK(trashed_at_write(home) == 2);
  CHECK(node_status(home, "compare")["stopped"] == 2);
  CHECK_THAT(metrics(home),
             Catch::Contains("weir_node_stopped_total{topology=\"catalog\",node=\"compare\"} 2\n"));

  // Third run: A changed only in a field the mapping ignores, B's price
  // changed: exactly B goes on.
  Json changed = erp_items();
  changed["items"][0]["updated_at"] = "2026-12-02 08:00:00";
  changed["items"][1]["price"] = 45;
  run_export(home, changed);
  CHECK(written(record) == std::vector<std::string>{"SKU-A", "SKU-B", "SKU-B"});
  CHECK(read_jsonl(record).back()["payload"]["regular_price"] == "45.00");
  CHECK(node_status(home, "compare")["stopped"] == 3);

  // And again: nothing changed since, nothing of A or B goes on.
  run_export(home, changed);
  CHECK(written(record).size() == 3);

  // The operator forces A again, then everything.
  Json one = json_of(home.cli("comparator reset", {"catalog", "--key", "SKU-A", "--json"}));
  CHECK(one["deleted"] == 1);
  CHECK(one["nodes"] == Json::array({"compare"}));
  run_export(home, changed);
  CHECK(written(record) == std::vector<std::string>{"SKU-A", "SKU-B", "SKU-B", "SKU-A"});

  auto all = home.cli("comparator reset", {"catalog"});
  INFO(all.out);
  REQUIRE(all.code == 0);
  CHECK_THAT(all.out, Catch::Contains("forgot 2 fingerprint(s) of catalog (compare)"));
  run_export(home, changed);
  auto sent = written(record);
  REQUIRE(sent.size() == 6);
  CHECK(std::vector<std::string>(sent.begin() + 4, sent.end()) ==
        std::vector<std::string>{"SKU-A", "SKU-B"});

  // Each reset is in the audit with who asked.
  const Json audit = json_of(home.cli("audit ls", {"--json"}));
  std::size_t resets = 0;
  for (const auto& e : audit) resets += e["action"] == "comparator.reset";
  CHECK(resets == 2);

  // Mistakes are named.
  auto no_topology = home.cli("comparator reset", {"catalogue"});
  CHECK(no_topology.code == 1);
  CHECK_THAT(no_topology.out, Catch::Contains("no topology 'catalogue' is in effect"));
  auto not_a_comparator = home.cli("comparator reset", {"catalog", "--node", "map"});
  CHECK(not_a_comparator.code == 1);
  CHECK_THAT(not_a_comparator.out,
             Catch::Contains("node 'map' of topology catalog is not a core.comparator "
                             "(its comparators: compare)"));
}
