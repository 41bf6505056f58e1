weir_add_test(NAME http_test SOURCES unit/http_test.cpp LIBS weir_http CURL::libcurl)
