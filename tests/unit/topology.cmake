# Topology loader tests: real YAML fixtures, checked against the real node
# types of core.so and testkit.so loaded through the real PluginRegistry.
weir_add_test(NAME topology_test
  SOURCES unit/topology_test.cpp unit/config_schema_test.cpp unit/yaml_json_test.cpp
  LIBS weir_topology weir_plugins)
foreach(plugin core testkit)
  if(TARGET ${plugin})
    add_dependencies(topology_test ${plugin})
  endif()
endforeach()
