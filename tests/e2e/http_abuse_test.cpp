// End to end: the real `weir serve` under 2,000 slow connections. A signed
// webhook must still get its 202 (and its process), and the host must hold
// no more sockets than its connection cap (read from /proc/<pid>/fd).
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_json.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"

using namespace weir::test;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kSecret = "abuse-s3cret";

std::string woo_signature(const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::strlen(kSecret)),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string out(4 * ((len + 2) / 3), '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len))));
  return out;
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return 0;
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// A small WooCommerce order delivery and its headers, signed.
std::pair<std::string, std::vector<std::pair<std::string, std::string>>> signed_order(int id) {
  const std::string body = R"({"id": )" + std::to_string(id) + R"(, "status": "processing"})";
  return {body,
          {{"Content-Type", "application/json"}, {"X-WC-Webhook-Signature", woo_signature(body)}}};
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// How many of `fds` the other side has closed.
std::size_t closed_by_peer(const std::vector<int>& fds) {
  std::vector<pollfd> polled;
  for (int fd : fds) polled.push_back(pollfd{fd, POLLRDHUP, 0});
  ::poll(polled.data(), polled.size(), 0);
  std::size_t n = 0;
  for (const pollfd& p : polled) n += (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  return n;
}

void send_all(int fd, const std::string& bytes) {
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

TEST_CASE(
    "two thousand slow connections leave room for a signed webhook and no more sockets than the "
    "cap") {
  // The client side needs a descriptor per connection, as the host does.
  rlimit fds{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &fds) == 0);
  fds.rlim_cur = fds.rlim_max;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &fds) == 0);
  REQUIRE(fds.rlim_cur > 2200);

  ::setenv("WEIR_TEST_ABUSE_SECRET", kSecret, 1);  // the host inherits it
  WeirHome home({"core.so"});
  home.add_topology("orders.yaml", R"(name: orders
triggers:
  - id: created
    webhook: {signature: woocommerce, secret_env: WEIR_TEST_ABUSE_SECRET}
nodes:
  - {id: intake, type: core.pass}
)");
  HostProcess host(home);
  REQUIRE(host.start());
  const std::string address = json_of(home.cli("status", {"--json"}))["http"].get<std::string>();
  const auto port = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  HttpClient http;
  const std::string url = "http://" + address + "/hooks/orders/created";
  // A first webhook opens whatever the host opens lazily; then the count.
  // Both webhooks ask the host to close their connection after the answer:
  // a kept-alive idle connection is the host's to shed under pressure, so
  // it cannot be part of the count either way.
  auto first = signed_order(4710);
  first.second.emplace_back("Connection", "close");
  REQUIRE(http.post(url, first.first, first.second).status == 202);
  std::size_t before = open_fds(host.pid());
  for (int settled = 0; settled < 5;) {  // until the closed socket is gone
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::size_t now = open_fds(host.pid());
    settled = now == before ? settled + 1 : 0;
    before = now;
  }
  // http.max_connections' default; the host's descriptor limit allows it.
  const std::size_t cap = 1024;

  // Half trickle their headers (a line every 200 ms, never the end), half
  // declare a body and never send it.
  std::vector<int> slow;
  for (int i = 0; i < 2000; ++i) {
    const int fd = connect_to(port);
    REQUIRE(fd >= 0);
    send_all(fd, i % 2 ? "POST /hooks/orders/created HTTP/1.1\r\nHost: x\r\n"
                       : "POST /hooks/orders/created HTTP/1.1\r\nHost: x\r\n"
                         "Content-Length: 100000\r\n\r\n");
    slow.push_back(fd);
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    for (int n = 0; trickling; ++n) {
      for (std::size_t i = 1; i < slow.size(); i += 2) send_all(slow[i], "X-Slow: 1\r\n");
      for (int t = 0; t < 20 && trickling; ++t)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  auto [body, headers] = signed_order(4711);
  headers.emplace_back("Connection", "close");
  const auto t0 = Clock::now();
  const auto r = http.post(url, body, headers);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  INFO(r.error << r.body << "\nhost log:\n" << host.log());
  REQUIRE(r.status == 202);
  CHECK(took < std::chrono::seconds(10));

  // Once the host has taken every slow connection (it holds it, or has
  // closed it), it holds at most `cap` beyond what it held before.
  const std::size_t base = before;
  std::size_t during = 0, closed = 0, held = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  do {
    during = open_fds(host.pid());
    closed = closed_by_peer(slow);
    held = during > base ? during - base : 0;
    if (closed + held >= slow.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (Clock::now() < deadline);
  trickling = false;
  trickle.join();
  WARN("the webhook's 202 came after " << took.count() << " ms; the host held " << during
                                       << " descriptors (" << before << " before) and had closed "
                                       << closed << " slow connections");
  CHECK(closed + held >= slow.size());
  CHECK(during <= base + cap);
  const auto id = Json::parse(r.body)["process"].get<std::uint64_t>();
  const Json shown = json_of(home.cli("process show " + std::to_string(id), {"--json"}));
  CHECK(shown["process"]["topology"] == "orders");

  for (int fd : slow) ::close(fd);
  REQUIRE(host.kill(SIGTERM) == 0);
}
