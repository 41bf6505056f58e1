# End-to-end tests: the real build/bin/weir, real plugins, real sockets.
weir_add_test(NAME e2e_test
  SOURCES e2e/crash_recovery_test.cpp e2e/cli_test.cpp e2e/control_test.cpp e2e/retry_test.cpp
    e2e/trash_test.cpp e2e/process_test.cpp
    e2e/version_test.cpp e2e/paging_test.cpp e2e/prerequisite_test.cpp
    e2e/cron_test.cpp e2e/webhook_test.cpp e2e/reload_test.cpp e2e/hostile_input_test.cpp
    e2e/private_files_test.cpp
    e2e/http_abuse_test.cpp e2e/apps_test.cpp e2e/abi_test.cpp e2e/start_test.cpp
  LIBS weir_store weir_control weir_http CURL::libcurl OpenSSL::Crypto)
add_dependencies(e2e_test weir core woocommerce erp magento testkit testkit_v2 testkit_v3 fixture_abi_major
  fixture_good_abi13)
weir_also_on_postgres(e2e_test)

# The limiter as a shop sees it: rates and throughput measured in the test,
# so its cases run alone (SERIAL), not beside other tests on the same cores.
weir_add_test(NAME limiter_e2e_test SERIAL SOURCES e2e/limiter_test.cpp LIBS weir_http CURL::libcurl)
add_dependencies(limiter_e2e_test weir core testkit)
weir_also_on_postgres(limiter_e2e_test SERIAL)  # the rate then the cluster's budget row

# core.mapper in the real host: a webhook's products mapped, the one it cannot
# map in the trash; `weir topology validate` on its config mistakes.
weir_add_test(NAME mapper_e2e_test SOURCES e2e/mapper_test.cpp LIBS CURL::libcurl)
add_dependencies(mapper_e2e_test weir core testkit)
weir_also_on_postgres(mapper_e2e_test)

# core.comparator in the real host: only new and changed items go on; a
# failed write is sent again; `weir comparator reset`.
weir_add_test(NAME comparator_e2e_test SOURCES e2e/comparator_test.cpp LIBS CURL::libcurl)
add_dependencies(comparator_e2e_test weir core testkit)
weir_also_on_postgres(comparator_e2e_test)

# The ID map in the real host against a loopback shop: a create killed
# before its commit is found by its SKU after the restart, not made twice.
weir_add_test(NAME id_map_e2e_test SOURCES e2e/id_map_test.cpp LIBS weir_http)
add_dependencies(id_map_e2e_test weir core testkit)
weir_also_on_postgres(id_map_e2e_test)

# Delta sync in the real host against a loopback ERP: the first run full, the
# next only what changed since it began; weir sync reset.
weir_add_test(NAME delta_e2e_test SOURCES e2e/delta_test.cpp LIBS weir_http)
add_dependencies(delta_e2e_test weir core testkit)
weir_also_on_postgres(delta_e2e_test)

# The shipped product-sync topology with the real connectors against both
# simulators: a full import, then only what changed; the shop's paging traps.
weir_add_test(NAME product_sync_e2e_test SOURCES e2e/product_sync_test.cpp LIBS CURL::libcurl)
add_dependencies(product_sync_e2e_test weir core woocommerce erp testkit weir-sim-erp
  weir-sim-woocommerce)
weir_also_on_postgres(product_sync_e2e_test)

# The shipped order-sync topology: one ERP order per shop order by webhook,
# poll, duplicate delivery and a SIGKILL between the ERP's create and the
# commit; a bad postcode in the trash with the ERP's reason.
weir_add_test(NAME order_sync_e2e_test SOURCES e2e/order_sync_test.cpp
  LIBS CURL::libcurl OpenSSL::Crypto)
add_dependencies(order_sync_e2e_test weir core woocommerce erp weir-sim-erp weir-sim-woocommerce)
weir_also_on_postgres(order_sync_e2e_test)

# The generic ERP connector against the ERP simulator's filter and cursor
# styles, by configuration alone.
weir_add_test(NAME erp_styles_e2e_test SOURCES e2e/erp_styles_test.cpp LIBS CURL::libcurl)
add_dependencies(erp_styles_e2e_test weir core woocommerce erp weir-sim-erp weir-sim-woocommerce)
weir_also_on_postgres(erp_styles_e2e_test)

# The Magento variants of the shipped flows against the ERP and Magento
# simulators: the bulk API, the last-page trap, an admin token expiring
# mid-sync, failing bulk operations, a fragile shop, orders by poll once each
# across a SIGKILL, statuses back as order actions.
weir_add_test(NAME magento_sync_e2e_test SOURCES e2e/magento_sync_test.cpp LIBS CURL::libcurl)
add_dependencies(magento_sync_e2e_test weir core magento erp testkit weir-sim-erp
  weir-sim-magento)
weir_also_on_postgres(magento_sync_e2e_test)

# Several weir hosts on one PostgreSQL database: the work shared, one host
# SIGKILLed mid-flow, every process exactly once (issue 14).
weir_add_test(NAME cluster_e2e_test POSTGRES SOURCES e2e/cluster_test.cpp LIBS weir_store CURL::libcurl)
add_dependencies(cluster_e2e_test weir core testkit)
# An application's rate across 3 hosts, measured at the server: run alone.
weir_add_test(NAME cluster_limiter_e2e_test POSTGRES SERIAL SOURCES e2e/cluster_limiter_test.cpp
  LIBS weir_http CURL::libcurl)
add_dependencies(cluster_limiter_e2e_test weir core testkit)
