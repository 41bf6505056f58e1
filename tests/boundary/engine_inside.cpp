// Must NOT compile: code that links the runtime (and so every part) reaching
// into the engine's inside. ctest builds it and expects the compiler to say
// the private header is not there (host/CMakeLists.txt: one include path
// per part, private headers beside the sources).
#include "engine/pump.hpp"

int main() { return 0; }
