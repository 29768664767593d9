#include "lib/http/api/metadata_routes.h"

#include <boost/json/array.hpp>
#include <set>

#include "lib/http/api/envelope.h"
#include "lib/http/api/json_writer.h"
#include "lib/http/api/params.h"
#include "lib/model/go_quote.h"
#include "lib/model/names.h"
#include "lib/storage/merge_querier.h"

namespace tsdbd::http::api {
namespace {

boost::json::array Strings(const std::vector<std::string>& values) {
  boost::json::array out;
  out.reserve(values.size());
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

// The time range and match[] sets shared by the three endpoints.
struct Selection {
  int64_t start = kMinTimeMs;
  int64_t end = kMaxTimeMs;
  std::vector<std::vector<Matcher>> matcher_sets;
};

Result<Selection> ParseSelection(const Request& request, bool match_is_a_parameter) {
  Selection s;
  auto start = TimeParam(request, "start", kMinTimeMs);
  if (!start.ok()) return start.error();
  auto end = TimeParam(request, "end", kMaxTimeMs);
  if (!end.ok()) return end.error();
  auto sets = MatcherSets(request.Params("match[]"));
  if (!sets.ok()) {
    if (!match_is_a_parameter) return sets.error();
    return Error("invalid parameter \"match[]\": " + sets.error().message());
  }
  s.start = *start;
  s.end = *end;
  s.matcher_sets = std::move(*sets);
  return s;
}

Response Series(const Request& request, storage::Queryable& queryable) {
  if (!request.form_error.empty()) {
    return Failure(ErrorType::kBadData, "error parsing form values: " + request.form_error);
  }
  if (request.Params("match[]").empty()) {
    return Failure(ErrorType::kBadData, "no match[] parameter provided");
  }
  auto sel = ParseSelection(request, true);
  if (!sel.ok()) return Failure(ErrorType::kBadData, sel.error().message());
  auto querier = queryable.NewQuerier(sel->start, sel->end);
  if (!querier.ok()) return Failure(ErrorType::kExecution, querier.error().message());
  storage::SelectHints hints{.start_ms = sel->start, .end_ms = sel->end, .func = "series"};
  std::vector<std::unique_ptr<storage::SeriesSet>> sets;
  for (const auto& matchers : sel->matcher_sets) {
    sets.push_back((*querier)->Select(true, &hints, matchers));
  }
  auto set = storage::MergeSeriesSets(std::move(sets));
  std::string out = "[";
  while (set->Next()) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonLabels(out, set->At()->labels());
  }
  out.push_back(']');
  if (Status s = set->Err(); !s.ok()) return Failure(ErrorType::kExecution, s.message());
  return SuccessRaw(out, set->Warnings());
}

Response LabelNames(const Request& request, storage::Queryable& queryable) {
  auto sel = ParseSelection(request, false);
  if (!sel.ok()) return Failure(ErrorType::kBadData, sel.error().message());
  auto querier = queryable.NewQuerier(sel->start, sel->end);
  if (!querier.ok()) return Failure(ErrorType::kExecution, querier.error().message());
  if (sel->matcher_sets.empty()) {
    auto names = (*querier)->LabelNames({});
    if (!names.ok()) return Failure(ErrorType::kExecution, names.error().message());
    return Success(Strings(*names));
  }
  storage::SelectHints hints{.start_ms = sel->start, .end_ms = sel->end, .func = "series"};
  std::set<std::string> names;
  std::vector<std::string> warnings;
  for (const auto& matchers : sel->matcher_sets) {
    auto set = (*querier)->Select(false, &hints, matchers);
    while (set->Next()) {
      for (const Label l : set->At()->labels()) names.emplace(l.name);
    }
    for (std::string& w : set->Warnings()) warnings.push_back(std::move(w));
    if (Status s = set->Err(); !s.ok()) return Failure(ErrorType::kExecution, s.message());
  }
  return Success(Strings({names.begin(), names.end()}), warnings);
}

Response LabelValues(const Request& request, storage::Queryable& queryable) {
  const std::string& name = request.path_vars.at("name");
  if (!IsValidLabelName(name)) {
    return Failure(ErrorType::kBadData, "invalid label name: " + GoQuote(name));
  }
  auto sel = ParseSelection(request, false);
  if (!sel.ok()) return Failure(ErrorType::kBadData, sel.error().message());
  auto querier = queryable.NewQuerier(sel->start, sel->end);
  if (!querier.ok()) return Failure(ErrorType::kExecution, querier.error().message());
  if (sel->matcher_sets.empty()) {
    auto values = (*querier)->LabelValues(name, {});
    if (!values.ok()) return Failure(ErrorType::kExecution, values.error().message());
    return Success(Strings(*values));
  }
  std::set<std::string> values;
  for (const auto& matchers : sel->matcher_sets) {
    auto v = (*querier)->LabelValues(name, matchers);
    if (!v.ok()) return Failure(ErrorType::kExecution, v.error().message());
    values.insert(v->begin(), v->end());
  }
  return Success(Strings({values.begin(), values.end()}));
}

}  // namespace

void AddMetadataRoutes(ApiRoutes& routes, storage::Queryable& queryable, WorkPool& pool) {
  // Each endpoint runs on the pool: a large index scan must not hold an I/O thread.
  const auto add = [&](const char* method, const char* path,
                       Response (*fn)(const Request&, storage::Queryable&)) {
    routes.Add(method, path, [fn, &queryable, &pool](const Request& request, Reply reply) {
      pool.Submit(
          [fn, &queryable, request, reply = std::move(reply)] { reply(fn(request, queryable)); });
    });
  };
  add("GET", "/api/v1/series", Series);
  add("POST", "/api/v1/series", Series);
  add("GET", "/api/v1/labels", LabelNames);
  add("POST", "/api/v1/labels", LabelNames);
  add("GET", "/api/v1/label/:name/values", LabelValues);
}

}  // namespace tsdbd::http::api
