// ULIDs name blocks: 26 characters of Crockford base32 (0-9, A-Z without I, L, O, U)
// holding a 48-bit millisecond timestamp and 80 random bits, so that names sort by time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tsdbd::tsdb::block {

// A new ULID for time `now_ms`. Within one process successive ULIDs are strictly
// increasing (as strings), even for equal or earlier times. Thread-safe.
std::string NewUlid(int64_t now_ms);

// Whether `s` is a well-formed ULID (26 Crockford base32 characters, upper or lower
// case, first character at most '7' so the value fits 128 bits).
bool IsUlid(std::string_view s);

// The millisecond timestamp of a ULID; nullopt if `s` is not one.
std::optional<int64_t> UlidTime(std::string_view s);

}  // namespace tsdbd::tsdb::block
