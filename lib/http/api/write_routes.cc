#include "lib/http/api/write_routes.h"

#include "lib/remote/write_handler.h"

namespace tsdbd::http::api {
namespace {

Response Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void AddWriteRoutes(ApiRoutes& routes, bool enabled, storage::Appendable& db, WorkPool& pool) {
  if (!enabled) {
    // Prometheus 2.42's words, which still name the older feature flag.
    routes.Add("POST", "/api/v1/write", [](const Request&, Reply reply) {
      reply(Text(404,
                 "remote write receiver needs to be enabled with "
                 "--enable-feature=remote-write-receiver\n"));
    });
    return;
  }
  routes.Add("POST", "/api/v1/write", [&db, &pool](const Request& request, Reply reply) {
    const std::string* encoding = request.Header("Content-Encoding");
    const std::string* type = request.Header("Content-Type");
    pool.Submit([&db, body = request.body, encoding = encoding ? *encoding : std::string(),
                 type = type ? *type : std::string(), reply = std::move(reply)] {
      thread_local remote::WriteScratch scratch;
      const remote::WriteOutcome outcome =
          remote::HandleWrite(body, encoding, type, db, remote::WriteOptions{}, &scratch);
      Response r = Text(outcome.status, outcome.body);
      if (outcome.status == 204) r.content_type.clear();
      reply(std::move(r));
    });
  });
}

}  // namespace tsdbd::http::api
