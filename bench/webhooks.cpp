// bench_webhooks: how many webhooks the real host accepts per second, and the
// latency to each 202, with every accepted body durable (the 202 is sent
// after the commit that stores it).
//
// It starts `weir serve` (the real binary) in a temp directory with one
// topology: a WooCommerce-signed webhook trigger feeding one core.pass node.
// C client threads (libcurl, keep-alive, loopback) post N order-sized JSON
// bodies (~2 KB) with valid signatures. Afterwards it stops the host, opens
// the store and counts the processes: every 202 must be there.
//
//   bench_webhooks [--requests N] [--clients C] [--weir PATH] [--plugins DIR]
//                  [--dir PATH] [--threads T (the host's HTTP threads)]
//                  [--client curl|raw]
//
// --client raw: each client thread writes its requests with send() on one
// keep-alive socket and reads the answer itself, instead of libcurl. The
// clients share the 2 cores with the host here; curl takes about three
// times the CPU per request that the raw client does, so `raw` shows more
// of what the host can do (real shops post from other machines).
//
// Prints a table, then one line `webhooks: key=value ...` for scripts.
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  long requests = 100000;
  int clients = 32;
  int threads = 2;
  std::string weir = WEIR_BIN_DIR "/weir";
  std::string plugins = WEIR_PLUGINS_DIR;
  std::string dir;
  std::string client = "curl";
};

constexpr const char* kUsage = R"(usage: bench_webhooks [options]
Starts the real `weir serve`, posts signed ~2 KB orders from keep-alive
loopback clients, prints accepted/s and latency to the 202, and checks that
the store holds every accepted one.
  --requests N       webhooks to post (default 100000)
  --clients C        client threads, one keep-alive connection each (default 32)
  --threads T        the host's HTTP threads (default 2)
  --client curl|raw  libcurl clients, or plain blocking sockets (default curl)
  --weir PATH        the weir binary (default: the build's)
  --plugins DIR      where core.so is (default: the build's plugins)
  --dir PATH         the host's home (default: a temp dir)
  --help             this text
)";

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
  }
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "option " << k << " needs a value (see --help)\n";
      std::exit(2);
    }
    std::string v = argv[i + 1];
    if (k == "--requests") o.requests = std::stol(v);
    else if (k == "--clients") o.clients = std::stoi(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else if (k == "--weir") o.weir = v;
    else if (k == "--plugins") o.plugins = v;
    else if (k == "--dir") o.dir = v;
    else if (k == "--client" && (v == "curl" || v == "raw")) o.client = v;
    else {
      std::cerr << "unknown option " << k << " (see --help)\n";
      std::exit(2);
    }
  }
  return o;
}

const char* kSecret = "bench-secret";

// User + system CPU of process `pid` so far, from /proc/<pid>/stat.
double cpu_seconds_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

std::string signature(const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::strlen(kSecret)),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string out(4 * ((len + 2) / 3), '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len))));
  return out;
}

// An order as WooCommerce sends it, trimmed: about 2 KB.
std::string order(long id) {
  Json items = Json::array();
  for (int i = 0; i < 8; ++i) {
    items.push_back({{"id", id * 10 + i}, {"name", "Organic cotton t-shirt, size " + std::to_string(36 + i)},
                     {"product_id", 1000 + i}, {"variation_id", 0}, {"quantity", 1 + i % 3},
                     {"tax_class", ""}, {"subtotal", "19.90"}, {"total", "19.90"},
                     {"sku", "TSHIRT-" + std::to_string(36 + i)}, {"price", 19.9}});
  }
  return Json{{"id", id}, {"status", "processing"}, {"currency", "EUR"},
              {"date_created", "2026-11-26T10:00:00"}, {"total", "119.40"},
              {"billing", {{"first_name", "Jana"}, {"last_name", "Novakova"},
                           {"address_1", "Hlavni 12"}, {"city", "Brno"}, {"postcode", "60200"},
                           {"country", "CZ"}, {"email", "jana@example.com"}, {"phone", "+420123456789"}}},
              {"shipping", {{"first_name", "Jana"}, {"last_name", "Novakova"},
                            {"address_1", "Hlavni 12"}, {"city", "Brno"}, {"postcode", "60200"},
                            {"country", "CZ"}}},
              {"payment_method", "bacs"}, {"line_items", items}}
      .dump();
}

size_t discard(char*, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->assign("x");
  return size * n;
}

// One keep-alive HTTP/1.1 connection written and read by hand (--client raw).
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // The status code of the answer to one POST, or 0 when the connection failed.
  long post(const std::string& body, const std::string& signature) {
    if (fd_ < 0) return 0;
    request_.clear();
    request_ += "POST /hooks/orders/created HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nX-WC-Webhook-Topic: order.created\r\n"
                "X-WC-Webhook-Signature: ";
    request_ += signature;
    request_ += "\r\nContent-Length: ";
    request_ += std::to_string(body.size());
    request_ += "\r\n\r\n";
    request_ += body;
    for (std::size_t sent = 0; sent < request_.size();) {
      const ssize_t n = ::send(fd_, request_.data() + sent, request_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return 0;
      sent += static_cast<std::size_t>(n);
    }
    // The head, then Content-Length bytes of body (the host always sends it).
    std::size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return 0;
    }
    const std::string head = in_.substr(0, head_end);
    const long status = head.size() > 12 ? std::strtol(head.c_str() + 9, nullptr, 10) : 0;
    std::size_t length = 0;
    for (std::size_t at = 0; (at = head.find("\r\n", at)) != std::string::npos;) {
      at += 2;
      if (::strncasecmp(head.c_str() + at, "content-length:", 15) == 0) {
        length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
      }
    }
    while (in_.size() < head_end + 4 + length) {
      if (!fill()) return 0;
    }
    in_.erase(0, head_end + 4 + length);
    return status;
  }

 private:
  bool fill() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string request_;
  std::string in_;
};

pid_t start_host(const Options& o, const fs::path& home) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("BENCH_WC_SECRET", kSecret, 1);
    std::FILE* log = std::fopen((home / "serve.log").c_str(), "w");
    ::dup2(fileno(log), 1);
    ::dup2(fileno(log), 2);
    std::string config = (home / "weir.yaml").string();
    ::execl(o.weir.c_str(), o.weir.c_str(), "serve", "--config", config.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const fs::path home = o.dir.empty() ? fs::temp_directory_path() / ("weir-bench-webhooks-" +
                                                                      std::to_string(::getpid()))
                                      : fs::path(o.dir);
  fs::remove_all(home);
  fs::create_directories(home / "plugins");
  fs::create_directories(home / "topologies");
  fs::copy_file(fs::path(o.plugins) / "core.so", home / "plugins" / "core.so");
  // A fixed port picked from the pid, so two benches do not collide.
  const int port = 20000 + ::getpid() % 20000;
  std::ofstream(home / "weir.yaml") << "data_dir: data\nplugins_dir: plugins\ntopologies_dir: "
                                       "topologies\nlog: {level: warn}\nhttp: {listen: \"127.0.0.1:"
                                    << port << "\", threads: " << o.threads << "}\n";
  std::ofstream(home / "topologies" / "orders.yaml")
      << "name: orders\ntrace: off\ntriggers:\n  - id: created\n    webhook: {signature: "
         "woocommerce, secret_env: BENCH_WC_SECRET}\nnodes:\n  - {id: take, type: core.pass, "
         "max_batch: 100}\n";
  const pid_t host = start_host(o, home);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);

  // Wait until it is ready.
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    CURL* c = curl_easy_init();
    std::string sink;
    curl_easy_setopt(c, CURLOPT_URL, (url + "/readyz").c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    long code = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    ready = code == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ready) {
    std::cerr << "the host did not become ready; see " << (home / "serve.log") << "\n";
    ::kill(host, SIGKILL);
    return 1;
  }

  // Bodies and signatures prepared up front: the clients only send.
  std::vector<std::string> bodies(static_cast<std::size_t>(o.requests));
  std::vector<std::string> signatures(bodies.size());
  std::size_t total_bytes = 0;
  for (long i = 0; i < o.requests; ++i) {
    bodies[i] = order(i);
    signatures[i] = signature(bodies[i]);
    total_bytes += bodies[i].size();
  }
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(o.clients));
  std::atomic<long> next{0}, accepted{0}, refused{0};
  const double host_cpu0 = cpu_seconds_of(host);
  const double client_cpu0 = own_cpu_seconds();
  const auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; ++c) {
    clients.emplace_back([&, c] {
      if (o.client == "raw") {
        RawClient raw(port);
        for (long i; (i = next.fetch_add(1)) < o.requests;) {
          const auto s = Clock::now();
          const long code = raw.post(bodies[i], signatures[i]);
          latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
          (code == 202 ? accepted : refused)++;
        }
        return;
      }
      CURL* curl = curl_easy_init();
      std::string sink;
      const std::string hook = url + "/hooks/orders/created";
      for (long i; (i = next.fetch_add(1)) < o.requests;) {
        curl_slist* h = nullptr;
        h = curl_slist_append(h, "Expect:");
        h = curl_slist_append(h, "Content-Type: application/json");
        h = curl_slist_append(h, "X-WC-Webhook-Topic: order.created");
        h = curl_slist_append(h, ("X-WC-Webhook-Signature: " + signatures[i]).c_str());
        curl_easy_setopt(curl, CURLOPT_URL, hook.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bodies[i].data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(bodies[i].size()));
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
        const auto s = Clock::now();
        long code = 0;
        if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        curl_slist_free_all(h);
        (code == 202 ? accepted : refused)++;
      }
      curl_easy_cleanup(curl);
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double host_cpu = cpu_seconds_of(host) - host_cpu0;
  const double client_cpu = own_cpu_seconds() - client_cpu0;
  ::kill(host, SIGTERM);
  int status = 0;
  ::waitpid(host, &status, 0);

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(p * all.size()))]; };

  // Every 202 is a committed process.
  std::int64_t stored = -1;
  if (auto store = weir::store::open_sqlite_store(weir::store::SqliteOptions{(home / "data" / "weir.db").string()})) {
    if (auto counts = (*store)->process_counts()) {
      stored = 0;
      for (const auto& c : *counts) stored += c.count;
    }
  }
  std::printf("  requests                          %10ld\n", o.requests);
  std::printf("  clients (keep-alive, loopback)    %10d\n", o.clients);
  std::printf("  client                            %10s\n", o.client.c_str());
  std::printf("  host HTTP threads                 %10d\n", o.threads);
  std::printf("  mean body bytes                   %10zu\n", total_bytes / std::max<long>(1, o.requests));
  std::printf("  accepted (202)                    %10ld\n", accepted.load());
  std::printf("  refused                           %10ld\n", refused.load());
  std::printf("  seconds                           %10.2f\n", seconds);
  std::printf("  accepted per second               %10.0f\n", accepted / seconds);
  std::printf("  latency to 202, p50 ms            %10.2f\n", pct(0.50));
  std::printf("  latency to 202, p99 ms            %10.2f\n", pct(0.99));
  std::printf("  latency to 202, max ms            %10.2f\n", all.empty() ? 0.0 : all.back());
  std::printf("  processes in the store after stop %10lld\n", static_cast<long long>(stored));
  // Where the CPU went: the clients share the machine with the host here;
  // real shops post from elsewhere.
  const double host_us = accepted ? host_cpu * 1e6 / static_cast<double>(accepted) : 0.0;
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  std::printf("  host CPU seconds (all threads)    %10.2f\n", host_cpu);
  std::printf("  client CPU seconds (this process) %10.2f\n", client_cpu);
  std::printf("  host CPU per webhook, us          %10.1f\n", host_us);
  std::printf("  host CPU bound on %ld cores, per s %9.0f  (cores / host CPU per webhook)\n",
              cores, host_us > 0 ? static_cast<double>(cores) * 1e6 / host_us : 0.0);
  std::printf("\nwebhooks: requests=%ld clients=%d client=%s threads=%d accepted=%ld per_s=%.0f "
              "p50_ms=%.2f p99_ms=%.2f stored=%lld durable=%s host_us_per_webhook=%.1f "
              "client_cpu_s=%.2f\n",
              o.requests, o.clients, o.client.c_str(), o.threads, accepted.load(), accepted / seconds, pct(0.5),
              pct(0.99), static_cast<long long>(stored), stored == accepted ? "yes" : "NO", host_us,
              client_cpu);
  if (o.dir.empty()) fs::remove_all(home);
  curl_global_cleanup();
  return stored == accepted ? 0 : 1;
}
