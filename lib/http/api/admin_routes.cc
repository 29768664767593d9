#include "lib/http/api/admin_routes.h"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

#include "lib/http/api/envelope.h"
#include "lib/http/api/params.h"
#include "lib/model/go_quote.h"
#include "lib/model/time_format.h"
#include "lib/promql/parser.h"

namespace tsdbd::http::api {
namespace {

constexpr const char* kPaths[] = {"/api/v1/admin/tsdb/delete_series",
                                  "/api/v1/admin/tsdb/clean_tombstones",
                                  "/api/v1/admin/tsdb/snapshot"};

// Prometheus answers a disabled admin API with errorType "unavailable" but status 500.
Response Disabled() {
  Response r = Failure(ErrorType::kUnavailable, "admin APIs disabled");
  r.status = 500;
  return r;
}

// Registers `handler` for POST and PUT, the methods Prometheus accepts.
void AddBoth(ApiRoutes& routes, const char* path, const Handler& handler) {
  routes.Add("POST", path, handler);
  routes.Add("PUT", path, handler);
}

uint64_t RandomBits() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

struct DeleteRequest {
  std::vector<std::vector<Matcher>> sets;
  int64_t start = kMinTimeMs, end = kMaxTimeMs;
};

// Validates a delete_series request in Prometheus's order: form, match[] present, start,
// end, then every selector (all parsed before anything is deleted).
Result<DeleteRequest> ParseDelete(const Request& request) {
  if (!request.form_error.empty()) {
    return Error("error parsing form values: " + request.form_error);
  }
  const std::vector<std::string> selectors = request.Params("match[]");
  if (selectors.empty()) return Error("no match[] parameter provided");
  DeleteRequest d;
  auto start = TimeParam(request, "start", kMinTimeMs);
  if (!start.ok()) return start.error();
  auto end = TimeParam(request, "end", kMaxTimeMs);
  if (!end.ok()) return end.error();
  d.start = *start;
  d.end = *end;
  for (const std::string& s : selectors) {
    auto matchers = promql::ParseMetricSelector(s);
    if (!matchers.ok())
      return Error("invalid parameter \"match[]\": " + matchers.error().message());
    d.sets.push_back(std::move(*matchers));
  }
  return d;
}

}  // namespace

std::string SnapshotName(int64_t unix_seconds, uint64_t random) {
  std::string stamp;
  for (char c : FormatRfc3339(SystemTime(std::chrono::seconds(unix_seconds)))) {
    if (c != '-' && c != ':') stamp += c;
  }
  return fmt::format("{}-{:016x}", stamp, random & 0x7fffffffffffffffULL);
}

Result<bool> ParseGoBool(std::string_view text) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f) return false;
  }
  return Error("strconv.ParseBool: parsing " + GoQuote(text) + ": invalid syntax");
}

void AddAdminRoutes(ApiRoutes& routes, bool enabled, AdminSources sources, WorkPool& pool) {
  if (!enabled) {
    for (const char* path : kPaths) {
      AddBoth(routes, path, [](const Request&, Reply reply) { reply(Disabled()); });
    }
    return;
  }
  auto src = std::make_shared<const AdminSources>(std::move(sources));

  AddBoth(routes, kPaths[0], [src, &pool](const Request& request, Reply reply) {
    auto parsed = ParseDelete(request);
    if (!parsed.ok()) {
      reply(Failure(ErrorType::kBadData, parsed.error().message()));
      return;
    }
    pool.Submit([src, d = std::move(*parsed), reply = std::move(reply)] {
      for (const std::vector<Matcher>& set : d.sets) {
        if (Status s = src->delete_series(d.start, d.end, set); !s.ok()) {
          reply(Failure(ErrorType::kInternal, s.message()));
          return;
        }
      }
      reply(NoContent());
    });
  });

  AddBoth(routes, kPaths[1], [src, &pool](const Request&, Reply reply) {
    pool.Submit([src, reply = std::move(reply)] {
      if (Status s = src->clean_tombstones(); !s.ok()) {
        reply(Failure(ErrorType::kInternal, s.message()));
        return;
      }
      reply(NoContent());
    });
  });

  AddBoth(routes, kPaths[2], [src, &pool](const Request& request, Reply reply) {
    bool skip_head = false;
    if (const std::string* v = request.Param("skip_head"); v != nullptr && !v->empty()) {
      auto b = ParseGoBool(*v);
      if (!b.ok()) {
        reply(Failure(ErrorType::kBadData,
                      "invalid parameter \"skip_head\": unable to parse "
                      "boolean: " +
                          b.error().message()));
        return;
      }
      skip_head = *b;
    }
    pool.Submit([src, skip_head, reply = std::move(reply)] {
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      const std::string name = SnapshotName(now, RandomBits());
      const std::filesystem::path dir = std::filesystem::path(src->data_dir) / "snapshots" / name;
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        reply(Failure(ErrorType::kInternal, "create snapshot directory: " + ec.message()));
        return;
      }
      if (Status s = src->snapshot(dir.string(), !skip_head); !s.ok()) {
        reply(Failure(ErrorType::kInternal, "create snapshot: " + s.message()));
        return;
      }
      boost::json::object data;
      data["name"] = name;
      reply(Success(std::move(data)));
    });
  });
}

}  // namespace tsdbd::http::api
