weir_add_test(NAME store_test SOURCES unit/store_test.cpp LIBS weir_store)
