// Prerequisites with the real engine and store: a product whose category the
// "shop" (a file written by testkit.record) does not have yet asks for the
// category topology to run first, waits for it, and goes on; a failed or
// impossible prerequisite sends its waiters to the trash, explained.
#include <catch2/catch.hpp>

#include <fstream>

#include "message/attempt_history.hpp"
#include "support/jsonl.hpp"
#include "support/engine_fixture.hpp"

using namespace weir;
using weir::test::EngineFixture;
using store::ProcessState;

namespace {

using weir::test::read_jsonl;

// products: sync (asks for the category when the shop lacks it) -> shop.
// category: create (slow, like a PHP shop) -> shop (records the category).
struct Shop {
  explicit Shop(EngineFixture& f, int category_sleep_ms = 300, std::string retry = "")
      : categories(f.dir().file("categories.jsonl")), products(f.dir().file("products.jsonl")) {
    f.install(R"(name: category
nodes:
  - id: create
    type: testkit.act
    config: {defaults: {sleep_ms: )" + std::to_string(category_sleep_ms) + R"(}}
  - id: shop
    type: testkit.record
    config: {path: ")" + categories + R"("}
edges:
  - create -> shop
)");
    f.install(R"(name: products
nodes:
  - id: sync
    type: testkit.act
    max_batch: 100
)" + retry + R"(
  - id: shop
    type: testkit.record
    config: {path: ")" + products + R"("}
edges:
  - sync -> shop
)");
  }
  // A product of `category`: sync needs the category topology to have made it.
  Json product(int sku, const std::string& category, Json category_payload = {}) const {
    if (category_payload.is_null()) category_payload = {{"name", category}};
    return Json{{"sku", sku},
                {"at",
                 {{"sync",
                   {{"needs",
                     {{"topology", "category"},
                      {"payload", category_payload},
                      {"why", "category " + category + " is missing in the shop"},
                      {"unless_found",
                       {{"file", categories}, {"text", "\"name\":\"" + category + "\""}}}}}}}}}};
  }
  std::string categories, products;
};

std::vector<store::ProcessRecord> processes_of(EngineFixture& f, const std::string& topology) {
  return f.store().processes(topology, 10000, std::nullopt).value();
}

}  // namespace

TEST_CASE("products wait for their missing category, which is created once, then go on") {
  EngineFixture f;
  Shop shop(f);
  f.start();
  std::vector<Json> products;
  for (int i = 0; i < 150; ++i) products.push_back(shop.product(i, i % 3 == 0 ? "Boots" : "Shoes"));
  auto ids = f.run("products", products);
  REQUIRE(f.wait_finished(ids));

  for (auto id : ids) {
    auto p = f.process(id);
    CHECK(p.state == ProcessState::completed);
    CHECK(p.done == 2);  // sync (on its second attempt) and shop
  }
  // One category process per missing category: the other 148 joined them.
  auto categories = processes_of(f, "category");
  REQUIRE(categories.size() == 2);
  std::set<std::uint64_t> askers(ids.begin(), ids.end());
  for (const auto& c : categories) {
    CHECK(c.state == ProcessState::completed);
    CHECK(askers.count(c.needed_by) == 1);  // started for one of the products
  }
  std::multiset<std::string> made;
  for (const auto& l : read_jsonl(shop.categories)) made.insert(l["payload"]["name"].get<std::string>());
  CHECK(made == std::multiset<std::string>{"Boots", "Shoes"});
  // Every product reached the shop once, after its category existed.
  auto sent = read_jsonl(shop.products);
  CHECK(sent.size() == 150);
  for (const auto& l : sent) CHECK(l["attempt"] == 1);  // the shop node's own first delivery

  // The trace says what happened: waited, then went on at attempt 2.
  auto visits = f.store().visits(ids[1]).value();
  REQUIRE(visits.size() == 3);
  CHECK(visits[0].node == "sync");
  CHECK(visits[0].outcome == WEIR_OUTCOME_PREREQUISITE);
  CHECK_THAT(visits[0].error, Catch::Contains("category Shoes is missing in the shop") &&
                                  Catch::Contains("waits for process") &&
                                  Catch::Contains("of topology category"));
  CHECK(visits[1].node == "sync");
  CHECK(visits[1].attempt == 2);
  CHECK(visits[1].outcome == WEIR_OUTCOME_SUCCESS);
  CHECK(f.total_queued() == 0);
  CHECK(f.trash().empty());
}

TEST_CASE("when the prerequisite fails, its waiters go to the trash saying which process and why") {
  EngineFixture f;
  Shop shop(f, 50);
  f.start();
  // The shop refuses this category: the category process fails at create.
  const Json refused = {{"name", "Bad/Name"}, {"fail", "shop answered 400: invalid category name"}};
  auto ids = f.run("products", {shop.product(1, "Bad/Name", refused),
                                shop.product(2, "Bad/Name", refused)});
  REQUIRE(f.wait_finished(ids));
  auto categories = processes_of(f, "category");
  REQUIRE(categories.size() == 1);
  CHECK(categories[0].state == ProcessState::failed);
  const std::string cid = std::to_string(categories[0].id);
  auto trash = f.trash();
  REQUIRE(trash.size() == 3);  // the category's own failure and both products
  int products = 0;
  for (const auto& t : trash) {
    if (t.topology != "products") continue;
    ++products;
    CHECK(t.node == "sync");
    CHECK(f.process(t.process_id).state == ProcessState::failed);
    CHECK_THAT(t.error, Catch::Contains("needed process " + cid + " of topology category") &&
                            Catch::Contains("at node create: shop answered 400") &&
                            Catch::Contains("replay that first"));
    // The history has both steps: asked for it, then learned it failed.
    auto history = message::history_json(t.errors);
    REQUIRE(history.size() == 2);
    CHECK(history[0]["kind"] == "prerequisite");
    CHECK(history[1]["kind"] == "prerequisite");
  }
  CHECK(products == 2);
  CHECK(read_jsonl(shop.products).empty());
}

TEST_CASE("a prerequisite of a topology the host does not have fails the message, naming it") {
  EngineFixture f;
  Shop shop(f);
  f.start();
  Json p = shop.product(1, "Shoes");
  p["at"]["sync"]["needs"]["topology"] = "catgory";
  auto ids = f.run("products", {p});
  REQUIRE(f.wait_finished(ids));
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK_THAT(trash[0].error, Catch::Contains("needs topology catgory to run first, but this host "
                                             "runs no topology catgory (not loaded, disabled or "
                                             "invalid; it runs: category, products)"));
  CHECK(processes_of(f, "category").empty());
}

TEST_CASE("a node that still asks after its prerequisite ran gives up after max_attempts") {
  EngineFixture f;
  Shop shop(f, 10, "    retry: {max_attempts: 3}");
  f.start();
  // The category topology records "Shoes", but the node looks for "Sandals".
  Json p = shop.product(1, "Shoes");
  p["at"]["sync"]["needs"]["unless_found"]["text"] = "Sandals";
  auto ids = f.run("products", {p});
  REQUIRE(f.wait_finished(ids));
  CHECK(f.process(ids[0]).state == ProcessState::failed);
  CHECK(processes_of(f, "category").size() == 2);  // attempts 1 and 2 each ran it; 3 gave up
  auto trash = f.trash();
  REQUIRE(trash.size() == 1);
  CHECK_THAT(trash[0].error, Catch::StartsWith("gave up after 3 attempts: category Shoes is missing") &&
                                 Catch::Contains("waited for topology category 2 time(s) before") &&
                                 Catch::Contains("the node still asks"));
  CHECK(message::history_json(trash[0].errors).size() == 3);
}

TEST_CASE("a message that would wait for a process waiting for its own goes to the trash") {
  EngineFixture f;
  // loop: x asks for loop itself with the same key, forever.
  f.install(R"(name: loop
nodes:
  - id: x
    type: testkit.act
)");
  f.start();
  const Json inner = {{"needs", {{"topology", "loop"}, {"key", "k"}}}};
  Json outer = {{"needs", {{"topology", "loop"}, {"key", "k"}, {"payload", inner}}}};
  auto ids = f.run("loop", {outer});
  REQUIRE(f.wait_finished(ids));
  auto all = processes_of(f, "loop");
  REQUIRE(all.size() == 2);  // the first and the one it asked for; no more
  for (const auto& p : all) CHECK(p.state == ProcessState::failed);
  auto trash = f.trash();
  REQUIRE(trash.size() == 2);
  std::sort(trash.begin(), trash.end(), [](auto& a, auto& b) { return a.id < b.id; });
  CHECK_THAT(trash[0].error, Catch::Contains("is this message's own process: it would wait for itself forever"));
  CHECK_THAT(trash[1].error, Catch::Contains("needed process " + std::to_string(all[0].id)));
}
