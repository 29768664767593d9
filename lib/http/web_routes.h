// The routes outside /api/v1 that operators and orchestrators use: /-/healthy, /-/ready,
// /-/reload, /-/quit and /metrics.
#pragma once

#include <functional>
#include <string>

#include "lib/http/router.h"
#include "lib/model/result.h"

namespace tsdbd::http {

struct WebHooks {
  bool enable_lifecycle = false;       // --web.enable-lifecycle: /-/reload and /-/quit work
  std::function<bool()> ready;         // storage open and WAL replayed
  // Reloads the configuration and calls `done` with the outcome, from any thread.
  std::function<void(std::function<void(Status)> done)> reload;
  std::function<void()> quit;          // starts a graceful shutdown
  std::function<std::string()> metrics_text;  // the process's own metrics, text format 0.0.4
};

// Registers the routes on `router`, answering as Prometheus 2.42 does (texts, codes).
void AddWebRoutes(Router& router, WebHooks hooks);

}  // namespace tsdbd::http
