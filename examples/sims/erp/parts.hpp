// Everything one ERP simulator holds, shared by its API (api.hpp) and its
// control endpoint (control.hpp). Style, auth and seed options are fixed at
// start; the rest guards itself (Erp by its lock, Stats, Faults, SimClock
// by theirs), so any connection thread may use a Parts.
#pragma once

#include <string>

#include "erp_data.hpp"
#include "faults.hpp"
#include "seed_data.hpp"
#include "sim_clock.hpp"
#include "stats.hpp"
#include "style.hpp"

namespace weir::sims::erp {

struct AuthConfig {
  enum class Kind { kNone, kBasic, kBearer };
  Kind kind = Kind::kNone;
  std::string user;
  std::string password;
  std::string token;
};

struct SimOptions {
  SeedOptions seed;
  Style style;
  AuthConfig auth;
};

struct Parts {
  Parts(const SimOptions& o, Seconds now)
      : style(o.style), auth(o.auth), seed(o.seed), erp(make_seed_data(o.seed, now)) {}

  const Style style;
  const AuthConfig auth;
  const SeedOptions seed;
  Erp erp;
  Stats stats;
  Faults faults;
  SimClock clock;
};

}  // namespace weir::sims::erp
