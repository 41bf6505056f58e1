// The ERP's starting data, made from a seed: the same seed gives the same
// records on every run and machine (our own mixer, not <random>, whose
// distributions differ between standard libraries), and record i does not
// depend on how many records are made. Only the times follow the clock:
// they lie in the 30 days before `now`.
#pragma once

#include <cstdint>
#include <vector>

#include "model.hpp"

namespace weir::sims::erp {

struct SeedOptions {
  std::uint64_t seed = 1;
  int products = 100;
  int customers = 20;
  int warehouses = 2;
  int bad_postcodes = 0;  // the first N customers have a postcode their country refuses
};

struct SeedData {
  std::uint64_t seed = 1;  // what later changes (/_sim/change) are chosen by
  std::vector<Category> categories;
  std::vector<Warehouse> warehouses;
  std::vector<Product> products;
  std::vector<Customer> customers;
};

SeedData make_seed_data(const SeedOptions& options, Seconds now);

// A well-mixed 64-bit number from the three inputs (splitmix64 steps).
std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0);

// A money amount the way the seed makes prices: whole or .x9/.x0 cents.
Cents round_price(Cents cents);

}  // namespace weir::sims::erp
