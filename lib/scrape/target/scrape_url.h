// The URL a target is scraped at, written as Prometheus writes it (the scrapeUrl field of
// /api/v1/targets).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/model/labels.h"

namespace tsdbd::scrape {

// scheme://address/path?query from a target's labels (__scheme__, __address__,
// __metrics_path__) and the scrape config's params, where a __param_<name> label replaces
// the first value of <name> (or adds it). The query has the names sorted and each pair
// query-escaped (space as '+'); host and path are escaped as Go's net/url does.
std::string ScrapeUrl(const Labels& labels,
                      const std::map<std::string, std::vector<std::string>>& params);

}  // namespace tsdbd::scrape
