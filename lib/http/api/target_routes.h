// /api/v1/targets, /api/v1/scrape_pools, /api/v1/targets/metadata and /api/v1/metadata:
// what the scrape manager knows about its targets.
#pragma once

#include <string>

#include "lib/http/api/api_routes.h"
#include "lib/scrape/manager/manager.h"

namespace tsdbd::http::api {

struct TargetRoutesOptions {
  // The URL under which tsdbd is reachable (--web.external-url, or http://<hostname>:<port>),
  // used for the globalUrl of targets on localhost.
  std::string external_url;
  // The port tsdbd listens on: a localhost target on it is tsdbd itself.
  std::string listen_port;
};

// `scrape` must outlive the server.
void AddTargetRoutes(ApiRoutes& routes, const scrape::ScrapeManager& scrape,
                     TargetRoutesOptions options);

}  // namespace tsdbd::http::api
