#include "sim_http.hpp"

#include <poll.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace weir::sims {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

std::string Request::param(std::string_view name, std::string fallback) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return fallback;
}

bool Request::has_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  return false;
}

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view part = text.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      out.emplace_back(url_decode(part.substr(0, eq), true),
                       eq == std::string_view::npos ? std::string()
                                                    : url_decode(part.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

struct HttpServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable all_done;
  std::set<std::shared_ptr<tcp::socket>> open;  // guarded by mu; one thread each

  void serve(std::shared_ptr<tcp::socket> socket);
};

namespace {

Request to_request(const bhttp::request<bhttp::string_body>& in, const std::string& remote) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  const auto q = r.target.find('?');
  r.path = url_decode(std::string_view(r.target).substr(0, q), false);
  if (q != std::string::npos) r.query = parse_pairs(std::string_view(r.target).substr(q + 1));
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  r.body = in.body();
  r.remote = remote;
  return r;
}

}  // namespace

void HttpServer::State::serve(std::shared_ptr<tcp::socket> socket) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  const auto ep = socket->remote_endpoint(ec);
  const std::string remote = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  while (!stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(*socket, buffer, parser, ec);
    if (ec) break;
    const auto& in = parser.get();
    Response out;
    try {
      out = handler(to_request(in, remote));
    } catch (const std::exception& e) {
      out.status = 500;
      out.body = std::string(R"({"code":"internal_error","message":")") + e.what() + "\"}";
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), in.version()};
    res.set(bhttp::field::server, "weir-sim");
    res.set(bhttp::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res.insert(k, v);
    res.keep_alive(in.keep_alive());
    res.body() = std::move(out.body);
    res.prepare_payload();
    bhttp::write(*socket, res, ec);
    if (ec || !res.keep_alive()) break;
  }
  socket->shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard lock(mu);
  open.erase(socket);
  if (open.empty()) all_done.notify_all();
}

HttpServer::HttpServer(const std::string& address, std::uint16_t port, Handler handler)
    : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
  tcp::endpoint ep(asio::ip::make_address(address), port);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen(asio::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() {
  stop();
  std::unique_lock lock(state_->mu);
  state_->all_done.wait(lock, [&] { return state_->open.empty(); });
}

std::uint16_t HttpServer::port() const { return state_->acceptor.local_endpoint().port(); }

namespace {
std::atomic<bool> g_signalled{false};
extern "C" void on_signal(int) { g_signalled = true; }
}  // namespace

void HttpServer::run() {
  while (!state_->stopping) {
    if (g_signalled) {
      stop();
      break;
    }
    // Waits for a client at most 100 ms at a time, so a stop is seen.
    pollfd p{state_->acceptor.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    auto socket = std::make_shared<tcp::socket>(state_->io);
    beast::error_code ec;
    state_->acceptor.accept(*socket, ec);
    if (ec) {
      if (state_->stopping) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. out of descriptors
      continue;
    }
    socket->set_option(tcp::no_delay(true), ec);
    {
      std::lock_guard lock(state_->mu);
      state_->open.insert(socket);
    }
    std::thread([s = state_.get(), socket] { s->serve(socket); }).detach();
  }
}

void HttpServer::stop() {
  if (state_->stopping.exchange(true)) return;
  beast::error_code ec;
  state_->acceptor.close(ec);
  std::lock_guard lock(state_->mu);
  for (const auto& s : state_->open) s->shutdown(tcp::socket::shutdown_both, ec);
}

int run_main(int argc, char** argv, const std::string& name,
             const std::function<Handler(const std::vector<std::string>& args)>& make_handler) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--port") port = static_cast<std::uint16_t>(std::stoi(args[i + 1]));
    if (args[i] == "--address") address = args[i + 1];
  }
  try {
    HttpServer server(address, port, make_handler(args));
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::cout << "listening on http://" << address << ":" << server.port() << std::endl;
    server.run();
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace weir::sims
