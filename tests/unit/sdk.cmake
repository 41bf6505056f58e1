# The header-only SDK (sdk/include/weir): payload conversions and the C++
# node layer, tested directly without a plugin library.
weir_add_test(NAME sdk_test SOURCES unit/sdk_test.cpp)
