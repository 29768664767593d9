// The file_sd file format: a JSON or YAML list of {targets: [...], labels: {...}}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"
#include "lib/scrape/discovery/target_group.h"

namespace tsdbd::scrape::discovery {

enum class FileSdFormat { kJson, kYaml };

// The format a file_sd file name implies (".json" -> JSON, ".yml"/".yaml" -> YAML, case
// insensitive), or an error for any other extension.
Result<FileSdFormat> FileSdFormatFor(std::string_view path);

// Parses `content` (the file at `path`) into groups as Prometheus 2.42's file SD does: group
// i is sourced "<path>:<i>", carries __meta_filepath=<path> among its labels, and each target
// becomes {__address__: target}. Label names must be valid; YAML must not hold unknown keys.
Result<std::vector<TargetGroup>> ParseFileSd(std::string_view content, FileSdFormat format,
                                             const std::string& path);

}  // namespace tsdbd::scrape::discovery
