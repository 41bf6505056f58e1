#include "control/control_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace weir::control {

ControlClient::ControlClient(std::string socket_path)
    : socket_path_(std::move(socket_path)), endpoint_("ipc://" + socket_path_) {}

// A plain connect() tells "nothing there" (ENOENT), "stale file" (ECONNREFUSED)
// and "not yours" (EACCES) apart at once.
Status ControlClient::check_listening() const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    return Status::error("the control socket path is too long for a unix socket: " + socket_path_);
  }
  std::strcpy(addr.sun_path, socket_path_.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0) return Status::ok();
  std::string why = err == ENOENT         ? "no socket file there"
                    : err == ECONNREFUSED ? "connection refused; the socket file is stale"
                    : err == EACCES       ? "permission denied; the socket belongs to another user"
                                          : std::strerror(err);
  return Status::error("no weir host is running at " + endpoint_ + " (" + why + ")");
}

Result<Json> ControlClient::call(const Json& request, std::chrono::milliseconds timeout) {
  Status st = check_listening();
  if (!st) return st;
  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::req);
  sock.set(zmq::sockopt::linger, 0);
  sock.set(zmq::sockopt::rcvtimeo, timeout.count() > 0 ? static_cast<int>(timeout.count()) : -1);
  sock.connect(endpoint_);
  sock.send(encode(request), zmq::send_flags::none);
  zmq::message_t reply;
  if (!sock.recv(reply)) {
    return Status::error("no answer from the weir host at " + endpoint_ + " within " +
                         std::to_string(timeout.count()) + " ms");
  }
  auto j = decode(reply);
  if (!j) return j.status();
  if (!j->value("ok", false)) return Status::error(j->value("error", std::string("unknown error")));
  return (*j)["data"];
}

}  // namespace weir::control
