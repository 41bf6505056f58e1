# The WooCommerce simulator's own tests: each starts the real binary
# (build/bin/weir-sim-woocommerce) and talks to it over loopback.
weir_add_test(NAME woocommerce_sim_test
  SOURCES sims/woocommerce_sim_test.cpp sims/woocommerce_sim_auth_test.cpp
  LIBS CURL::libcurl OpenSSL::Crypto nlohmann_json::nlohmann_json)
add_dependencies(woocommerce_sim_test weir-sim-woocommerce)

# Webhooks and the fragile host measure time and concurrency: alone.
weir_add_test(NAME woocommerce_sim_host_test SERIAL
  SOURCES sims/woocommerce_sim_host_test.cpp
  LIBS weir_sim_common CURL::libcurl OpenSSL::Crypto nlohmann_json::nlohmann_json)
add_dependencies(woocommerce_sim_host_test weir-sim-woocommerce)
