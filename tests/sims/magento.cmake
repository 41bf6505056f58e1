# The Magento simulator's own tests: each starts the real binary
# (build/bin/weir-sim-magento) and talks to it over loopback.
weir_add_test(NAME magento_sim_test
  SOURCES sims/magento_sim_test.cpp
  LIBS CURL::libcurl OpenSSL::Crypto nlohmann_json::nlohmann_json)
add_dependencies(magento_sim_test weir-sim-magento)
