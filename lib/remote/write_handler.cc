#include "lib/remote/write_handler.h"

#include <algorithm>
#include <memory>

#include "lib/remote/snappy_block.h"
#include "lib/remote/write_request_decoder.h"

namespace tsdbd::remote {

namespace {

WriteOutcome Failed(WriteOutcome outcome, int status, std::string_view message) {
  outcome.status = status;
  outcome.body.assign(message);
  outcome.body.push_back('\n');  // as Go's http.Error
  return outcome;
}

// The series' labels as the storage takes them: empty values dropped, sorted by name.
// Returns "" or Prometheus's complaint about them ("empty labelset",
// `label name "x" is not unique`).
std::string ToLabels(std::span<const LabelRef> refs, std::vector<LabelPair>* pairs,
                     Labels* labels) {
  SymbolTable& table = SymbolTable::Global();
  pairs->clear();
  bool sorted = true;
  std::string_view previous;
  for (const LabelRef& l : refs) {
    if (l.value.empty()) continue;
    if (!pairs->empty() && !(previous < l.name)) sorted = false;
    previous = l.name;
    pairs->push_back({table.Intern(l.name), table.Intern(l.value)});
  }
  if (pairs->empty()) return "empty labelset";
  if (!sorted) {
    auto by_name = [&](const LabelPair& a, const LabelPair& b) {
      return table.Get(a.name) < table.Get(b.name);
    };
    std::stable_sort(pairs->begin(), pairs->end(), by_name);
    for (size_t i = 1; i < pairs->size(); ++i) {
      if ((*pairs)[i - 1].name == (*pairs)[i].name) {
        return "label name \"" + std::string(table.Get((*pairs)[i].name)) + "\" is not unique";
      }
    }
  }
  *labels = Labels::FromSortedPairs(*pairs);
  return "";
}

}  // namespace

WriteOutcome HandleWrite(std::string_view body, std::string_view /*content_encoding*/,
                         std::string_view /*content_type*/, storage::Appendable& db,
                         const WriteOptions& options, WriteScratch* scratch) {
  WriteScratch local;
  WriteScratch& s = scratch != nullptr ? *scratch : local;
  WriteOutcome outcome;

  if (Status st = SnappyDecompress(body, options.max_decoded_bytes, &s.decoded); !st) {
    return Failed(std::move(outcome), 400, st.message());
  }
  if (Status st = DecodeWriteRequest(s.decoded, &s.request); !st) {
    return Failed(std::move(outcome), 400, st.message());
  }
  const WriteRequest& req = s.request;
  outcome.series = req.series().size();
  outcome.exemplars_skipped = req.total_exemplars();
  outcome.histograms = req.total_histograms();
  outcome.metadata = req.metadata().size();

  std::unique_ptr<storage::Appender> app = db.NewAppender();
  // Stops at the first refused sample: everything of the request is rolled back.
  auto refuse = [&](int status, std::string_view message) {
    app->Rollback();
    return Failed(std::move(outcome), status, message);
  };
  Labels labels;
  for (const SeriesRef& series : req.series()) {
    std::span<const Sample> samples = req.samples(series);
    if (!samples.empty()) {
      std::string invalid = ToLabels(req.labels(series), &s.pairs, &labels);
      if (!invalid.empty()) {
        // The storage still decides whether the sample is out of bounds first (it checks
        // bounds before labels, as Prometheus's head): empty labels stand for invalid ones.
        const Sample& first = samples.front();
        storage::AppendOutcome r = app->Append(0, Labels(), first.timestamp_ms, first.value);
        if (r.status == storage::AppendStatus::kOutOfBounds) {
          return refuse(400, storage::AppendStatusMessage(r.status));
        }
        return refuse(500, invalid + ": invalid sample");
      }
      storage::SeriesRef ref = 0;
      for (const Sample& sample : samples) {
        storage::AppendOutcome r = app->Append(ref, labels, sample.timestamp_ms, sample.value);
        switch (r.status) {
          case storage::AppendStatus::kOk:
            ref = r.ref;
            outcome.samples_appended++;
            continue;
          case storage::AppendStatus::kOutOfOrder:
          case storage::AppendStatus::kDuplicateTimestamp:
          case storage::AppendStatus::kOutOfBounds:
            return refuse(400, storage::AppendStatusMessage(r.status));
          case storage::AppendStatus::kInvalidLabels:
            return refuse(500, "invalid labels: invalid sample");
        }
        return refuse(500, "unknown append status");
      }
    }
    // Exemplars come next in Prometheus, and their errors never fail a request; there is no
    // exemplar storage yet, so they are dropped (counted above).
    if (series.histograms_count > 0) {
      return refuse(500, "native histograms are disabled");
    }
  }
  if (Status st = app->Commit(); !st) {
    outcome.samples_appended = 0;
    return Failed(std::move(outcome), 500, st.message());
  }
  return outcome;
}

}  // namespace tsdbd::remote
