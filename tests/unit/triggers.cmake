weir_add_test(NAME cron_test SOURCES unit/cron_test.cpp unit/time_zone_test.cpp LIBS weir_triggers)
# The scheduler's decisions at times a ManualClock sets, on a real store.
weir_add_test(NAME scheduler_test SOURCES unit/scheduler_test.cpp LIBS weir_schedule)
# What `weir topology ls` shows of the triggers (control/views.cpp), at a ManualClock's now.
weir_add_test(NAME control_views_test SOURCES unit/control_views_test.cpp LIBS weir_control)
