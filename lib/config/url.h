// URL and path checks that mirror what Prometheus's Go libraries accept.
#pragma once

#include <string>

namespace tsdbd::config {

// Returns "" when Go's url.Parse would accept `text`, else the reason it gives
// ("missing protocol scheme", "invalid port \":x\" after host", ...).
std::string ValidateUrl(const std::string& text);

// Joins a relative `path` with `dir` and cleans the result like Go's filepath.Join;
// empty and absolute paths are returned unchanged.
std::string JoinDir(const std::string& dir, const std::string& path);

// Go's filepath.Clean.
std::string CleanPath(const std::string& path);

}  // namespace tsdbd::config
