weir_add_test(NAME dir_watcher_test SOURCES unit/dir_watcher_test.cpp LIBS weir_runtime)
# The hot reload's decisions (pure: values in, decisions out).
weir_add_test(NAME reload_plan_test SOURCES unit/reload_plan_test.cpp LIBS weir_runtime)
