// Content negotiation for scrapes: what tsdbd asks for and how it reads the answer's type.
#pragma once

#include <string_view>

namespace tsdbd::scrape::textparse {

// The Accept header Prometheus 2.42 sends with every scrape (observed on the wire from
// prometheus 2.42.0+ds): OpenMetrics 1.0.0 first, then 0.0.1, then text 0.0.4.
inline constexpr std::string_view kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

enum class Format { kPrometheusText, kOpenMetrics };

// The parser a Content-Type selects, as Prometheus 2.42 chooses: the media type
// application/openmetrics-text (case-insensitive, any parameters) is OpenMetrics; anything
// else, an empty header, or a header that is not a well-formed media type is text 0.0.4
// (Prometheus falls back to its text parser when the header does not parse).
Format FormatForContentType(std::string_view content_type);

}  // namespace tsdbd::scrape::textparse
