# The HTTP client's pure parts: OAuth 1.0a signing and URLs.
weir_add_test(NAME oauth1_test SOURCES unit/oauth1_test.cpp LIBS weir_httpclient OpenSSL::Crypto)
# The client against a real loopback server.
weir_add_test(NAME http_client_test SOURCES unit/http_client_test.cpp LIBS weir_httpclient weir_http)
