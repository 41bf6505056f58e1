# End-to-end tests: the real build/bin/weir, real plugins, real sockets.
weir_add_test(NAME e2e_test
  SOURCES e2e/crash_recovery_test.cpp e2e/cli_test.cpp e2e/control_test.cpp e2e/retry_test.cpp
    e2e/trash_test.cpp e2e/process_test.cpp
    e2e/version_test.cpp e2e/paging_test.cpp e2e/prerequisite_test.cpp
    e2e/cron_test.cpp e2e/webhook_test.cpp e2e/reload_test.cpp e2e/hostile_input_test.cpp
    e2e/private_files_test.cpp
    e2e/http_abuse_test.cpp e2e/apps_test.cpp e2e/abi_test.cpp
  LIBS weir_store weir_control weir_http CURL::libcurl OpenSSL::Crypto)
add_dependencies(e2e_test weir core testkit testkit_v2 testkit_v3 fixture_abi_major fixture_good_abi13)
