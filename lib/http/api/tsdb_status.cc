#include "lib/http/api/tsdb_status.h"

#include <boost/json/array.hpp>
#include <limits>

namespace tsdbd::http::api {
namespace {

boost::json::array Stats(const std::vector<tsdb::index::PostingsStat>& stats) {
  boost::json::array out;
  for (const auto& s : stats) out.push_back({{"name", s.name}, {"value", s.count}});
  return out;
}

}  // namespace

boost::json::object TsdbStatus(const tsdb::Head& head) {
  const tsdb::HeadStats s = head.Stats();
  const tsdb::index::PostingsStats c = head.CardinalityStats();
  // An empty head reports Prometheus's sentinel bounds.
  const int64_t min_time = s.empty ? std::numeric_limits<int64_t>::max() : s.min_time;
  const int64_t max_time = s.empty ? std::numeric_limits<int64_t>::min() : s.max_time;
  return {
      {"headStats",
       {{"numSeries", s.num_series},
        {"numLabelPairs", c.num_label_pairs},
        {"chunkCount", s.num_chunks},
        {"minTime", min_time},
        {"maxTime", max_time}}},
      {"seriesCountByMetricName", Stats(c.series_count_by_metric_name)},
      {"labelValueCountByLabelName", Stats(c.label_value_count_by_label_name)},
      {"memoryInBytesByLabelName", Stats(c.memory_in_bytes_by_label_name)},
      {"seriesCountByLabelValuePair", Stats(c.series_count_by_label_value_pair)},
  };
}

}  // namespace tsdbd::http::api
