// The command line of weir-sim-erp (README.md, "Command line").
#include <stdexcept>

#include "erp_sim.hpp"

namespace weir::sims::erp {
namespace {

long number(const std::string& flag, const std::string& value, long lo, long hi) {
  std::size_t used = 0;
  long n = 0;
  try {
    n = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value.empty() || used != value.size() || n < lo || n > hi) {
    throw std::invalid_argument(flag + ": want a whole number from " + std::to_string(lo) + " to " +
                                std::to_string(hi) + ", not \"" + value + "\"");
  }
  return n;
}

}  // namespace

SimOptions parse_options(const std::vector<std::string>& args) {
  SimOptions o;
  std::string err;
  // The style first, so that the flags after it override its aspects
  // wherever they stand on the line.
  std::string style = "classic";
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--style") style = args[i + 1];
  }
  if (!preset_style(style, &o.style, &err)) throw std::invalid_argument(err);
  std::string auth = "none";
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(flag + ": a value is missing");
    const std::string& v = args[i + 1];
    if (flag == "--port" || flag == "--address" || flag == "--style") continue;
    if (flag == "--seed")
      o.seed.seed = static_cast<std::uint64_t>(number(flag, v, 0, 1L << 62));
    else if (flag == "--products")
      o.seed.products = static_cast<int>(number(flag, v, 0, 2000000));
    else if (flag == "--customers")
      o.seed.customers = static_cast<int>(number(flag, v, 0, 1000000));
    else if (flag == "--warehouses")
      o.seed.warehouses = static_cast<int>(number(flag, v, 1, 50));
    else if (flag == "--bad-postcodes")
      o.seed.bad_postcodes = static_cast<int>(number(flag, v, 0, 1000000));
    else if (flag == "--auth")
      auth = v;
    else if (flag == "--user")
      o.auth.user = v;
    else if (flag == "--password")
      o.auth.password = v;
    else if (flag == "--token")
      o.auth.token = v;
    else if (!apply_style_flag(o.style, flag, v)) {
      throw std::invalid_argument("unknown option " + flag + " (README.md lists them)");
    }
  }
  if (auth == "basic") {
    o.auth.kind = AuthConfig::Kind::kBasic;
    if (o.auth.user.empty())
      throw std::invalid_argument("--auth basic needs --user (and --password)");
  } else if (auth == "bearer") {
    o.auth.kind = AuthConfig::Kind::kBearer;
    if (o.auth.token.empty()) throw std::invalid_argument("--auth bearer needs --token");
  } else if (auth != "none") {
    throw std::invalid_argument("--auth: none, basic or bearer, not \"" + auth + "\"");
  }
  check_style(o.style);
  return o;
}

}  // namespace weir::sims::erp
