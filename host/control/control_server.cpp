#include "control/control_server.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/private_files.hpp"
#include "control/control_client.hpp"
#include "state_commands.hpp"
#include "trash_commands.hpp"
#include "views.hpp"
#include "message/msgpack_check.hpp"

namespace weir::control {

ControlServer::ControlServer(HostView host, std::string socket_path)
    : host_(host), socket_path_(std::move(socket_path)), ctx_(1), router_(ctx_, zmq::socket_type::router) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

ControlServer::~ControlServer() {
  stop();
  ::close(wake_fd_);
}

Status ControlServer::start() {
  // Binding over a live host's socket would silently steal it from that host.
  auto probe = ControlClient(socket_path_).call(Json{{"cmd", "ping"}}, std::chrono::milliseconds(1000));
  if (probe) return Status::error("another weir host already answers on ipc://" + socket_path_);
  // The socket is private from the moment it exists because it is bound
  // inside a private directory (the host makes the data directory 0700
  // first): no umask change, which would be process-wide while other threads
  // already run. The chmod below is for the socket's own mode.
  const std::string dir = std::filesystem::path(socket_path_).parent_path().string();
  Status private_dir = check_private_dir(dir.empty() ? "." : dir, "control socket directory");
  if (!private_dir) return private_dir.prefixed("cannot listen on ipc://" + socket_path_);
  std::error_code ec;
  std::filesystem::remove(socket_path_, ec);
  try {
    router_.set(zmq::sockopt::linger, 0);
    router_.bind("ipc://" + socket_path_);
  } catch (const zmq::error_t& e) {
    return Status::error("cannot listen on ipc://" + socket_path_ + ": " + e.what());
  }
  if (::chmod(socket_path_.c_str(), 0600) != 0) {
    return Status::error("cannot make " + socket_path_ + " private (chmod 0600)");
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "weir-control");
    run();
  });
  spdlog::info("control: listening on ipc://{}", socket_path_);
  return Status::ok();
}

void ControlServer::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  for (auto& job : jobs_) job.thread.join();  // each ends within its own timeout
  jobs_.clear();
  answer_open_waits();
  router_.close();
  std::error_code ec;
  std::filesystem::remove(socket_path_, ec);
}

void ControlServer::on_process_finished(const store::ProcessRecord& p) {
  if (waits_open_.load() == 0) return;
  {
    std::lock_guard lock(mu_);
    finished_.push_back(p);
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void ControlServer::reply_later(Request& req, std::function<Json()> work) {
  auto route = std::make_shared<std::vector<zmq::message_t>>(std::move(req.route));
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread t([this, route, finished, work = std::move(work)] {
    Json answer = work();
    {
      std::lock_guard lock(mu_);
      done_.emplace_back(std::move(*route), std::move(answer));
    }
    finished->store(true);
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  });
  jobs_.push_back(Job{std::move(t), std::move(finished)});
}

void ControlServer::reap_jobs() {
  std::erase_if(jobs_, [](Job& job) {
    if (!job.finished->load()) return false;
    job.thread.join();  // it has only its return left
    return true;
  });
}

void ControlServer::deliver_done() {
  std::vector<std::pair<std::vector<zmq::message_t>, Json>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
  }
  for (auto& [route, body] : done) reply(route, body);
  reap_jobs();
}

void ControlServer::run() {
  while (!stop_) {
    zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[1].revents & ZMQ_POLLIN) {
      std::uint64_t count;
      [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
      deliver_finished();
      deliver_done();
    }
    if (items[0].revents & ZMQ_POLLIN) receive();
  }
}

void ControlServer::receive() {
  while (true) {
    std::vector<zmq::message_t> frames;
    zmq::message_t frame;
    if (!router_.recv(frame, zmq::recv_flags::dontwait)) return;
    frames.push_back(std::move(frame));
    while (router_.get(zmq::sockopt::rcvmore)) {
      frames.emplace_back();
      (void)router_.recv(frames.back());
    }
    Request req;
    auto body = decode(frames.back());
    frames.pop_back();
    req.route = std::move(frames);
    Json answer;
    try {
      if (body) {
        req.body = std::move(*body);
        answer = handle(req);
      } else {
        answer = error_reply(body.error());
      }
    } catch (const std::exception& e) {
      answer = error_reply(std::string("bad request: ") + e.what());
    }
    if (!answer.is_null()) reply(req.route, answer);
  }
}

void ControlServer::reply(std::vector<zmq::message_t>& route, const Json& body) {
  for (auto& f : route) router_.send(f, zmq::send_flags::sndmore);
  router_.send(encode(body), zmq::send_flags::none);
}

Json ControlServer::handle(Request& req) {
  const std::string cmd = req.body.value("cmd", "");
  if (cmd == "ping") return ok_reply(Json{{"pong", true}});
  if (cmd == "status") {
    auto s = status_view(host_);
    return s ? ok_reply(*s) : error_reply(s.error());
  }
  if (cmd == "plugins.ls") return ok_reply(plugins_view(host_));
  if (cmd == "topology.ls") return ok_reply(topologies_view(host_));
  if (cmd == "apps.ls") return ok_reply(apps_view(host_));
  if (cmd == "limiter.ls") {
    return ok_reply(host_.limiters ? host_.limiters() : Json{{"limiters", Json::array()}});
  }
  if (cmd == "apps.check") {
    if (!host_.check_app) return error_reply("this host does not check applications");
    if (!req.body.contains("app") || !req.body["app"].is_string()) {
      return error_reply("apps.check needs {\"app\": name}");
    }
    const std::string app = req.body["app"].get<std::string>();
    reply_later(req, [check = host_.check_app, app] { return ok_reply(check(app)); });
    return Json();
  }
  if (cmd == "topology.discard") {
    if (!host_.discard_topology) return error_reply("this host cannot discard");
    const std::string name = req.body.value("name", "");
    const store::AuditEntry by = who(req.body);
    std::string reason = "discarded by " + by.actor + " (weir topology discard)";
    if (!req.body.value("reason", "").empty()) reason += ": " + req.body.value("reason", "");
    auto n = host_.discard_topology(name, reason);
    return n ? ok_reply(Json{{"discarded", *n}}) : error_reply(n.error());
  }
  if (cmd == "reload") {  // what the watcher does, now; answers what is in effect after it
    if (!host_.reload) return error_reply("this host does not reload");
    host_.reload();
    return ok_reply(topologies_view(host_));
  }
  if (cmd == "run") return handle_run(req);
  if (cmd == "process.wait") return handle_wait(req);
  if (cmd == "process.ls") return process_ls(req.body);
  if (cmd == "process.show") return process_show(req.body);
  if (cmd == "trash.ls") return trash_ls(host_, req.body);
  if (cmd == "trash.show") return trash_show(host_, req.body);
  if (cmd == "trash.replay") return trash_replay(host_, req.body, who(req.body));
  if (cmd == "trash.discard") return trash_discard(host_, req.body, who(req.body));
  if (cmd == "audit.ls") return audit_ls(host_, req.body);
  if (cmd == "comparator.reset") return comparator_reset(host_, req.body, who(req.body));
  if (cmd == "sync.reset") return sync_reset(host_, req.body, who(req.body));
  if (cmd == "ids.ls") return ids_ls(host_, req.body);
  if (cmd == "ids.show") return ids_show(host_, req.body);
  if (cmd == "ids.forget") return ids_forget(host_, req.body, who(req.body));
  return error_reply("unknown command '" + cmd + "' (this host knows: ping, status, plugins.ls, "
                     "topology.ls, apps.ls, apps.check, limiter.ls, run, process.wait, process.ls, process.show, trash.ls, trash.show, trash.replay, "
                     "trash.discard, audit.ls)");
}

Json ControlServer::process_ls(const Json& body) {
  std::optional<store::ProcessState> state;
  const std::string s = body.value("state", "");
  if (s == "running") state = store::ProcessState::running;
  else if (s == "completed") state = store::ProcessState::completed;
  else if (s == "failed") state = store::ProcessState::failed;
  else if (!s.empty()) return error_reply("state '" + s + "' is not running, completed or failed");
  auto list = host_.store->processes(body.value("topology", ""), body.value("limit", 100), state);
  if (!list) return error_reply(list.error());
  Json out = Json::array();
  for (const auto& p : *list) out.push_back(process_json(p));
  return ok_reply({{"processes", out}});
}

Json ControlServer::process_show(const Json& body) {
  const auto id = body.at("id").get<store::ProcessId>();
  auto p = host_.store->process(id);
  if (!p) return error_reply(p.error());
  if (!p->has_value()) return error_reply("no process " + std::to_string(id));
  auto visits = host_.store->visits(id);
  if (!visits) return error_reply(visits.error());
  Json list = Json::array();
  for (const auto& v : *visits) list.push_back(visit_json(v));
  return ok_reply({{"process", process_json(**p)}, {"visits", list}});
}

store::AuditEntry ControlServer::who(const Json& body) const {
  store::AuditEntry e;
  e.actor = actor_of(body);
  e.socket = "ipc://" + socket_path_;
  return e;
}

Json ControlServer::handle_run(Request& req) {
  const std::string topology = req.body.at("topology").get<std::string>();
  const Json& payloads = req.body.at("payloads");
  const Json cids = req.body.value("correlation_ids", Json::array());
  std::vector<engine::StartRequest> starts;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto& bin = payloads[i].get_binary();
    if (bin.size() > message::kMaxPayloadBytes) {
      return error_reply("payload " + std::to_string(i + 1) + " has " + std::to_string(bin.size()) +
                         " bytes; the limit is " + std::to_string(message::kMaxPayloadBytes));
    }
    std::string why;
    if (!message::is_one_msgpack_document(bin, &why)) {
      return error_reply("payload " + std::to_string(i + 1) + " is not msgpack: " + why);
    }
    std::string cid = i < cids.size() ? cids[i].get<std::string>() : "";
    starts.push_back(engine::StartRequest{store::Bytes(bin.begin(), bin.end()), {}, cid});
    starts.back().start_node = req.body.value("start", "");
  }
  auto ids = host_.engine->start_processes(topology, std::move(starts));
  return ids ? ok_reply(Json{{"processes", *ids}}) : error_reply(ids.error());
}

// Parsed and checked before anything is registered, so a bad request gets
// its error reply (with its route intact) and leaves no open wait behind.
Json ControlServer::handle_wait(Request& req) {
  auto ids = req.body.at("ids").get<std::vector<store::ProcessId>>();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ++waits_open_;  // before looking at the store: no completion may slip past
  Wait wait{{}, ids, {}};
  std::vector<store::ProcessId> running;
  for (auto id : ids) {
    auto p = host_.store->process(id);  // it may have completed already
    if (!p || !p->has_value()) {
      --waits_open_;
      return error_reply(p ? "no process " + std::to_string(id) : p.error());
    }
    if ((*p)->state != store::ProcessState::running) wait.finished[id] = **p;
    else running.push_back(id);
  }
  wait.route = std::move(req.route);
  const std::size_t index = waits_.size();
  for (auto id : running) waits_by_process_.emplace(id, index);
  waits_.push_back(std::move(wait));
  if (running.empty()) complete(index);
  return Json();  // answered when they have all completed
}

void ControlServer::deliver_finished() {
  std::vector<store::ProcessRecord> finished;
  {
    std::lock_guard lock(mu_);
    finished.swap(finished_);
  }
  for (const auto& p : finished) {
    auto [first, last] = waits_by_process_.equal_range(p.id);
    std::vector<std::size_t> touched;
    for (auto it = first; it != last; ++it) {
      waits_[it->second]->finished[p.id] = p;
      touched.push_back(it->second);
    }
    waits_by_process_.erase(first, last);
    for (auto index : touched) {
      if (waits_[index] && waits_[index]->finished.size() == waits_[index]->ids.size()) {
        complete(index);
      }
    }
  }
}

// A client waiting without a timeout must not wait forever for a host that
// is going away.
void ControlServer::answer_open_waits() {
  for (auto& wait : waits_) {
    if (!wait) continue;
    std::string running;
    for (auto id : wait->ids) {
      if (!wait->finished.count(id)) running += (running.empty() ? "" : ", ") + std::to_string(id);
    }
    reply(wait->route, error_reply("the weir host is stopping; still running: process " + running +
                                   " (they continue when it starts again)"));
  }
  waits_.clear();
  waits_by_process_.clear();
}

void ControlServer::complete(std::size_t index) {
  Wait& w = *waits_[index];
  Json processes = Json::array();
  for (auto id : w.ids) processes.push_back(process_json(w.finished.at(id)));
  reply(w.route, ok_reply(Json{{"processes", processes}}));
  waits_[index].reset();
  --waits_open_;
  while (!waits_.empty() && !waits_.back()) waits_.pop_back();
}

}  // namespace weir::control
