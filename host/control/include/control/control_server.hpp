// ControlServer: answers operator commands on ipc://<data_dir>/weir.sock
// (file mode 0600: only the user running the host may talk to it).
//
// One thread owns the ROUTER socket. `run` blocks it for one commit (so a
// slow disk also slows `status`). Replies may be deferred: process.wait is
// answered when its processes complete (or with an error when the host
// stops), which the engine reports through
// on_process_finished() from the pump thread (queued here, eventfd wakeup).
//
// Threads: start/stop from the runtime's thread; on_process_finished from
// any thread; everything else runs on the server thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "control/host_view.hpp"
#include "control/protocol.hpp"

namespace weir::control {

class ControlServer {
 public:
  ControlServer(HostView host, std::string socket_path);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds the socket (refusing if another host answers on it) and starts serving.
  Status start();
  void stop();

  void on_process_finished(const store::ProcessRecord& p);

 private:
  struct Request {
    std::vector<zmq::message_t> route;  // identity and delimiter frames, echoed back
    Json body;
  };
  struct Wait {
    std::vector<zmq::message_t> route;
    std::vector<store::ProcessId> ids;
    std::map<store::ProcessId, store::ProcessRecord> finished;
  };

  void run();
  void receive();
  void reply(std::vector<zmq::message_t>& route, const Json& body);
  Json handle(Request& req);  // null Json: the reply is deferred
  Json handle_run(Request& req);
  Json handle_wait(Request& req);
  Json process_ls(const Json& body);
  Json process_show(const Json& body);
  store::AuditEntry who(const Json& body) const;
  void answer_open_waits();
  void deliver_finished();
  void complete(std::size_t wait_index);
  // Runs `work` on a thread of its own and replies with what it returns
  // (through done_, on the server thread). For commands that wait on the
  // outside world (apps.check).
  void reply_later(Request& req, std::function<Json()> work);
  void deliver_done();

  HostView host_;
  std::string socket_path_;
  zmq::context_t ctx_;
  zmq::socket_t router_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;

  std::mutex mu_;
  std::vector<store::ProcessRecord> finished_;  // guarded by mu_
  std::vector<std::pair<std::vector<zmq::message_t>, Json>> done_;  // guarded by mu_
  // reply_later's threads (server thread only): a finished one is joined
  // when its answer is delivered, the rest in stop().
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::vector<Job> jobs_;
  void reap_jobs();
  std::atomic<int> waits_open_{0};             // >0: finished processes are worth queueing

  std::vector<std::optional<Wait>> waits_;                            // server thread
  std::multimap<store::ProcessId, std::size_t> waits_by_process_;     // server thread
};

}  // namespace weir::control
