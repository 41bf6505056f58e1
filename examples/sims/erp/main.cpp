// weir-sim-erp: a company's ERP (the golden record for products, the place
// orders go) with a JSON REST API whose shape is chosen at start. See
// README.md beside this file.
#include <iostream>

#include "erp_sim.hpp"
#include "sim_http.hpp"

int main(int argc, char** argv) {
  using namespace weir::sims;
  return run_main(argc, argv, "weir-sim-erp", [](const std::vector<std::string>& args) {
    const auto options = erp::parse_options(args);
    auto sim = std::make_shared<erp::ErpSim>(options);
    std::cerr << "weir-sim-erp: style " << options.style.name << ", " << options.seed.products
              << " products, " << options.seed.customers << " customers (GET /_sim/style)\n";
    return Handler([sim](const Request& req) { return sim->handle(req); });
  });
}
