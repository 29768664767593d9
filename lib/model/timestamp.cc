#include "lib/model/timestamp.h"

namespace tsdbd {

int64_t TimestampMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

int64_t NowTimestampMs() {
  return TimestampMs(std::chrono::system_clock::now());
}

}  // namespace tsdbd
