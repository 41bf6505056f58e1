#include "log/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace weir::log {
namespace {

// %j: the message, escaped for a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) append(c, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }

 private:
  static void append(char c, spdlog::memory_buf_t& dest) {
    static const char* kHex = "0123456789abcdef";
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); return;
      case '\\': dest.append(std::string_view("\\\\")); return;
      case '\n': dest.append(std::string_view("\\n")); return;
      case '\r': dest.append(std::string_view("\\r")); return;
      case '\t': dest.append(std::string_view("\\t")); return;
      default: break;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
      dest.append(esc, esc + sizeof esc);
      return;
    }
    dest.push_back(c);
  }
};

}  // namespace

void setup(const std::string& format, const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>(
      "weir", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      spdlog::pattern_time_type::utc, std::string("\n"));
  if (format == "json") {
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","pid":%P,"thread":%t,"msg":"%j"})");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace weir::log
