// Template expansion of relabel replacements and target labels, with the semantics of Go's
// regexp.Expand that Prometheus relies on.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace tsdbd::scrape::relabel {

// Appends `tmpl` to *out with references replaced by submatches of `re`:
//   $$ is a literal "$"; $name and ${name} take the longest run of letters, digits and "_"
//   as the name ("$1x" is the group named "1x", not group 1 then "x"); a name of digits
//   only (no leading zero, below 1e8) is a group number, anything else a group name;
//   unknown, out-of-range or unmatched groups expand to nothing; a "$" that starts no valid
//   reference (e.g. "$ ", "${" without "}") is kept as text.
// `groups` holds the whole match then each capturing group (unmatched ones with a null
// data pointer), as RE2::Match fills them.
void Expand(std::string_view tmpl, const re2::RE2& re, std::span<const std::string_view> groups,
            std::string* out);

}  // namespace tsdbd::scrape::relabel
