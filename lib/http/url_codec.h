// URL pieces as Go's net/url and net/http read them: query strings, form bodies, paths.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::http {

// Decodes a request path: "%XX" escapes become bytes, '+' stays '+'. An error for a '%'
// not followed by two hex digits (Go answers 400 to such a request).
Result<std::string> UnescapePath(std::string_view path);

// Appends the pairs of an application/x-www-form-urlencoded string (a query string or a
// form body) to *out, as Go's url.ParseQuery: pairs split on '&', key and value on the
// first '=', '+' is a space. A pair with a ';' or a bad escape is skipped. Returns the
// first such error message (Go's wording), empty when all pairs parsed.
std::string ParseQuery(std::string_view query,
                       std::vector<std::pair<std::string, std::string>>* out);

// The canonical form of a path as Go's ServeMux computes it: rooted, no "//", "." or "..",
// a trailing slash kept when the path had one (except that "/" stays "/").
std::string CleanPath(std::string_view path);

}  // namespace tsdbd::http
