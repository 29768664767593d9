#include "lib/http/web_routes.h"

#include <memory>

namespace tsdbd::http {
namespace {

Response Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void AddWebRoutes(Router& router, WebHooks hooks) {
  auto h = std::make_shared<const WebHooks>(std::move(hooks));

  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/-/healthy", "/-/healthy", [](const Request&, Reply reply) {
      reply(Text(200, "Prometheus Server is Healthy.\n"));
    });
    router.Add(method, "/-/ready", "/-/ready", [h](const Request&, Reply reply) {
      reply(h->ready() ? Text(200, "Prometheus Server is Ready.\n")
                       : Text(503, "Service Unavailable"));
    });
  }

  for (const char* method : {"POST", "PUT"}) {
    router.Add(method, "/-/reload", "/-/reload", [h](const Request&, Reply reply) {
      if (!h->enable_lifecycle) return reply(Text(403, "Lifecycle API is not enabled."));
      h->reload([reply](Status status) {
        reply(status.ok() ? Text(200, "")
                          : Text(500, "failed to reload config: " + status.message() + "\n"));
      });
    });
    router.Add(method, "/-/quit", "/-/quit", [h](const Request&, Reply reply) {
      if (!h->enable_lifecycle) return reply(Text(403, "Lifecycle API is not enabled."));
      reply(Text(200, "Requesting termination... Goodbye!"));
      h->quit();
    });
  }
  // Prometheus answers other methods on the lifecycle endpoints with this text.
  for (const char* method : {"GET", "HEAD", "DELETE", "PATCH"}) {
    for (const char* path : {"/-/reload", "/-/quit"}) {
      router.Add(method, path, path, [](const Request&, Reply reply) {
        reply(Text(405, "Only POST or PUT requests allowed"));
      });
    }
  }

  router.Add("GET", "/metrics", "/metrics", [h](const Request&, Reply reply) {
    Response r = Text(200, h->metrics_text());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply(std::move(r));
  });
}

}  // namespace tsdbd::http
