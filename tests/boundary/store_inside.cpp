// Must NOT compile: the engine's users reaching the SQLite store's inside
// (only store.hpp is the store's public face). See engine_inside.cpp.
#include "store/sqlite_store.hpp"

int main() { return 0; }
