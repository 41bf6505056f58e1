// End to end: an ERP that is down for a while (compressed in time). Orders
// wait and retry; another topology keeps flowing; when the ERP is back every
// order completes exactly once.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "support/cli_json.hpp"
#include "support/home_store.hpp"
#include "support/host_process.hpp"

using namespace weir;
using weir::test::HostProcess;
using namespace weir::test;
using weir::test::WeirHome;
using Json = nlohmann::json;

namespace {

void write_lines(const std::string& path, int n, const std::string& field) {
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) out << Json{{field, i}}.dump() << '\n';
}

}  // namespace

TEST_CASE("orders wait out an ERP outage, other work flows, and all complete exactly once") {
  WeirHome home({"core.so", "testkit.so"});
  const std::string down = home.path("erp-down");
  home.write("weir.yaml", weir::test::kBaseConfig + "retry: {delay: 100ms, max_delay: 400ms, max_attempts: 1000}\n");
  home.add_topology("orders.yaml", R"(name: orders
nodes:
  - id: intake
    type: core.pass
  - id: erp
    type: testkit.act
    concurrency: 4
    max_batch: 20
    config: {down_file: ")" + down + R"("}
  - id: done
    type: core.pass
edges:
  - intake -> erp -> done
)");
  home.add_topology("catalog.yaml",
                    "name: catalog\nnodes:\n  - {id: a, type: core.pass}\n  - {id: b, type: core.pass}\n"
                    "edges:\n  - a -> b\n");
  write_lines(home.path("orders.jsonl"), 1000, "order");
  write_lines(home.path("products.jsonl"), 5000, "sku");
  std::ofstream(down) << "maintenance\n";  // the ERP goes down

  HostProcess host(home);
  REQUIRE(host.start());
  REQUIRE(home.cli("run orders", {"--payloads", home.path("orders.jsonl")}).code == 0);
  // Other work flows while the ERP is down.
  auto catalog = home.cli("run catalog", {"--payloads", home.path("products.jsonl"), "--wait"});
  INFO(catalog.out);
  CHECK(catalog.code == 0);
  CHECK_THAT(catalog.out, Catch::Contains("5000 processes: 5000 completed"));
  // Let the orders retry a few rounds: none gets through, none is lost.
  for (int i = 0; i < 100 && node_status(home, "erp", "orders")["retried"].get<int>() < 3000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Json erp = node_status(home, "erp", "orders");
  CHECK(erp["retried"].get<int>() >= 3000);  // every order tried at least three times
  CHECK(erp["done"] == 0);
  CHECK(erp["queued"].get<int>() + erp["waiting"].get<int>() + erp["in_flight"].get<int>() == 1000);

  std::filesystem::remove(down);  // the ERP is back
  bool all_done = false;
  for (int i = 0; i < 600 && !all_done; ++i) {
    all_done = node_status(home, "done", "orders")["done"] == 1000;
    if (!all_done) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(all_done);
  REQUIRE(host.kill(SIGTERM) == 0);

  auto store = weir::test::open_home_store(home);
  auto orders = store->processes("orders", 5000).value();
  REQUIRE(orders.size() == 1000);
  for (const auto& p : orders) {
    CHECK(p.state == store::ProcessState::completed);
    CHECK(p.done == 3);  // intake, erp and done exactly once each
  }
  for (const auto& q : store->queues().value()) {
    CHECK(q.queued == 0);
    CHECK(q.waiting == 0);
  }
  CHECK(store->trash(10).value().empty());
}
