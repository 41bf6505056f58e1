weir_add_test(NAME store_test SOURCES unit/store_test.cpp LIBS weir_store)
weir_add_test(NAME common_test SOURCES unit/common_test.cpp LIBS weir_base)
weir_add_test(NAME retention_test SOURCES unit/retention_test.cpp LIBS weir_store)
weir_add_test(NAME common_files_test SOURCES unit/private_files_test.cpp unit/secret_source_test.cpp LIBS weir_base)
# The same store suite on PostgreSQL (a database of each test's own in the
# build's test cluster, support/pg_cluster.hpp); [sqlite] cases are about
# SQLite's file alone.
catch_discover_tests(store_test EXTRA_ARGS -w NoTests TEST_SPEC "~[sqlite]" TEST_PREFIX "pg: "
  PROPERTIES ENVIRONMENT WEIR_TEST_STORE=postgres FIXTURES_REQUIRED pg LABELS postgres)
