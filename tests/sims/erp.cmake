# weir-sim-erp against its README: each style's lists, filters, paging,
# empty pages, creates, errors, order confirmation and the /_sim/ calls.
weir_add_test(NAME erp_sim_test
  SOURCES sims/erp_sim_test.cpp
  LIBS CURL::libcurl nlohmann_json::nlohmann_json)
add_dependencies(erp_sim_test weir-sim-erp)
