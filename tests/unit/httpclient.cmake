# The HTTP client's pure parts: OAuth 1.0a signing and URLs.
weir_add_test(NAME oauth1_test SOURCES unit/oauth1_test.cpp LIBS weir_httpclient OpenSSL::Crypto)
