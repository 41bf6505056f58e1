// ControlClient: what the operator commands use to talk to a running host.
// Before sending anything it checks that a host is listening on the socket,
// so that "no host running" is one clear line instead of a hang.
//
// Not thread-safe; one per command invocation.
#pragma once

#include <chrono>
#include <string>

#include "control/protocol.hpp"

namespace weir::control {

class ControlClient {
 public:
  explicit ControlClient(std::string socket_path);

  // Sends `request` and waits for the reply (timeout 0: wait forever).
  // Returns the reply's "data", or an error: no host, timeout, or the
  // host's own error text.
  Result<Json> call(const Json& request, std::chrono::milliseconds timeout);

 private:
  Status check_listening() const;
  std::string socket_path_;
  std::string endpoint_;
};

}  // namespace weir::control
