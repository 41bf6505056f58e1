weir_add_test(NAME dir_watcher_test SOURCES unit/dir_watcher_test.cpp LIBS weir_runtime)
