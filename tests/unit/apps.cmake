# Application files, read from real files.
weir_add_test(NAME app_loader_test SOURCES unit/app_loader_test.cpp LIBS weir_apps)
