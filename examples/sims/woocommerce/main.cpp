// weir-sim-woocommerce: a WooCommerce shop's REST API v3 on loopback, for
// the demo, the end-to-end tests and the benchmarks (see shop.hpp).
//
//   weir-sim-woocommerce [--port N] [--seed S] [--products N] [--categories N]
//     [--orders N] [--consumer-key K] [--consumer-secret S] [--https-terminated]
//     [--utc-offset-minutes M] [--rate R] [--burst B] [--max-concurrent C]
//     [--retry-after always|never|sometimes] [--webhook-secret S]
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "shop.hpp"
#include "sim_http.hpp"

namespace {

using weir::sims::woo::ShopOptions;

ShopOptions parse_options(const std::vector<std::string>& args) {
  ShopOptions o;
  auto number = [&](std::size_t& i) -> double {
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    const std::string& v = args[++i];
    std::size_t used = 0;
    const double d = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(args[i - 1] + ": not a number: " + v);
    return d;
  };
  auto text = [&](std::size_t& i) -> std::string {
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    return args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--port" || a == "--address") {
      text(i);  // run_main's
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(number(i));
    } else if (a == "--products") {
      o.products = static_cast<int>(number(i));
    } else if (a == "--categories") {
      o.categories = static_cast<int>(number(i));
    } else if (a == "--orders") {
      o.orders = static_cast<int>(number(i));
    } else if (a == "--consumer-key") {
      o.credentials.consumer_key = text(i);
    } else if (a == "--consumer-secret") {
      o.credentials.consumer_secret = text(i);
    } else if (a == "--https-terminated") {
      o.https_terminated = true;
    } else if (a == "--utc-offset-minutes") {
      o.utc_offset_minutes = static_cast<int>(number(i));
    } else if (a == "--rate") {
      o.gate.rate = number(i);
    } else if (a == "--burst") {
      o.gate.burst = number(i);
    } else if (a == "--max-concurrent") {
      o.gate.max_concurrent = static_cast<int>(number(i));
    } else if (a == "--retry-after") {
      const auto mode = weir::sims::woo::parse_retry_after(text(i));
      if (!mode) throw std::invalid_argument("--retry-after: always, never or sometimes");
      o.gate.retry_after = *mode;
    } else if (a == "--webhook-secret") {
      o.webhook_secret = text(i);
    } else {
      throw std::invalid_argument("unknown option " + a);
    }
  }
  if (o.products < 0 || o.categories < 0 || o.orders < 0) {
    throw std::invalid_argument("--products, --categories and --orders take counts >= 0");
  }
  if (o.gate.rate > 0 && o.gate.burst < 1) o.gate.burst = 1;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  return weir::sims::run_main(
      argc, argv, "weir-sim-woocommerce", [](const std::vector<std::string>& args) {
        auto shop = std::make_shared<weir::sims::woo::Shop>(parse_options(args));
        return [shop](const weir::sims::Request& req) { return shop->handle(req); };
      });
}
