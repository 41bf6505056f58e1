// Routing's part in core.comparator (engine/routing.hpp, add_confirmations):
// which ends of an item's path store its fingerprint, with no store and no
// plugin: outcomes are made by hand and routed as the pump routes them.
#include <catch2/catch.hpp>
#include <weir/abi.h>
#include <weir/payload.hpp>

#include "engine/routing.hpp"

using namespace weir;
using engine::MessageOutcome;
using engine::NodeRuntime;

namespace {

// The node `id` of topology "catalog", with followers or none.
std::unique_ptr<NodeRuntime> node(const std::string& id, bool with_follower) {
  auto n = std::make_unique<NodeRuntime>();
  n->topology = "catalog";
  n->node = id;
  n->queue = 1;
  if (with_follower) n->followers.push_back(engine::Follower{"next", 2});
  return n;
}

store::QueuedMessage input(const Headers& headers) {
  store::QueuedMessage m;
  m.id = 9;
  m.queue = 1;
  m.headers = payload::encode_headers(headers);
  m.payload = payload::from_json(Json{{"sku", "A"}});
  return m;
}

const Headers kCompared{{"weir-cmp/compare", "0123456789abcdef0123456789abcdef SKU A/1"},
                        {"weir-cmp/prices", "ffffffffffffffffffffffffffffffff SKU A/1"},
                        {"x-other", "1"}};

std::vector<store::StatePut> confirmations(const NodeRuntime& n, int outcome,
                                           const Headers& headers = kCompared) {
  MessageOutcome o;
  o.outcome = outcome;
  if (outcome == WEIR_OUTCOME_FAILED) o.error = "the shop said no";
  if (outcome == WEIR_OUTCOME_RETRY) o.error = "503";
  store::Ack ack = engine::route(n, input(headers), std::move(o), engine::Moment{1000, 0.5}, {});
  std::vector<store::StatePut> puts;
  engine::add_confirmations(n, ack, puts);
  return puts;
}

}  // namespace

TEST_CASE("a path that ends well stores each comparator's fingerprint, in its topology's state") {
  auto write = node("write", false);
  auto puts = confirmations(*write, WEIR_OUTCOME_SUCCESS);
  REQUIRE(puts.size() == 2);
  CHECK(puts[0].topology == "catalog");
  CHECK(puts[0].key == "cmp/compare/SKU A/1");  // the key whole, spaces and slashes kept
  CHECK(std::string(puts[0].value.begin(), puts[0].value.end()) ==
        "0123456789abcdef0123456789abcdef");
  CHECK(puts[1].key == "cmp/prices/SKU A/1");
  // A deliberate STOP ends the path well too, wherever it is.
  CHECK(confirmations(*node("filter", true), WEIR_OUTCOME_STOP).size() == 2);
}

TEST_CASE("no fingerprint is stored while the item goes on, or when its write did not succeed") {
  CHECK(confirmations(*node("compare", true), WEIR_OUTCOME_SUCCESS).empty());  // goes on
  auto write = node("write", false);
  CHECK(confirmations(*write, WEIR_OUTCOME_FAILED).empty());
  CHECK(confirmations(*write, WEIR_OUTCOME_RETRY).empty());
  CHECK(confirmations(*write, WEIR_OUTCOME_SUCCESS, {{"x-other", "1"}}).empty());
  // A header that is not "<hash> <key>" confirms nothing.
  CHECK(confirmations(*write, WEIR_OUTCOME_SUCCESS, {{"weir-cmp/compare", "nokey"}}).empty());
}
