weir_add_test(NAME http_test SOURCES unit/http_test.cpp unit/http_limits_test.cpp unit/router_test.cpp LIBS weir_http CURL::libcurl)
weir_add_test(NAME host_config_test SOURCES unit/host_config_test.cpp LIBS weir_config)
weir_add_test(NAME webhook_signature_test SOURCES unit/webhook_signature_test.cpp LIBS weir_webhooks OpenSSL::Crypto)
# The webhook handler with a real store, a recording starter and a ManualClock.
weir_add_test(NAME webhook_handler_test SOURCES unit/webhook_handler_test.cpp LIBS weir_webhooks)
