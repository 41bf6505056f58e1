// Wall-clock milliseconds since the Unix epoch, as stored in the store.
#pragma once

#include <chrono>
#include <cstdint>

namespace weir {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace weir
