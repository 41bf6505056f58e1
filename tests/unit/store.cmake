weir_add_test(NAME store_test SOURCES unit/store_test.cpp LIBS weir_store)
weir_add_test(NAME common_test SOURCES unit/common_test.cpp LIBS weir_base)
weir_add_test(NAME retention_test SOURCES unit/retention_test.cpp LIBS weir_store)
weir_add_test(NAME common_files_test SOURCES unit/private_files_test.cpp unit/secret_source_test.cpp LIBS weir_base)
