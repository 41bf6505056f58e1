#include "routing.hpp"

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>
#include <weir/payload.hpp>

#include "common/content_hash.hpp"
#include "message/attempt_history.hpp"

namespace weir::engine {
namespace {

// To the trash, with this attempt (`error`, of `kind`) added to the
// message's history; `summary` (default: the error) heads the trash entry.
store::Ack failed(store::QueuedMessage&& input, std::string error, const Moment& clock,
                  std::string_view kind = "failed", std::string summary = "") {
  store::Ack ack;
  store::Bytes errors =
      message::append_attempt(input.errors, clock.now_ms, input.attempt, kind, error);
  const std::int64_t first = message::first_attempt_at(errors, clock.now_ms);
  ack.input = std::move(input);
  ack.failed = store::TrashInfo{summary.empty() ? std::move(error) : std::move(summary),
                                std::move(errors), first};
  return ack;
}

// Again later, or, after the policy's last attempt, to the trash.
store::Ack retry(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome,
                 const Moment& clock) {
  const RetryPolicy& policy = node.retry;
  std::string why = outcome.error.empty() ? "retry later (no reason given)" : outcome.error;
  if (static_cast<int>(input.attempt) >= policy.max_attempts) {
    std::string summary =
        "gave up after " + std::to_string(policy.max_attempts) + " attempts: " + why;
    return failed(std::move(input), std::move(why), clock, "retry", std::move(summary));
  }
  const auto wait = policy.wait_before(static_cast<int>(input.attempt) + 1,
                                       std::chrono::milliseconds(outcome.delay_ms),
                                       clock.unit_random);
  store::Ack ack;
  store::Bytes errors =
      message::append_attempt(input.errors, clock.now_ms, input.attempt, "retry", why);
  ack.input = std::move(input);
  ack.retry = store::RetryInfo{clock.now_ms + wait.count(), std::move(errors), std::move(why)};
  return ack;
}

// Not before a process of another topology has run; or, when that cannot
// be, to the trash saying why.
store::Ack prerequisite(const NodeRuntime& node, store::QueuedMessage&& input,
                        MessageOutcome&& outcome, const Moment& clock,
                        const EntryPoints& topologies) {
  const std::string& wanted = outcome.prerequisite_topology;
  std::string why = outcome.error.empty() ? "needs topology " + wanted + " to run first"
                                          : std::move(outcome.error);
  auto entry = topologies.find(wanted);
  if (entry == topologies.end()) {
    std::string known;
    for (const auto& [name, _] : topologies) known += (known.empty() ? "" : ", ") + name;
    return failed(std::move(input),
                  "node " + node.topology + "/" + node.node + " needs topology " + wanted +
                      " to run first, but this host runs no topology " + wanted +
                      " (not loaded, disabled or invalid; it runs: " +
                      (known.empty() ? "none" : known) + ")",
                  clock, "prerequisite");
  }
  // A round of waiting is an attempt, like a retry (abi.h), so the node's
  // max_attempts bounds how often it may ask; the text says what happened.
  if (static_cast<int>(input.attempt) >= node.retry.max_attempts) {
    int rounds = 0;
    for (const auto& entry : message::history_json(input.errors)) {
      rounds += entry.value("kind", "") == "prerequisite";
    }
    std::string summary = "gave up after " + std::to_string(node.retry.max_attempts) +
                          " attempts: " + why + " (it waited for topology " + wanted + " " +
                          std::to_string(rounds) + " time(s) before, and the node still asks)";
    return failed(std::move(input), std::move(why), clock, "prerequisite", std::move(summary));
  }
  store::PrerequisiteInfo pre;
  pre.topology = wanted;
  // The key makes runs for the same thing one; by default the payload is it.
  pre.key = outcome.prerequisite_key.empty()
                ? "sha256:" + sha256_hex(outcome.prerequisite_payload)
                : std::move(outcome.prerequisite_key);
  pre.entry_queues = entry->second;
  pre.payload = std::move(outcome.prerequisite_payload);
  pre.errors = message::append_attempt(input.errors, clock.now_ms, input.attempt,
                                       "prerequisite", why);
  pre.why = std::move(why);
  store::Ack ack;
  ack.input = std::move(input);
  ack.prerequisite = std::move(pre);
  return ack;
}

std::string follower_list(const NodeRuntime& node) {
  if (node.followers.empty()) return "it has none";
  std::string out;
  for (const auto& f : node.followers) out += (out.empty() ? "" : ", ") + f.node;
  return "followers: " + out;
}

// The followers a FORWARD names, or an error naming the one that is not.
std::vector<const Follower*> forward_targets(const NodeRuntime& node,
                                             const std::vector<std::string>& names,
                                             std::string* error) {
  std::vector<const Follower*> out;
  for (const auto& name : names) {
    auto it = std::find_if(node.followers.begin(), node.followers.end(),
                           [&](const Follower& f) { return f.node == name; });
    if (it == node.followers.end()) {
      *error = "node " + node.topology + "/" + node.node + " forwarded to '" + name +
               "', which is not one of its followers (" + follower_list(node) + ")";
      return {};
    }
    if (std::find(out.begin(), out.end(), &*it) == out.end()) out.push_back(&*it);
  }
  return out;
}

store::Ack decide(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome,
                  const Moment& clock, const EntryPoints& topologies) {
  if (outcome.outcome == WEIR_OUTCOME_FAILED || outcome.outcome == 0) {
    return failed(std::move(input),
                  outcome.error.empty() ? "node " + node.topology + "/" + node.node + " (" +
                                              node.type->full_name + ") failed without a message"
                                        : std::move(outcome.error),
                  clock);
  }
  if (outcome.outcome == WEIR_OUTCOME_RETRY) {
    return retry(node, std::move(input), std::move(outcome), clock);
  }
  if (outcome.outcome == WEIR_OUTCOME_PREREQUISITE) {
    return prerequisite(node, std::move(input), std::move(outcome), clock, topologies);
  }
  store::Ack ack;
  if (outcome.outcome == WEIR_OUTCOME_STOP) {
    ack.input = std::move(input);
    ack.stopped = true;
    return ack;
  }
  std::vector<const Follower*> targets;
  if (outcome.outcome == WEIR_OUTCOME_FORWARD) {
    std::string error;
    targets = forward_targets(node, outcome.targets, &error);
    if (!error.empty()) return failed(std::move(input), std::move(error), clock);
  } else {
    for (const auto& f : node.followers) targets.push_back(&f);
  }
  const bool paging = outcome.outcome == WEIR_OUTCOME_CURSOR;
  if (paging && outcome.cursor.empty()) {
    return failed(std::move(input),
                  "node " + node.topology + "/" + node.node + " asked for its next page but gave "
                  "no cursor (it would start over forever)",
                  clock);
  }
  // A page with no items sends nothing on; a plain success passes the input.
  if (outcome.outputs.empty() && !paging) {
    outcome.outputs.push_back(EmittedOutput{{}, input.payload});
  }
  for (const Follower* f : targets) {
    for (const auto& out : outcome.outputs) {
      ack.outputs.push_back(store::Output{
          f->queue, out.headers.empty() ? input.headers : out.headers, out.payload, std::nullopt});
    }
  }
  if (paging) {  // the input itself comes back to this node at its next page
    ack.outputs.push_back(
        store::Output{node.queue, input.headers, input.payload, std::move(outcome.cursor)});
  }
  ack.input = std::move(input);
  return ack;
}

}  // namespace

store::Ack route(const NodeRuntime& node, store::QueuedMessage&& input, MessageOutcome&& outcome,
                 const Moment& clock, const EntryPoints& topologies) {
  const int code = outcome.outcome == 0 ? WEIR_OUTCOME_FAILED : outcome.outcome;
  store::Ack ack = decide(node, std::move(input), std::move(outcome), clock, topologies);
  // A retry or a prerequisite that gave up keeps its outcome in the trace.
  const bool waits = code == WEIR_OUTCOME_RETRY || code == WEIR_OUTCOME_PREREQUISITE;
  ack.outcome = ack.failed && !waits ? WEIR_OUTCOME_FAILED : code;
  const bool went_wrong = ack.failed || ack.retry || ack.prerequisite;
  ack.traced = node.trace == topology::Trace::all ||
               (node.trace == topology::Trace::failures && went_wrong);
  // A reload may install a newer version before this ack is committed.
  if (ack.failed) ack.failed->topology_version = node.version;
  return ack;
}

void add_confirmations(const NodeRuntime& node, const store::Ack& ack,
                       std::vector<store::StatePut>& puts) {
  if (ack.failed || ack.retry || ack.prerequisite || !ack.outputs.empty()) return;
  if (ack.outcome != WEIR_OUTCOME_SUCCESS && ack.outcome != WEIR_OUTCOME_FORWARD &&
      ack.outcome != WEIR_OUTCOME_STOP) {
    return;
  }
  const store::Bytes& h = ack.input.headers;
  static constexpr std::string_view kMark = kComparedHeaderPrefix;
  // Most lineages carry no comparison: find the mark before decoding.
  if (std::search(h.begin(), h.end(), kMark.begin(), kMark.end()) == h.end()) return;
  Headers headers;
  try {
    headers = payload::decode_headers(h);
  } catch (const PayloadError& e) {  // headers at rest were checked when emitted
    spdlog::error("[{}/{}] message {}: unreadable headers: {}", node.topology, node.node,
                  ack.input.id, e.what());
    return;
  }
  for (auto it = headers.lower_bound(kMark); it != headers.end(); ++it) {
    const std::string& name = it->first;
    if (name.compare(0, kMark.size(), kMark) != 0) break;
    const std::string comparator = name.substr(kMark.size());
    const std::string& value = it->second;
    const auto space = value.find(' ');
    if (comparator.empty() || space == std::string::npos || space == 0) {
      spdlog::warn("[{}/{}] message {}: header {} is not '<hash> <key>'; nothing confirmed",
                   node.topology, node.node, ack.input.id, name);
      continue;
    }
    puts.push_back(store::StatePut{
        node.topology, std::string(kComparedStatePrefix) + comparator + "/" + value.substr(space + 1),
        store::Bytes(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(space))});
  }
}

bool attempts_used_up(const NodeRuntime& node, const store::QueuedMessage& m) {
  return static_cast<int>(m.attempt) > node.retry.max_attempts;
}

store::Ack set_aside(const NodeRuntime& node, store::QueuedMessage&& input, const Moment& clock) {
  const std::uint32_t crashes = input.crashes;
  const std::uint32_t tries = input.attempt - 1;
  std::string summary =
      crashes > 0 ? "crashed the host " + std::to_string(crashes) + " time(s) in " +
                        std::to_string(tries) + " attempt(s); set aside so it cannot again"
                  : "gave up after " + std::to_string(tries) + " attempts";
  store::Ack ack;
  ack.outcome = store::kOutcomeSetAside;
  const std::int64_t first = message::first_attempt_at(input.errors, clock.now_ms);
  store::Bytes errors = input.errors;
  ack.input = std::move(input);
  ack.failed = store::TrashInfo{summary + " (" + node.topology + "/" + node.node + ")",
                                std::move(errors), first, node.version};
  return ack;
}

}  // namespace weir::engine
