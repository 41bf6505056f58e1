# weir_add_plugin(NAME <name> SOURCES <files...> [OUTPUT_DIR <dir>])
# Builds a weir plugin: a MODULE library named <name>.so (no "lib" prefix),
# hidden visibility and -fno-gnu-unique so that dlclose really unloads it and
# a reloaded build gets its own copies of every static.
function(weir_add_plugin)
  cmake_parse_arguments(P "" "NAME;OUTPUT_DIR" "SOURCES" ${ARGN})
  add_library(${P_NAME} MODULE ${P_SOURCES})
  target_link_libraries(${P_NAME} PRIVATE weir::sdk)
  set_target_properties(${P_NAME} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_compile_options(${P_NAME} PRIVATE -fno-gnu-unique)
  if(P_OUTPUT_DIR)
    set_target_properties(${P_NAME} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  else()
    set_target_properties(${P_NAME} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
  endif()
  weir_warnings(${P_NAME})
endfunction()
