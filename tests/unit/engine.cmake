weir_add_test(NAME engine_test SOURCES unit/engine_test.cpp unit/prerequisite_test.cpp
  unit/engine_reload_test.cpp unit/host_api_ids_test.cpp
  LIBS weir_engine weir_plugins weir_topology weir_message)
add_dependencies(engine_test core testkit testkit_v2 testkit_v3)
# The pump's parts, each on its own (no sockets, no store).
weir_add_test(NAME engine_parts_test SOURCES unit/commit_plan_test.cpp unit/dispatcher_test.cpp
  unit/routing_test.cpp
  LIBS weir_engine)
weir_add_test(NAME message_test SOURCES unit/message_test.cpp LIBS weir_message)
