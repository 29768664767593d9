// Repairing a damaged WAL: a torn tail after a crash is expected and never fatal.
#pragma once

#include <optional>
#include <string>

#include "lib/model/result.h"
#include "lib/tsdb/wal/reader.h"

namespace tsdbd::tsdb::wal {

// Truncates segment c.segment of `dir` at c.valid_end (the end of its last whole record),
// deletes every later segment, fsyncs, and logs (spdlog, warning) each segment, offset and
// byte count dropped. An Error for an `unsupported` corruption (that data is valid, just
// unreadable here) or when the files can't be changed.
Status Repair(const std::string& dir, const Corruption& c);

// Checks the last two segments of `dir` (the only ones a crash can leave half written)
// and Repair()s the first damage found. Returns that damage, or nullopt if none.
Result<std::optional<Corruption>> RepairTail(const std::string& dir);

// Checks every segment of `dir` and Repair()s the first damage found.
Result<std::optional<Corruption>> ScanAndRepair(const std::string& dir);

}  // namespace tsdbd::tsdb::wal
