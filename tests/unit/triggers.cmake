weir_add_test(NAME cron_test SOURCES unit/cron_test.cpp unit/time_zone_test.cpp LIBS weir_triggers)
