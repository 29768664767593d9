// The core of `tsdbd check config FILE...`, modeled on `promtool check config`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::config {

// Checks each config file: it must load (ParseConfig's rules), the credentials and client
// certificate files of scrape jobs must exist, file_sd files that exist must hold valid
// target groups, and every rule file must exist and pass CheckRuleFileShape. Progress goes
// to `out` ("Checking F", " SUCCESS: ..."), failures to `err` ("  FAILED: ..."). Returns 0
// when every file passes, 1 otherwise.
int RunCheckConfig(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

// Checks a rule file's YAML structure (a `groups` list of named groups whose rules have
// `expr` and exactly one of `record`/`alert`) without parsing PromQL. Returns the number
// of rules.
Result<int> CheckRuleFileShape(const std::string& path);

// Checks a file_sd file (JSON or YAML list of {targets, labels}). Returns the number of
// target groups.
Result<int> CheckFileSdFile(const std::string& path);

}  // namespace tsdbd::config
