// CommitPlan (engine/commit_plan.hpp): what a commit carries, on its own,
// without a store: batches are built and their outcomes fed back by hand.
#include <catch2/catch.hpp>

#include "engine/commit_plan.hpp"

using namespace weir;
using engine::CommitPlan;

namespace {

store::Ack ack(store::MessageId id, store::QueueId queue = 1) {
  store::Ack a;
  a.input.id = id;
  a.input.seq = id;
  a.input.queue = queue;
  return a;
}

std::vector<store::Ack> acks(store::MessageId first, int n) {
  std::vector<store::Ack> out;
  for (int i = 0; i < n; ++i) out.push_back(ack(first + static_cast<store::MessageId>(i)));
  return out;
}

store::StatePut put(const std::string& key, std::uint8_t value) {
  return store::StatePut{"t", key, store::Bytes{value}};
}

std::vector<store::MessageId> ids(const store::CommitBatch& b) {
  std::vector<store::MessageId> out;
  for (const auto& a : b.acks) out.push_back(a.input.id);
  return out;
}

std::vector<std::uint8_t> values(const store::CommitBatch& b) {
  std::vector<std::uint8_t> out;
  for (const auto& p : b.state_puts) out.push_back(p.value.at(0));
  return out;
}

store::CommitBatch build(CommitPlan& plan, const engine::EntryPoints& entries = {}) {
  return plan.build(entries, {}, {}, 0);
}

using Ids = std::vector<store::MessageId>;
using Values = std::vector<std::uint8_t>;

}  // namespace

TEST_CASE("a call's state writes never go into a commit without all of that call's acks") {
  CommitPlan plan(4);  // at most 4 acks a commit
  plan.add_call(acks(1, 3), {put("count", 3)});
  plan.add_call(acks(4, 3), {put("count", 6)});
  plan.add_call(acks(7, 1), {put("count", 7)});
  CHECK(plan.acks_waiting() == 7);

  // Call 2 does not fit beside call 1: it waits, with its state write.
  auto b1 = build(plan);
  CHECK(ids(b1) == Ids{1, 2, 3});
  CHECK(values(b1) == Values{3});
  plan.committed(b1, {});
  auto b2 = build(plan);
  CHECK(ids(b2) == Ids{4, 5, 6, 7});
  CHECK(values(b2) == Values{6, 7});
  plan.committed(b2, {});
  CHECK(plan.acks_waiting() == 0);
  CHECK(build(plan).empty());
}

TEST_CASE("a call bigger than the cap commits alone and whole") {
  CommitPlan plan(2);
  plan.add_call(acks(1, 5), {put("k", 1)});
  plan.add_call(acks(6, 1), {put("k", 2)});
  auto b = build(plan);
  CHECK(ids(b) == Ids{1, 2, 3, 4, 5});
  CHECK(values(b) == Values{1});
}

TEST_CASE("after a failed commit the same calls come back whole, in order, before newer ones") {
  CommitPlan plan(4);
  plan.add_call(acks(1, 2), {put("k", 1)});
  plan.add_call(acks(3, 2), {put("k", 2), put("j", 9)});
  auto b1 = build(plan);
  REQUIRE(ids(b1) == Ids{1, 2, 3, 4});
  // While it commits, another call answers; then the commit fails.
  plan.add_call(acks(5, 3), {put("k", 3)});
  plan.failed(b1, Status::error("disk full"));
  CHECK(plan.acks_waiting() == 7);
  // The cap takes the first two calls again, whole: never call 3's write
  // (a newer one for "k") without its acks, nor before the older ones.
  auto b2 = build(plan);
  CHECK(ids(b2) == Ids{1, 2, 3, 4});
  CHECK(values(b2) == Values{1, 2, 9});
  plan.committed(b2, {});
  auto b3 = build(plan);
  CHECK(ids(b3) == Ids{5, 6, 7});
  CHECK(values(b3) == Values{3});
}

TEST_CASE("a retirement waits until every ack added before it is committed") {
  CommitPlan plan(2);
  plan.add_call(acks(1, 2));
  plan.add_call(acks(3, 2));
  plan.add_retirement(store::QueueRetirement{7, "node gone", 1});
  auto b1 = build(plan);
  CHECK(b1.retirements.empty());  // acks 3 and 4 are not committed yet
  plan.committed(b1, {});
  auto b2 = build(plan);
  CHECK(b2.retirements.empty());  // they are in this very commit (retirements go first)
  plan.committed(b2, {});
  auto b3 = build(plan);
  REQUIRE(b3.retirements.size() == 1);
  CHECK(b3.retirements[0].queue == 7);
  // A failed commit keeps it.
  plan.failed(b3, Status::error("io"));
  CHECK(build(plan).retirements.size() == 1);
}

TEST_CASE("a retirement of a queue that is served again is forgotten") {
  CommitPlan plan(10);
  plan.add_retirement(store::QueueRetirement{7, "node gone", 1});
  plan.add_retirement(store::QueueRetirement{8, "node gone", 1});
  plan.forget_retirements({7});
  auto b = build(plan);
  REQUIRE(b.retirements.size() == 1);
  CHECK(b.retirements[0].queue == 8);
}

TEST_CASE("starts aim at the entry points as they are when the batch is built") {
  CommitPlan plan(10);
  auto start = std::make_unique<engine::StartCommand>();
  start->topology = "orders";
  start->requests.push_back(engine::StartRequest{store::Bytes{0xc0}, {}, "cid", "", 0});
  auto answered = start->reply.get_future();
  auto gone = std::make_unique<engine::StartCommand>();
  gone->topology = "removed";
  gone->requests.push_back(engine::StartRequest{store::Bytes{0xc0}, {}, "", "", 0});
  auto refused = gone->reply.get_future();
  plan.add_start(std::move(start));
  plan.add_start(std::move(gone));

  auto b = build(plan, {{"orders", {11, 12}}});
  REQUIRE(refused.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK_THAT(refused.get().error(), Catch::Contains("topology removed is not running any more"));
  REQUIRE(b.new_processes.size() == 1);
  CHECK(b.new_processes[0].entry_queues == std::vector<store::QueueId>{11, 12});
  store::CommitResult r;
  r.started = {42};
  plan.committed(b, r);
  CHECK(answered.get().value() == std::vector<store::ProcessId>{42});
}

TEST_CASE("replays say which queues are served when the batch is built, and get each answer") {
  CommitPlan plan(10);
  auto cmd = std::make_unique<engine::ReplayCommand>();
  cmd->replay.trash_ids = {5, 6, 7};
  auto answered = cmd->reply.get_future();
  plan.add_replay(std::move(cmd));
  auto b = plan.build({}, {3, 4}, {}, 0);
  REQUIRE(b.replays.size() == 1);
  REQUIRE(b.replays[0].served_queues.has_value());
  CHECK(*b.replays[0].served_queues == std::vector<store::QueueId>{3, 4});
  store::CommitResult r;
  r.replayed = {5};
  r.replay_refused = {6};
  r.not_in_trash = {7};
  plan.committed(b, r);
  auto out = answered.get();
  REQUIRE(out.is_ok());
  CHECK(out->replayed == std::vector<std::int64_t>{5});
  CHECK(out->not_served == std::vector<std::int64_t>{6});
  CHECK(out->not_in_trash == std::vector<std::int64_t>{7});
}
