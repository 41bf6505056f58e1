// bench_sync: the main job's product sync at catalog size, end to end: the
// ERP simulator (classic style) with N products, an empty WooCommerce
// simulator, and a real `weir serve` running the shipped product-sync
// topology with the shop limited to R requests a second and 100 products a
// batch request, so the floor is N / 100 / R seconds. For each size it prints
// the full run's wall time against that floor, the requests the shop and the
// ERP saw, the host's peak RSS (VmHWM), and then a delta run after P% of the
// ERP's prices changed: its requests against the full run's.
//
//   build/bin/bench_sync [--products 500000] [--small 5000] [--rate 50] [--delta 1]
//
// With --shop magento the same against the Magento simulator and the
// shipped product-sync-magento topology: --mode bulk (the default: bulks of
// 500 through Magento's asynchronous bulk API, each followed to its end by
// status requests, which count against the same rate: the floor is
// 2 x N / 500 / R) or --mode sync (one PUT per product: the floor is then
// N / R seconds, so give it a higher --rate or a smaller N). Magento takes
// pictures as bytes: the host downloads each product's pictures from the
// ERP simulator (--image-base self) once; --no-images leaves them out, to
// see the shop's floor alone.
//
// Last line: `sync: key=value ...` with every size's figures.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
const std::string kBin = WEIR_BIN_DIR;
const std::string kPlugins = WEIR_PLUGINS_DIR;
const std::string kSource = WEIR_SOURCE_DIR;

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

Json http_json(const std::string& url, const std::string& post = "") {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  if (!post.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, post.c_str());
  curl_easy_perform(c);
  curl_easy_cleanup(c);
  return Json::parse(body, nullptr, false);
}

// A child process; its stdout into `out_file`.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file) {
  std::fflush(stdout);  // or the child writes what this process has buffered, again
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen(out_file.c_str(), "w", stdout);
    std::freopen((out_file + ".err").c_str(), "w", stderr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// A simulator's base URL, from its "listening on" line.
std::string wait_listening(const std::string& out_file) {
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(out_file);
    std::string line;
    if (std::getline(in, line) && line.rfind("listening on ", 0) == 0) return line.substr(13);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("no 'listening on' in " + out_file);
}

int run_weir(const std::vector<std::string>& args) {
  std::fflush(stdout);
  std::string cmd = "'" + kBin + "/weir'";
  for (const auto& a : args) cmd += " '" + a + "'";
  return std::system((cmd + " >/dev/null 2>&1").c_str());
}

// The peak resident set of `pid` (VmHWM), in MB.
double peak_rss_mb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

struct Figures {
  int products = 0;
  double full_s = 0, floor_s = 0;
  long pictures = 0;  // downloaded by the host (Magento) or sideloaded by the shop (WooCommerce)
  long shop_requests = 0, erp_requests = 0, delta_shop = 0, delta_erp = 0, delta_changed = 0;
  double rss_mb = 0, delta_s = 0;
};

struct Options {
  int rate = 50, delta_percent = 1;
  bool magento = false, bulk = true, images = true;
};

// The shipped topology's text with its cron triggers moved to 1 January:
// a run longer than the cron period would otherwise get a second, full
// process started beside it, and the figures would count both.
std::string shipped_without_cron(const std::string& file) {
  std::ifstream in(kSource + "/topologies/" + file);
  std::stringstream text;
  text << in.rdbuf();
  std::string t = text.str();
  const std::string key = "cron: \"";
  for (auto at = t.find(key); at != std::string::npos; at = t.find(key, at + 1)) {
    const auto end = t.find('"', at + key.size());
    if (end == std::string::npos) break;
    t.replace(at + key.size(), end - at - key.size(), "0 0 1 1 *");
  }
  return t;
}

Figures run_size(int products, const Options& o) {
  const int rate = o.rate, delta_percent = o.delta_percent;
  namespace fs = std::filesystem;
  const fs::path home = fs::temp_directory_path() / ("weir-bench-sync-" + std::to_string(::getpid()));
  fs::remove_all(home);
  fs::create_directories(home / "plugins");
  fs::create_directories(home / "topologies");
  fs::create_directories(home / "apps");
  for (const char* p : {"core.so", o.magento ? "magento.so" : "woocommerce.so", "erp.so"}) {
    fs::copy_file(kPlugins + "/" + p, home / "plugins" / p);
  }
  const std::string topology = o.magento ? "product-sync-magento" : "product-sync";
  if (o.magento) {
    std::string t = shipped_without_cron("product-sync-magento.yaml");
    if (!o.bulk) t.replace(t.find("bulk_from: 20"), 13, "bulk_from: 0");
    if (!o.images) {  // the shop's request floor alone: no picture downloads
      const std::string mapping = "        images:           {from: images}\n";
      t.erase(t.find(mapping), mapping.size());
      t.replace(t.find("compare -> images -> shop"), 25, "compare -> shop");
      const auto node = t.find("  - id: images\n");
      t.erase(node, t.find("  - id: shop\n") - node);
    }
    std::ofstream(home / "topologies" / "product-sync-magento.yaml") << t;
    fs::copy_file(kSource + "/topologies/create-category-magento.yaml",
                  home / "topologies" / "create-category-magento.yaml");
  } else {
    for (const char* t : {"product-sync.yaml", "create-category.yaml"}) {
      std::ofstream(home / "topologies" / t) << shipped_without_cron(t);
    }
  }
  const pid_t erp = spawn({kBin + "/weir-sim-erp", "--image-base", "self", "--style", "classic", "--products",
                           std::to_string(products), "--seed", "1"},
                          (home / "erp.out").string());
  const pid_t shop =
      o.magento ? spawn({kBin + "/weir-sim-magento", "--products", "0", "--seed", "1",
                         "--bulk-delay-ms", "100", "--bulk-rate", "0"},
                        (home / "shop.out").string())
                : spawn({kBin + "/weir-sim-woocommerce", "--products", "0", "--seed", "1",
                         "--https-terminated"},
                        (home / "shop.out").string());
  const std::string erp_url = wait_listening((home / "erp.out").string());
  const std::string shop_url = wait_listening((home / "shop.out").string());
  std::ofstream(home / "weir.yaml") << "data_dir: data\nplugins_dir: plugins\n"
                                       "topologies_dir: topologies\nhttp: {listen: \"127.0.0.1:0\"}\n";
  std::ofstream(home / "apps/erp.yaml") << "name: erp\ntype: erp.rest\nbase_url: " << erp_url
                                        << "/api/v1\nrate: 1000/s\nconcurrency: 8\n";
  std::ofstream(home / "apps/images.yaml") << "name: images\ntype: http\nbase_url: " << erp_url
                                           << "/img\nrate: 5000/s\nconcurrency: 8\n";
  if (o.magento) {
    std::ofstream(home / "apps/shop.yaml")
        << "name: shop\ntype: magento.shop\nbase_url: " << shop_url
        << "/rest\nauth: {kind: login, path: V1/integration/admin/token, fields: {username: "
           "\"env:MAGENTO_USER\", password: \"env:MAGENTO_PASSWORD\"}}\nrate: "
        << rate << "/s\nburst: 1\nconcurrency: 4\ntimeout: 120s\n";
  } else {
    std::ofstream(home / "apps/shop.yaml")
        << "name: shop\ntype: woocommerce.shop\nbase_url: " << shop_url
        << "/wp-json/wc/v3\nauth: {kind: basic, username: \"env:WC_KEY\", password: "
           "\"env:WC_SECRET\"}\nrate: "
        << rate << "/s\nburst: 1\nconcurrency: 4\n";
  }
  ::setenv("WC_KEY", "ck_test", 1);
  ::setenv("WC_SECRET", "cs_test", 1);
  ::setenv("MAGENTO_USER", "admin", 1);
  ::setenv("MAGENTO_PASSWORD", "admin123", 1);
  const std::string config = (home / "weir.yaml").string();
  const pid_t host = spawn({kBin + "/weir", "serve", "--config", config}, (home / "weir.out").string());
  for (int i = 0; i < 300 && run_weir({"status", "--config", config}) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  Figures f;
  f.products = products;
  // WooCommerce: a request per 100 products. Magento's bulk mode: two per
  // bulk of 500 (the bulk and at least one status request); its
  // synchronous mode: one per product.
  const int floor_requests = !o.magento ? (products + 99) / 100
                             : o.bulk   ? 2 * ((products + 499) / 500)
                                        : products;
  f.floor_s = floor_requests / static_cast<double>(rate);
  auto t0 = Clock::now();
  run_weir({"run", topology, "--config", config, "--wait"});
  f.full_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const Json shop_stats = http_json(shop_url + "/_sim/stats");
  f.shop_requests = shop_stats["requests"].get<long>();
  std::printf("  full run's shop requests by route: %s\n", shop_stats["by_route"].dump().c_str());
  const Json erp_stats = http_json(erp_url + "/_sim/stats");
  f.erp_requests = erp_stats["requests_total"].get<long>();
  f.pictures = o.magento ? erp_stats.value("images_served", 0L)
                         : shop_stats.value("images_sideloaded", 0L);
  f.rss_mb = peak_rss_mb(host);
  const long created = http_json(shop_url + "/_sim/stats")["products_created"].get<long>();
  if (created != products) std::cerr << "bench_sync: only " << created << " products arrived\n";

  f.delta_changed = http_json(erp_url + "/_sim/change",
                              Json{{"percent", delta_percent}, {"what", "price"}}.dump())["changed"]
                        .get<long>();
  http_json(shop_url + "/_sim/stats/reset", "{}");
  http_json(erp_url + "/_sim/stats/reset", "{}");
  t0 = Clock::now();
  run_weir({"run", topology, "--config", config, "--wait"});
  f.delta_s = std::chrono::duration<double>(Clock::now() - t0).count();
  f.delta_shop = http_json(shop_url + "/_sim/stats")["requests"].get<long>();
  f.delta_erp = http_json(erp_url + "/_sim/stats")["requests_total"].get<long>();
  f.rss_mb = std::max(f.rss_mb, peak_rss_mb(host));

  for (pid_t p : {host, shop, erp}) {
    ::kill(p, SIGTERM);
    ::waitpid(p, nullptr, 0);
  }
  fs::remove_all(home);
  return f;
}

void print(const Figures& f) {
  std::printf("%d products: full run %.1f s against a floor of %.1f s (%.1f%% over); shop %ld "
              "requests, ERP %ld; %ld pictures; host peak RSS %.0f MB\n",
              f.products, f.full_s, f.floor_s, 100.0 * (f.full_s / f.floor_s - 1), f.shop_requests,
              f.erp_requests, f.pictures, f.rss_mb);
  std::printf("  delta after %ld changed: %.1f s, shop %ld requests (%.2f%% of the full run's), "
              "ERP %ld\n",
              f.delta_changed, f.delta_s, f.delta_shop,
              100.0 * static_cast<double>(f.delta_shop) / static_cast<double>(f.shop_requests),
              f.delta_erp);
}

}  // namespace

int main(int argc, char** argv) {
  int products = 500000, small = 5000;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--help") {
      std::printf("usage: bench_sync [--products N] [--small N] [--rate R] [--delta PERCENT] "
                  "[--shop woocommerce|magento] [--mode bulk|sync] [--no-images]\n");
      return 0;
    }
    if (a == "--products") products = next();
    else if (a == "--small") small = next();
    else if (a == "--rate") o.rate = next();
    else if (a == "--delta") o.delta_percent = next();
    else if (a == "--shop" && i + 1 < argc) o.magento = std::string(argv[++i]) == "magento";
    else if (a == "--mode" && i + 1 < argc) o.bulk = std::string(argv[++i]) != "sync";
    else if (a == "--no-images") o.images = false;
  }
  const int rate = o.rate;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<Figures> all;
  for (int n : {small, products}) {
    if (n <= 0) continue;
    all.push_back(run_size(n, o));
    print(all.back());
  }
  std::printf("sync: shop=%s mode=%s rate=%d batch=%d images=%s",
              o.magento ? "magento" : "woocommerce", o.magento && !o.bulk ? "sync" : "bulk", rate,
              !o.magento ? 100 : o.bulk ? 500 : 1,
              !o.magento ? "urls" : o.images ? "fetched" : "none");
  for (const auto& f : all) {
    std::printf(" n%d_full_s=%.1f n%d_floor_s=%.1f n%d_over_pct=%.1f n%d_shop_requests=%ld "
                "n%d_rss_mb=%.0f n%d_delta_shop_requests=%ld n%d_delta_pct=%.2f",
                f.products, f.full_s, f.products, f.floor_s, f.products,
                100.0 * (f.full_s / f.floor_s - 1), f.products, f.shop_requests, f.products,
                f.rss_mb, f.products, f.delta_shop, f.products,
                100.0 * static_cast<double>(f.delta_shop) / static_cast<double>(f.shop_requests));
  }
  std::printf("\n");
  return 0;
}
