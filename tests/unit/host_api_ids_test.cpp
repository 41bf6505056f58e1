// The ID map as a plugin sees it through the host API (engine/host_api.cpp):
// a call's own puts first, then the committed map of a real SQLite store;
// a remote id that is another local id's refused; bad ids refused; and the
// call's puts, committed, are the map after.
#include <catch2/catch.hpp>
#include <weir/abi.h>

#include "engine/host_api.hpp"
#include "support/temp_dir.hpp"

using namespace weir;

namespace {

weir_str s(std::string_view v) { return weir_str{v.data(), v.size()}; }

struct Call {
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  engine::NodeRuntime node;
  engine::CallState state;
  const weir_host_api* api = engine::host_api();

  Call() {
    auto opened = store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db")});
    REQUIRE(opened.is_ok());
    store = std::move(opened).value();
    node.topology = "t";
    node.node = "write";
    state.node = &node;
    state.store = store.get();
  }
  // 1 and the id, 0 and "", or -1.
  std::pair<int, std::string> get(std::string_view local) {
    std::string out;
    int r = api->id_get(state.as_call(), s("shop"), s("product"), s(local), sink, &out);
    return {r, out};
  }
  std::pair<int, std::string> find(std::string_view remote) {
    std::string out;
    int r = api->id_find(state.as_call(), s("shop"), s("product"), s(remote), sink, &out);
    return {r, out};
  }
  int put(std::string_view local, std::string_view remote) {
    return api->id_put(state.as_call(), s("shop"), s("product"), s(local), s(remote));
  }
  static void sink(void* user, weir_str v) { static_cast<std::string*>(user)->assign(v.data, v.size); }
};

using Answer = std::pair<int, std::string>;

}  // namespace

TEST_CASE("id map through the host API: own puts first, then committed, conflicts refused") {
  Call c;
  REQUIRE(WEIR_HAS_FIELD(c.api, weir_host_api, id_put));
  store::CommitBatch before;
  before.id_puts.push_back({"shop", "product", "A", "1"});
  REQUIRE(c.store->commit(before).is_ok());

  CHECK(c.get("A") == Answer{1, "1"});
  CHECK(c.get("B") == Answer{0, ""});
  CHECK(c.find("1") == Answer{1, "A"});

  CHECK(c.put("B", "1") == -1);  // 1 is A's
  CHECK(c.put("B", "2") == 0);
  CHECK(c.get("B") == Answer{1, "2"});  // this call's own put
  CHECK(c.find("2") == Answer{1, "B"});
  CHECK(c.put("A", "3") == 0);          // A moves on in this call ...
  CHECK(c.find("1") == Answer{0, ""});  // ... so 1 is no one's any more
  CHECK(c.put("C", "1") == 0);
  CHECK(c.put("B", "") == 0);           // forget B
  CHECK(c.get("B") == Answer{0, ""});

  // Ids are text of 1 to 1024 bytes, UTF-8.
  CHECK(c.put("", "9") == -1);
  CHECK(c.put(std::string(1025, 'x'), "9") == -1);
  CHECK(c.put("D", "\xff") == -1);
  CHECK(c.get("") == Answer{-1, ""});

  // Committed with the call's results, the map is what the call saw.
  store::CommitBatch after;
  after.id_puts = c.state.result.id_puts;
  REQUIRE(c.store->commit(after).is_ok());
  auto list = c.store->id_list(store::IdFilter{"shop", "product", "", 10}).value();
  REQUIRE(list.size() == 2);
  CHECK(list[0].local_id == "A");
  CHECK(list[0].remote_id == "3");
  CHECK(list[1].local_id == "C");
  CHECK(list[1].remote_id == "1");
}

TEST_CASE("id map in the store: a newer mapping replaces the ones it conflicts with, on both sides") {
  test::TempDir dir;
  auto s = store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db")}).value();
  store::CommitBatch b;
  b.id_puts = {{"shop", "product", "A", "1"}, {"shop", "product", "B", "2"},
               {"erp", "product", "A", "1"},   // another system: its own map
               {"shop", "product", "C", "1"}};  // 1 moves from A to C in the same commit
  REQUIRE(s->commit(b).is_ok());
  CHECK_FALSE(s->id_get("shop", "product", "A").value().has_value());
  CHECK(s->id_get("shop", "product", "C").value() == "1");
  CHECK(s->id_find("shop", "product", "1").value() == "C");
  CHECK(s->id_get("erp", "product", "A").value() == "1");
  // Paging by local id within one system and entity.
  auto page = s->id_list(store::IdFilter{"shop", "product", "B", 10}).value();
  REQUIRE(page.size() == 1);
  CHECK(page[0].local_id == "C");
  CHECK(s->id_list(store::IdFilter{}).value().size() == 3);
}
