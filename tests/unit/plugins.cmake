# host/plugins and the plugins we ship, tested with real .so files:
#   plugin_registry_test  the loader: refusals, content-hash copies, lifetime
#   core_plugin_test      core.pass / core.log through the C ABI
#   testkit_plugin_test   the payload-driven test nodes other tests rely on
#   mapper_test           core.mapper: mapping documents, and its config checked
#                         by validate_config and by the real topology loader
set(WEIR_PLUGIN_TEST_DEFINITIONS
  WEIR_FIXTURE_PLUGINS_DIR="${WEIR_FIXTURE_PLUGINS_DIR}"
  WEIR_EXAMPLE_PLUGINS_DIR="${CMAKE_BINARY_DIR}/example-plugins"
  WEIR_PROJECT_VERSION="${PROJECT_VERSION}")

foreach(test plugin_registry_test core_plugin_test testkit_plugin_test)
  weir_add_test(NAME ${test} SOURCES unit/${test}.cpp LIBS weir_plugins)
  target_compile_definitions(${test} PRIVATE ${WEIR_PLUGIN_TEST_DEFINITIONS})
  # The tests load these builds from disk; rebuild them first.
  add_dependencies(${test} core hello testkit testkit_v2 ${WEIR_FIXTURE_PLUGIN_TARGETS})
endforeach()

weir_add_test(NAME mapper_test SOURCES unit/mapper_test.cpp unit/mapper_config_test.cpp
  LIBS weir_plugins weir_topology)
add_dependencies(mapper_test core)

# The ERP connector's nodes that need no ERP: tax, config checks.
weir_add_test(NAME erp_plugin_test SOURCES unit/erp_plugin_test.cpp LIBS weir_plugins)
add_dependencies(erp_plugin_test erp)
