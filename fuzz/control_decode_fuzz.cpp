// The control protocol's decoder (host/control/protocol.hpp) on any bytes a
// local client could send to the control socket.
//
// decode never crashes or throws: bytes are a request or an error value.
// What it takes survives the trip the server's reply makes: encoding it and
// decoding that gives the same request, byte for byte when encoded again
// (bytes, not values, so that a NaN compares equal to itself). Reading the
// command as the server does (ControlServer::handle) throws at worst a
// nlohmann exception, which the server turns into a "bad request" reply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "control/protocol.hpp"
#include "fuzz_check.hpp"

namespace {

using weir::control::Json;

std::vector<std::uint8_t> bytes_of(const zmq::message_t& m) {
  const auto* p = m.data<std::uint8_t>();
  return std::vector<std::uint8_t>(p, p + m.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const zmq::message_t request(data, size);
  const auto decoded = weir::control::decode(request);
  if (!decoded) {
    WEIR_FUZZ_CHECK(decoded.error().rfind("control message is not msgpack: ", 0) == 0,
                    "a refusal that does not say what was refused");
    return 0;
  }

  const zmq::message_t once = weir::control::encode(decoded.value());
  const auto again = weir::control::decode(once);
  WEIR_FUZZ_CHECK(again.is_ok(), "a request the host took does not decode after encoding");
  WEIR_FUZZ_CHECK(bytes_of(weir::control::encode(again.value())) == bytes_of(once),
                  "a request changes on its way through encode and decode");

  try {
    const std::string cmd = decoded->value("cmd", "");
    (void)cmd;
  } catch (const Json::exception&) {
    // Not an object, or "cmd" is not a string: the server answers "bad request".
  }
  return 0;
}
