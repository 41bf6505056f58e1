// The webhook receiver (webhooks::Receiver) on its own: requests handed to it as the
// server would, a real SQLite store, a starter that commits each start to it
// (recording_starter.hpp), and a ManualClock for what it decides from time:
// when the queued count behind http.max_queued is counted again.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "common/clock.hpp"
#include "webhooks/receiver.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "unit/recording_starter.hpp"

using namespace weir;
using weir::test::RecordingStarter;
using weir::test::TempDir;

namespace {

// orders: one node "a" (its entry) and an unsigned webhook "created".
topology::Topology orders() {
  topology::Topology t;
  t.name = "orders";
  t.nodes.push_back(topology::NodeSpec{"a", "core.pass"});
  topology::TriggerSpec hook;
  hook.id = "created";
  hook.webhook = topology::WebhookSpec{};
  hook.webhook->signature = "none";
  t.triggers.push_back(hook);
  return t;
}

struct Handler {
  explicit Handler(std::int64_t max_queued) {
    auto s = store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db"), true, 0});
    INFO(s.error());
    REQUIRE(s.is_ok());
    store = std::move(s).value();
    starter = std::make_unique<RecordingStarter>(*store);
    receiver = std::make_unique<webhooks::Receiver>(
        *starter, *store, std::vector<topology::Topology>{orders()}, 1 << 20, max_queued, clock);
  }

  // POSTs `body` to the hook; the answer (the starter answers at once).
  http::Response post(const std::string& body = "{\"id\": 1}") {
    http::Request r;
    r.method = "POST";
    r.target = r.path = "/hooks/orders/created";
    r.body = body;
    std::optional<http::Response> answer;
    receiver->handle(std::move(r), [&](http::Response out) { answer = std::move(out); });
    REQUIRE(answer.has_value());
    return *answer;
  }

  TempDir dir;
  ManualClock clock{1'900'000'000'000};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RecordingStarter> starter;
  std::unique_ptr<webhooks::Receiver> receiver;
};

}  // namespace

TEST_CASE("a webhook starts its process through the starter and answers 202 with its id") {
  Handler h(0);
  const http::Response r = h.post("{\"id\": 7}");
  CHECK(r.status == 202);
  const auto asked = h.starter->asked();
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].topology == "orders");
  CHECK(r.body == "{\"process\":1}\n");
  // A start the store cannot take: 503 with Retry-After, nothing stored.
  h.starter->refuse("the store is full");
  const http::Response refused = h.post();
  CHECK(refused.status == 503);
  CHECK(refused.body == "cannot accept now: the store is full\n");
  REQUIRE(refused.headers.size() == 1);
  CHECK(refused.headers[0] == std::pair<std::string, std::string>{"Retry-After", "5"});
}

TEST_CASE("the queued count behind http.max_queued is counted again only after 250 ms") {
  Handler h(2);
  // Counted at the first request (none queued), then trusted for 250 ms:
  // a burst overshoots the cap by what arrives meanwhile.
  for (int i = 0; i < 3; ++i) CHECK(h.post().status == 202);
  h.clock.advance(250);
  CHECK(h.post().status == 202);
  CHECK(h.starter->asked().size() == 4);
  h.clock.advance(1);  // 251 ms after the count: counted again, 4 queued
  const http::Response full = h.post();
  CHECK(full.status == 503);
  CHECK(full.body == "topology orders has 4 messages waiting at its first node(s), over the cap "
                     "of 2 (weir.yaml http.max_queued); try again later\n");
  CHECK(h.starter->asked().size() == 4);  // nothing of it went to the starter

  // The node catches up; the cap holds until the next count.
  h.starter->finish("orders");
  h.clock.advance(250);
  CHECK(h.post().status == 503);
  h.clock.advance(1);
  CHECK(h.post().status == 202);
  CHECK(h.starter->asked().size() == 5);
}

TEST_CASE("a clock that goes back makes the queued count be taken again at once") {
  Handler h(1);
  CHECK(h.post().status == 202);  // counted: none queued
  CHECK(h.post().status == 202);  // trusted: overshoots to 2
  h.clock.advance(-60'000);       // the wall clock is set back a minute
  CHECK(h.post().status == 503);  // counted again, not trusted for a minute
}
