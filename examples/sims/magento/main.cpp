// weir-sim-magento: a Magento 2.4 shop's REST API on loopback, for the
// demo, the end-to-end tests and the benchmarks (see shop.hpp, README.md).
//
//   weir-sim-magento [--port N] [--seed S] [--products N] [--categories N] [--orders N]
//     [--admin-user U] [--admin-password P] [--admin-token-lifetime-seconds S]
//     [--consumer-key K] [--consumer-secret S] [--access-token T] [--access-token-secret S]
//     [--integration-bearer] [--sources default,eu_warehouse]
//     [--bulk-delay-ms MS] [--bulk-rate R] [--rate R] [--burst B] [--max-concurrent C]
//     [--input-limits] [--input-list-limit N] [--max-page-size N]
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "shop.hpp"
#include "sim_http.hpp"

namespace {

using weir::sims::mage::ShopOptions;

ShopOptions parse_options(const std::vector<std::string>& args) {
  ShopOptions o;
  auto text = [&](std::size_t& i) -> std::string {
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    return args[++i];
  };
  auto number = [&](std::size_t& i) -> double {
    const std::string name = args[i];
    const std::string v = text(i);
    std::size_t used = 0;
    const double d = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(name + ": not a number: " + v);
    return d;
  };
  auto& cred = o.credentials;
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
    } else if (a == "--admin-user") {
      cred.admin_user = text(i);
    } else if (a == "--admin-password") {
      cred.admin_password = text(i);
    } else if (a == "--admin-token-lifetime-seconds") {
      cred.admin_token_lifetime = static_cast<std::int64_t>(number(i));
    } else if (a == "--consumer-key") {
      cred.consumer_key = text(i);
    } else if (a == "--consumer-secret") {
      cred.consumer_secret = text(i);
    } else if (a == "--access-token") {
      cred.access_token = text(i);
    } else if (a == "--access-token-secret") {
      cred.access_token_secret = text(i);
    } else if (a == "--integration-bearer") {
      cred.integration_bearer = true;
    } else if (a == "--sources") {
      o.sources = {"default"};
      const std::string list = text(i);
      std::size_t at = 0;
      while (at <= list.size()) {
        const auto comma = list.find(',', at);
        const std::string s =
            list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (!s.empty() && s != "default") o.sources.push_back(s);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    } else if (a == "--bulk-delay-ms") {
      o.bulk_delay = std::chrono::milliseconds(static_cast<std::int64_t>(number(i)));
    } else if (a == "--input-limits") {
      o.input_limits = true;
    } else if (a == "--input-list-limit") {
      o.input_limits = true;
      o.input_list_limit = static_cast<int>(number(i));
    } else if (a == "--max-page-size") {
      o.input_limits = true;
      o.max_page_size = static_cast<int>(number(i));
    } else if (a == "--bulk-rate") {
      o.bulk_rate = number(i);
    } else if (a == "--rate") {
      o.gate.rate = number(i);
    } else if (a == "--burst") {
      o.gate.burst = number(i);
    } else if (a == "--max-concurrent") {
      o.gate.max_concurrent = static_cast<int>(number(i));
    } else {
      throw std::invalid_argument("unknown option " + a);
    }
  }
  if (o.products < 0 || o.categories < 0 || o.orders < 0) {
    throw std::invalid_argument("--products, --categories and --orders take counts >= 0");
  }
  if (o.products > 5000000) throw std::invalid_argument("--products: at most 5,000,000");
  if (o.gate.rate > 0 && o.gate.burst < 1) o.gate.burst = 1;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  return weir::sims::run_main(
      argc, argv, "weir-sim-magento", [](const std::vector<std::string>& args) {
        auto shop = std::make_shared<weir::sims::mage::Shop>(parse_options(args));
        return [shop](const weir::sims::Request& req) { return shop->handle(req); };
      });
}
