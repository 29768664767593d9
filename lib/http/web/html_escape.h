// HTML escaping for server-rendered pages: every value that came from outside (labels, scrape
// errors, URLs) goes through here before it is written into a page.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::http::web {

// Appends `text` with & < > " ' replaced by character references (Go's choices: &#34; and
// &#39;): safe in element content
// and in a double- or single-quoted attribute value.
void AppendHtmlEscaped(std::string& out, std::string_view text);

// The escaped copy of `text`.
std::string HtmlEscape(std::string_view text);

}  // namespace tsdbd::http::web
