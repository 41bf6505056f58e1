// A ProcessStarter (engine/process_starter.hpp) for the tests of what starts
// processes (the scheduler, the webhook handler): it records every request
// and commits the starts to a real store as the engine would (one message
// at the topology's entry node, the trigger's fire recorded with it), or
// refuses them with the error a test sets. No pump, no workers: a process
// stays running until the test finishes it.
#pragma once

#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include <weir/abi.h>

#include "engine/process_starter.hpp"
#include "store/store.hpp"

namespace weir::test {

class RecordingStarter : public engine::ProcessStarter {
 public:
  struct Asked {
    std::string topology;
    engine::StartRequest request;
  };

  explicit RecordingStarter(store::Store& store, std::string entry_node = "a")
      : store_(store), entry_node_(std::move(entry_node)) {}

  engine::StartResult start_processes(const std::string& topology,
                                      std::vector<engine::StartRequest> requests) override {
    std::lock_guard lock(mu_);
    for (const auto& r : requests) asked_.push_back({topology, r});
    if (!refusal_.empty()) return Status::error(refusal_);
    auto queue = store_.queue(topology, entry_node_);
    if (!queue) return queue.status();
    store::CommitBatch batch;
    for (auto& r : requests) {
      batch.new_processes.push_back(store::NewProcess{topology, r.correlation_id, {*queue},
                                                      r.headers, r.payload, r.trigger, r.fire_ms});
    }
    auto done = store_.commit(batch);
    if (!done) return done.status();
    return done->started;
  }

  void start_processes_async(const std::string& topology, std::vector<engine::StartRequest> requests,
                             engine::StartDone done) override {
    done(start_processes(topology, std::move(requests)));
  }

  // Answers every start with this error ("": takes them again).
  void refuse(std::string why) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(why);
  }

  std::vector<Asked> asked() const {
    std::lock_guard lock(mu_);
    return asked_;
  }

  // Completes the topology's running processes: their messages at the
  // entry node are leased and acknowledged with no outputs.
  void finish(const std::string& topology) {
    auto queue = store_.queue(topology, entry_node_);
    REQUIRE(queue.is_ok());
    store::CommitBatch lease;
    lease.leases = {{*queue, 1000}};
    auto leased = store_.commit(lease);
    REQUIRE(leased.is_ok());
    store::CommitBatch acks;
    for (const auto& m : leased->leased) {
      store::Ack a;
      a.input = m;
      a.outcome = WEIR_OUTCOME_SUCCESS;
      acks.acks.push_back(std::move(a));
    }
    auto done = store_.commit(acks);
    REQUIRE(done.is_ok());
  }

 private:
  store::Store& store_;
  const std::string entry_node_;
  mutable std::mutex mu_;
  std::vector<Asked> asked_;  // guarded by mu_
  std::string refusal_;       // guarded by mu_
};

}  // namespace weir::test
