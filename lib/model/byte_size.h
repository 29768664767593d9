// Byte sizes written the way Prometheus's flags write them: "512MB", "1GiB", "0B".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd {

// Parses a size with a required unit, powers of two: B, KB, MB, GB, TB, PB, EB, or the
// same with "iB" (KiB, MiB, ...). Parts may be combined ("1GB512MB") and may carry a
// fraction ("1.5GB"); "0" alone is accepted.
Result<int64_t> ParseByteSize(std::string_view text);

// Formats as Prometheus does: "0B", "512MiB", "1KiB512B".
std::string FormatByteSize(int64_t bytes);

}  // namespace tsdbd
