// The pump: the engine's dispatcher thread. It ties four parts together,
// each with one job:
//   NodeTable   (node_table.hpp)   which node runs in each slot and serves
//                                  each queue; where each topology starts
//   Dispatcher  (dispatcher.hpp)   prefetch buffers, idle workers, calls in
//                                  flight; what to lease and give back
//   CommitPlan  (commit_plan.hpp)  what the next commit carries and what
//                                  becomes of it
//   Quarantine  (quarantine.hpp)   running a crash suspect alone
// and the Committer (committer.hpp), which runs store commits on its own
// thread. Each turn of the loop (run()):
//   1. waits for worker results (ZeroMQ ROUTER), commands (start, replay,
//      swap, stop) or a finished commit,
//   2. turns results into acks (routing.hpp) for the plan,
//   3. takes back a finished commit: leased messages fill the buffers,
//      completed processes go to the listeners,
//   4. swaps in reloaded nodes whose old ones are idle,
//   5. hands prefetched messages to idle workers,
//   6. if the committer is idle, gives it the next batch: in ONE store
//      transaction, acknowledged inputs with their outputs, new processes,
//      state writes, and leases that top up the buffers.
// While a commit waits for fsync the pump keeps dispatching and results
// pile up for the next one: commits grow with load (group commit) without
// any timer.
//
// A failed commit (disk full, I/O error) applies nothing: its results wait
// and are tried again with backoff; starts in it are answered with the
// error (the caller keeps its data); no message is lost.
//
// Reload: the engine sends a SwapCommand with a topology's new nodes (or
// none, to take it out). From then on the old nodes get no new calls and no
// leases; once their last call has answered and no commit is under way,
// the pump swaps (NodeTable::swap, Dispatcher::hand_over) and hands the old
// NodeRuntimes back to the engine, which destroys their instances. So a
// plugin build's calls finish on that build and new calls go to the new
// one. Queues of nodes the new version dropped are emptied into the trash
// once every result of the old nodes is committed (CommitPlan). Other
// topologies keep flowing throughout.
//
// Stop: no more leases or calls; once no commit is under way every lease no
// call holds is given back (one commit), running calls get up to
// drain_timeout to answer and their results commit, then every worker is
// told to quit. A stop abandons a quarantine (its suspect keeps its crash on
// record and runs alone at the next start).
//
// Threads: the constructor, install() and bind() on the engine's thread,
// run() on the pump thread; everything else is private to run().
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "command_queue.hpp"
#include "commit_plan.hpp"
#include "committer.hpp"
#include "dispatcher.hpp"
#include "node_runtime.hpp"
#include "node_table.hpp"
#include "quarantine.hpp"
#include "store/store.hpp"

namespace weir::engine {

struct PumpOptions {
  // How many workers will announce themselves: the shared ones and every
  // application lane's; the engine raises it before it starts a lane's
  // threads, so a stop waits for their announcements and quits them too.
  const std::atomic<std::size_t>* workers = nullptr;
  std::size_t max_acks_per_commit = 10000;
  std::chrono::milliseconds drain_timeout{30000};
};

class Pump {
 public:
  Pump(zmq::context_t& ctx, std::string endpoint, store::Store& store, CommandQueue& commands,
       PumpOptions options, std::vector<FinishedListener> listeners);

  // A topology's nodes, before run() (later ones come as SwapCommands).
  void install(const std::string& topology, std::vector<std::shared_ptr<NodeRuntime>> nodes,
               std::vector<store::QueueId> entry_queues);
  void bind();  // before any worker connects
  void run();   // until stopped and drained; then tells every worker to quit

 private:
  // The loop's steps, in order.
  void wait_for_input(bool busy);
  void receive();
  void take_commands();
  void collect_commit();
  void advance_swaps();
  void dispatch();
  void advance_quarantine();
  void plan_stop();
  void submit_commit();
  bool finished_stopping() const;

  bool work_waiting() const;
  void on_worker_message(zmq::message_t& identity, std::vector<zmq::message_t>& frames);
  void on_result(const std::string& worker, const zmq::message_t& header,
                 const zmq::message_t& body);
  void send_call(const std::string& worker, std::uint64_t call_id, NodeRuntime& node,
                 const std::vector<store::QueuedMessage>& inputs);
  bool swap_ready() const;
  std::vector<std::shared_ptr<NodeRuntime>> swap(SwapCommand& cmd);
  void on_committed(store::CommitBatch& batch, store::CommitResult& result);
  void on_commit_failed(store::CommitBatch& batch, const Status& error);
  bool retries_due() const;
  void quit_workers();

  zmq::socket_t router_;
  std::string endpoint_;
  store::Store& store_;
  CommandQueue& commands_;
  PumpOptions options_;
  std::vector<FinishedListener> listeners_;

  NodeTable table_;
  Dispatcher dispatcher_;
  CommitPlan plan_;
  Quarantine quarantine_;
  Committer committer_;
  std::deque<std::unique_ptr<SwapCommand>> swaps_;  // in order of arrival

  std::chrono::steady_clock::time_point retry_after_;  // after a failed commit
  std::chrono::milliseconds backoff_{0};
  // After a failed commit, until one that says which leases the host holds
  // (CommitBatch::held) commits.
  bool tell_held_ = false;
  std::int64_t next_due_ms_ = 1;  // wall clock ms of the next waiting retry (0: none);
                                  // 1 at start: the first commit looks
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};
  bool stopping_ = false;
  bool releases_planned_ = false;  // for the stop
  std::chrono::steady_clock::time_point drain_deadline_;
};

}  // namespace weir::engine
