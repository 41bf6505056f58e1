// The pump's dispatch parts on their own: NodeTable (slots, queues, entry
// points, swaps), Dispatcher (buffers, calls, leases) and Quarantine. Calls
// are "sent" into a list; the store is a real SQLite file (for note_started).
#include <catch2/catch.hpp>

#include "engine/dispatcher.hpp"
#include "engine/node_table.hpp"
#include "engine/quarantine.hpp"
#include "support/temp_dir.hpp"

using namespace weir;
using engine::Dispatcher;
using engine::NodeRuntime;
using engine::NodeTable;
using engine::Quarantine;

namespace {

// A node that "runs": the dispatcher never calls into the instance, it only
// asks whether there is one, so any non-null handle does.
int g_handle = 0;

std::shared_ptr<NodeRuntime> node(const std::string& name, store::QueueId queue,
                                  int concurrency = 1, std::size_t max_batch = 1,
                                  bool runs = true) {
  auto n = std::make_shared<NodeRuntime>();
  n->topology = "t";
  n->node = name;
  n->queue = queue;
  n->concurrency = concurrency;
  n->max_batch = max_batch;
  n->retry.max_attempts = 3;
  if (runs) n->instance = reinterpret_cast<weir_node_instance*>(&g_handle);
  return n;
}

store::QueuedMessage queued(store::QueueId queue, std::uint64_t seq, std::uint32_t crashes = 0) {
  store::QueuedMessage m;
  m.id = seq;
  m.seq = seq;
  m.queue = queue;
  m.crashes = crashes;
  m.attempt = 1 + crashes;
  return m;
}

struct Sent {
  std::string worker;
  std::uint64_t call_id;
  std::string node;
  std::vector<std::uint64_t> seqs;
};

struct Rig {
  test::TempDir dir;
  std::unique_ptr<store::Store> store =
      store::open_sqlite_store(store::SqliteOptions{dir.file("weir.db")}).value();
  NodeTable table;
  std::vector<Sent> sent;
  Dispatcher dispatcher{table, *store,
                        [this](const std::string& w, std::uint64_t id, NodeRuntime& n,
                               const std::vector<store::QueuedMessage>& in) {
                          Sent s{w, id, n.node, {}};
                          for (const auto& m : in) s.seqs.push_back(m.seq);
                          sent.push_back(s);
                        }};

  void install(std::vector<std::shared_ptr<NodeRuntime>> nodes, const std::string& topology = "t") {
    std::vector<store::QueueId> entries{nodes.empty() ? 0 : nodes.front()->queue};
    auto swapped = table.swap(topology, std::move(nodes), entries);
    (void)dispatcher.hand_over(swapped);
  }
  void lease(store::QueueId queue, std::uint64_t from, std::uint64_t to) {
    std::vector<store::QueuedMessage> leased;
    for (auto s = from; s <= to; ++s) leased.push_back(queued(queue, s));
    auto taken = dispatcher.take_leased(std::move(leased));
    REQUIRE(taken.set_aside.empty());
    REQUIRE(taken.releases.empty());
  }
  void workers(int n) {
    for (int i = 0; i < n; ++i) dispatcher.worker_announced("w" + std::to_string(i));
  }
};

}  // namespace

TEST_CASE("dispatch: at most concurrency calls of max_batch each, to idle workers, nodes in turn") {
  Rig r;
  r.install({node("a", 1, 2, 3), node("b", 2, 1, 1)});
  r.lease(1, 1, 10);
  r.lease(2, 11, 12);
  r.workers(5);
  CHECK_FALSE(r.dispatcher.dispatch());
  // a: two calls of three (its concurrency), b: one call of one.
  REQUIRE(r.sent.size() == 3);
  CHECK(r.sent[0].node == "a");
  CHECK(r.sent[0].seqs == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(r.sent[1].node == "b");
  CHECK(r.sent[2].node == "a");
  CHECK(r.sent[2].seqs == std::vector<std::uint64_t>{4, 5, 6});
  CHECK_FALSE(r.dispatcher.can_dispatch());  // both nodes are at their concurrency
  // a's first call answers: its worker is idle again and a gets its next call.
  auto ended = r.dispatcher.end_call(r.sent[0].call_id);
  REQUIRE(ended);
  CHECK(ended->slot == 0);
  CHECK(ended->inputs.size() == 3);
  r.dispatcher.worker_idle(r.sent[0].worker);
  CHECK(r.dispatcher.can_dispatch());
  r.dispatcher.dispatch();
  REQUIRE(r.sent.size() == 4);
  CHECK(r.sent[3].seqs == std::vector<std::uint64_t>{7, 8, 9});
  CHECK_FALSE(r.dispatcher.end_call(999));  // unknown call
}

TEST_CASE("dispatch: an application's nodes run on its lane's workers only, the rest on shared ones") {
  Rig r;
  auto shop = node("shop", 1, 8, 1);
  shop->lane = "shop";
  r.install({shop, node("pass", 2, 8, 1)});
  r.lease(1, 1, 20);
  r.lease(2, 21, 40);
  CHECK(Dispatcher::lane_of("w3").empty());
  CHECK(Dispatcher::lane_of("shop/2") == "shop");
  r.workers(2);
  r.dispatcher.worker_announced("shop/0");
  CHECK_FALSE(r.dispatcher.dispatch());
  // shop is at concurrency 8 but its lane has one worker: one call; pass gets the two shared.
  REQUIRE(r.sent.size() == 3);
  int shop_calls = 0;
  for (const auto& s : r.sent) {
    if (s.node == "shop") {
      ++shop_calls;
      CHECK(s.worker == "shop/0");
    } else {
      CHECK(Dispatcher::lane_of(s.worker).empty());
    }
  }
  CHECK(shop_calls == 1);
  // A shared worker coming free goes to pass, never to shop (its call waits for budget).
  const Sent pass_call = r.sent[0].node == "pass" ? r.sent[0] : r.sent[1];
  REQUIRE(r.dispatcher.end_call(pass_call.call_id));
  r.dispatcher.worker_idle(pass_call.worker);
  CHECK(r.dispatcher.can_dispatch());
  r.dispatcher.dispatch();
  REQUIRE(r.sent.size() == 4);
  CHECK(r.sent[3].node == "pass");
  CHECK_FALSE(r.dispatcher.can_dispatch());  // shop has work, but its lane is busy
  // A second worker of the lane: shop's next call goes to it.
  r.dispatcher.worker_announced("shop/1");
  CHECK(r.dispatcher.can_dispatch());
  r.dispatcher.dispatch();
  REQUIRE(r.sent.size() == 5);
  CHECK(r.sent[4].node == "shop");
  CHECK(r.sent[4].worker == "shop/1");
}

TEST_CASE("dispatch stops at a crash suspect and reports its node, and it then goes alone") {
  Rig r;
  r.install({node("a", 1, 4, 10)});
  std::vector<store::QueuedMessage> leased = {queued(1, 1, /*crashes=*/1), queued(1, 2),
                                              queued(1, 3)};
  (void)r.dispatcher.take_leased(std::move(leased));
  r.workers(2);
  auto suspect = r.dispatcher.dispatch();
  REQUIRE(suspect);
  CHECK(*suspect == 0);
  CHECK(r.sent.empty());
  REQUIRE(r.dispatcher.dispatch_alone(0));
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].seqs == std::vector<std::uint64_t>{1});  // a batch of one
}

TEST_CASE("leases top each buffer up to two rounds of full calls, never for retiring nodes") {
  Rig r;
  r.install({node("a", 1, 2, 5), node("b", 2, 1, 1)});
  auto plan = r.dispatcher.plan_leases(false);
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].queue == 1);
  CHECK(plan[0].max == 20);  // 2 x 2 x 5
  CHECK(plan[1].max == 2);
  r.lease(1, 1, 8);
  CHECK(r.dispatcher.plan_leases(false)[0].max == 12);
  CHECK(r.dispatcher.plan_leases(true).empty());  // quiet: a quarantine
  r.dispatcher.retire({1});
  REQUIRE(r.dispatcher.plan_leases(false).size() == 1);
  // A lease that came back short: nothing more to lease there until a
  // commit puts messages into that queue.
  store::CommitBatch b;
  b.leases = {{1, 12}};
  r.dispatcher.note_readiness(b, {});
  CHECK(r.dispatcher.plan_leases(false).empty());
  store::CommitBatch more;
  store::Ack a;
  a.outputs.push_back(store::Output{1, {}, {0xc0}, std::nullopt});
  more.acks.push_back(a);
  r.dispatcher.note_readiness(more, {});
  CHECK(r.dispatcher.plan_leases(false).size() == 1);
}

TEST_CASE("giving back keeps what calls hold, and a quarantined suspect") {
  Rig r;
  r.install({node("a", 1, 1, 2), node("b", 2, 1, 1)});
  r.lease(1, 1, 6);
  r.lease(2, 7, 9);
  r.workers(1);
  r.dispatcher.dispatch();  // a: 1, 2 in a call
  auto back = r.dispatcher.give_back(1);
  REQUIRE(back.size() == 2);
  CHECK(back[0].queue == 1);
  CHECK(back[0].leased_through == 2);  // 3..6 go back
  CHECK(r.dispatcher.prefetched(0).empty());
  CHECK(back[1].queue == 2);
  CHECK(back[1].leased_through == 7);  // the suspect (first of b) stays
  CHECK(r.dispatcher.prefetched(1).size() == 1);
}

TEST_CASE("leased messages of a queue nobody serves go back, and used-up ones go to the trash") {
  Rig r;
  r.install({node("a", 1)});
  std::vector<store::QueuedMessage> leased = {queued(1, 1), queued(5, 2), queued(1, 3, 3)};
  auto taken = r.dispatcher.take_leased(std::move(leased));
  REQUIRE(taken.releases.size() == 1);
  CHECK(taken.releases[0].queue == 5);
  REQUIRE(taken.set_aside.size() == 1);  // 3 crashes in 3 attempts
  CHECK(taken.set_aside[0].input.seq == 3);
  CHECK_THAT(taken.set_aside[0].failed->error, Catch::StartsWith("crashed the host 3 time(s)"));
  CHECK(r.dispatcher.prefetched(0).size() == 1);
}

TEST_CASE("a swap hands a node's buffer to the new node of its queue, and nobody else's goes back") {
  Rig r;
  r.install({node("a", 1), node("b", 2)});
  r.lease(1, 1, 2);
  r.lease(2, 3, 4);
  auto swapped = r.table.swap("t", {node("a", 1), node("c", 3)}, {1});
  REQUIRE(swapped.old.size() == 2);
  REQUIRE(swapped.handovers.size() == 2);
  auto released = r.dispatcher.hand_over(swapped);
  // a's heir (a new slot, not an old one) has a's two messages; b's queue
  // has no node now: its leases go back.
  const auto* slots = r.table.slots_of("t");
  REQUIRE(slots);
  REQUIRE(slots->size() == 2);
  CHECK((*slots)[0] == 2);
  CHECK(r.dispatcher.prefetched((*slots)[0]).size() == 2);
  REQUIRE(released.size() == 1);
  CHECK(released[0].queue == 2);
  CHECK(r.table.serving(2) == nullptr);
  CHECK(r.table.serving(3) != nullptr);
  // The next swap reuses the freed slots.
  auto again = r.table.swap("t", {node("a", 1)}, {1});
  CHECK(again.new_slots == std::vector<std::uint32_t>{1});
}

TEST_CASE("a paused heir still serves its queue, but its buffer goes back") {
  Rig r;
  r.install({node("a", 1)});
  r.lease(1, 1, 3);
  auto swapped = r.table.swap("t", {node("a", 1, 1, 1, /*runs=*/false)}, {1});
  auto released = r.dispatcher.hand_over(swapped);
  REQUIRE(released.size() == 1);
  CHECK(released[0].leased_through == 0);
  CHECK(r.table.serving(1) != nullptr);  // a replay may still go there; it waits
  CHECK(r.dispatcher.plan_leases(false).empty());
}

TEST_CASE("taking a topology out frees its slots, entry points and queues") {
  Rig r;
  r.install({node("a", 1)}, "one");
  r.install({node("b", 2)}, "two");
  CHECK(r.table.entry_points().size() == 2);
  auto out = r.table.swap("one", {}, {});
  CHECK(out.old.size() == 1);
  CHECK(r.table.slots_of("one") == nullptr);
  CHECK(r.table.entry_points().count("one") == 0);
  CHECK(r.table.served_queues() == std::vector<store::QueueId>{2});
}

TEST_CASE("a quarantine drains, releases, runs its suspect alone, and a stop abandons it") {
  Quarantine q;
  CHECK_FALSE(q.active());
  q.begin(3);
  CHECK(q.phase() == Quarantine::Phase::draining);
  CHECK_FALSE(q.time_to_release(/*calls_running=*/true, false));
  CHECK_FALSE(q.time_to_release(false, /*committing=*/true));
  CHECK(q.time_to_release(false, false));
  q.releases_planned();
  q.releases_committed();
  CHECK(q.phase() == Quarantine::Phase::ready);
  q.suspect_sent();
  CHECK_FALSE(q.call_ended(2));  // another node's call
  CHECK(q.call_ended(3));
  CHECK_FALSE(q.active());
  q.begin(1);
  q.abandon();
  CHECK_FALSE(q.active());
  CHECK_FALSE(q.time_to_release(false, false));
}
