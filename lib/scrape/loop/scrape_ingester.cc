#include "lib/scrape/loop/scrape_ingester.h"

#include <algorithm>
#include <string>
#include <utility>

#include "lib/model/go_quote.h"
#include "lib/model/hash.h"
#include "lib/model/value.h"
#include "lib/scrape/relabel/relabeler.h"
#include "lib/scrape/textparse/parser.h"

namespace tsdbd::scrape {
namespace {

constexpr std::string_view kExportedPrefix = "exported_";
constexpr std::string_view kReportNames[] = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added"};

enum MetaKind { kMetaType, kMetaHelp, kMetaUnit };

// How many lines ahead Ingest fetches the cache entry the last scrape's order predicts.
constexpr size_t kPrefetchAhead = 4;

// Go's %.50s: at most 50 characters (runes) of s.
std::string_view Runes50(std::string_view s) {
  size_t runes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (runes == 50) return s.substr(0, i);
      ++runes;
    }
  }
  return s;
}

}  // namespace

size_t ScrapeIngester::TransparentHash::operator()(std::string_view s) const {
  return static_cast<size_t>(HashBytes(s));
}

ScrapeIngester::ScrapeIngester(Labels target_labels,
                               std::span<const config::RelabelConfig> metric_relabel,
                               IngestOptions options)
    : target_labels_(std::move(target_labels)), options_(options) {
  if (!metric_relabel.empty()) relabeler_ = std::make_unique<relabel::Relabeler>(metric_relabel);
  for (int i = 0; i < kReportSeries; ++i) {
    LabelsBuilder b(target_labels_);
    b.Set(kMetricName, kReportNames[i]);
    report_labels_[i] = b.Build();
  }
}

ScrapeIngester::~ScrapeIngester() = default;

Status ScrapeIngester::CheckLimits(const Labels& labels) const {
  if (options_.label_limit > 0 && labels.size() > options_.label_limit) {
    return Error("label_limit exceeded (metric: " + std::string(Runes50(labels.MetricName())) +
                 ", number of labels: " + std::to_string(labels.size()) +
                 ", limit: " + std::to_string(options_.label_limit) + ")");
  }
  if (options_.label_name_length_limit == 0 && options_.label_value_length_limit == 0) {
    return Status::Ok();
  }
  for (Label l : labels) {
    if (options_.label_name_length_limit > 0 && l.name.size() > options_.label_name_length_limit) {
      return Error(
          "label_name_length_limit exceeded (metric: " + std::string(Runes50(labels.MetricName())) +
          ", label name: " + std::string(Runes50(l.name)) +
          ", limit: " + std::to_string(options_.label_name_length_limit) + ")");
    }
    if (options_.label_value_length_limit > 0 &&
        l.value.size() > options_.label_value_length_limit) {
      return Error("label_value_length_limit exceeded (metric: " +
                   std::string(Runes50(labels.MetricName())) + ", label name: " +
                   std::string(Runes50(l.name)) + ", value: " + GoQuote(Runes50(l.value)) +
                   ", limit: " + std::to_string(options_.label_value_length_limit) + ")");
    }
  }
  return Status::Ok();
}

template <typename P>
Status ScrapeIngester::Resolve(const P& parser, Entry* e) {
  parser.BuildLabels(builder_);
  if (options_.honor_labels) {
    for (Label l : target_labels_) {
      if (builder_.Get(l.name).empty()) builder_.Set(l.name, l.value);
    }
  } else {
    // Scraped labels that a target label overrides are kept as exported_<name> (more
    // prefixes until the name is free among the scraped and target labels), shortest
    // names first, as Prometheus resolves them.
    std::vector<std::pair<std::string_view, std::string_view>> conflicts;
    for (Label l : target_labels_) {
      std::string_view scraped = builder_.Get(l.name);
      if (!scraped.empty()) conflicts.emplace_back(l.name, scraped);
      builder_.Set(l.name, l.value);
    }
    if (!conflicts.empty()) {
      LabelsBuilder original;
      parser.BuildLabels(original);
      const Labels scraped = original.Build();
      std::stable_sort(conflicts.begin(), conflicts.end(), [](const auto& a, const auto& b) {
        return a.first.size() < b.first.size();
      });
      std::vector<std::string> names;
      for (const auto& [name, value] : conflicts) {
        std::string n(name);
        while (true) {
          n.insert(0, kExportedPrefix);
          if (!scraped.Has(n) && !target_labels_.Has(n) &&
              std::find(names.begin(), names.end(), n) == names.end()) {
            break;
          }
        }
        names.push_back(n);
      }
      for (size_t i = 0; i < conflicts.size(); ++i) builder_.Set(names[i], conflicts[i].second);
    }
  }
  Labels lset = builder_.Build();
  if (relabeler_) {
    std::optional<Labels> out = relabeler_->Process(lset);
    if (!out || out->empty()) {
      e->dropped = true;
      return Status::Ok();
    }
    lset = std::move(*out);
  }
  Status limits = CheckLimits(lset);
  if (!limits.ok()) return limits;
  e->labels = std::move(lset);
  return Status::Ok();
}

void ScrapeIngester::UpdateMetadata(std::string_view name, int kind, std::string_view text) {
  std::lock_guard lock(meta_mu_);
  auto it = meta_.find(name);
  if (it == meta_.end()) it = meta_.emplace(std::string(name), Meta{}).first;
  Meta& m = it->second;
  m.seen_iter = iter_;
  std::string& field = kind == kMetaType ? m.type : kind == kMetaHelp ? m.help : m.unit;
  if (field != text) field.assign(text);
}

Status ScrapeIngester::Ingest(storage::Appender& app, std::string_view body,
                              std::string_view content_type, int64_t t_ms, IngestCounts* counts) {
  return Ingest(app, std::string(body), content_type, t_ms, counts);
}

Status ScrapeIngester::Ingest(storage::Appender& app, std::string&& body,
                              std::string_view content_type, int64_t t_ms, IngestCounts* counts) {
  // order_'s keys point into the previous body: keep it until this scrape is done.
  const std::string previous_body = std::exchange(body_, std::move(body));
  *counts = IngestCounts{};
  cur_.clear();
  next_order_.clear();
  seen_this_iter_ = 0;
  size_t predicted = 0;  // where in order_ the next line is expected
  std::unique_ptr<textparse::Parser> p = textparse::Parser::New(body_, content_type);
  Status err;
  uint64_t appended = 0;
  bool limit_exceeded = false;
  std::string help;
  while (true) {
    Result<textparse::Entry> next = p->Next();
    if (!next.ok()) {
      err = next.error();
      break;
    }
    const textparse::Entry kind = *next;
    if (kind == textparse::Entry::kEOF) break;
    if (kind == textparse::Entry::kType) {
      UpdateMetadata(p->MetadataName(), kMetaType, textparse::MetricTypeName(p->Type()));
      continue;
    }
    if (kind == textparse::Entry::kHelp) {
      help = p->Help();
      UpdateMetadata(p->MetadataName(), kMetaHelp, help);
      continue;
    }
    if (kind == textparse::Entry::kUnit) {
      UpdateMetadata(p->MetadataName(), kMetaUnit, p->Unit());
      continue;
    }
    if (kind != textparse::Entry::kSeries) continue;

    ++counts->total;
    // The entries live all over the heap; the order predicts which ones come next.
    if (predicted + kPrefetchAhead < order_.size()) {
      const char* ahead = reinterpret_cast<const char*>(order_[predicted + kPrefetchAhead].second);
      __builtin_prefetch(ahead);
      __builtin_prefetch(ahead + sizeof(Entry) - 1);
    }
    const std::string_view key = p->Series();
    Entry* e = nullptr;
    bool is_new = false;
    if (predicted < order_.size() && order_[predicted].first == key) {
      e = order_[predicted].second;
      ++predicted;
    } else {
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        it = cache_.emplace(std::string(key), Entry{}).first;
        Status resolved = Resolve(*p, &it->second);
        if (!resolved.ok()) {
          cache_.erase(it);  // not in next_order_ (which becomes order_) yet
          err = std::move(resolved);
          break;
        }
        is_new = true;
      } else if (const uint32_t pos = it->second.order_pos;
                 pos < order_.size() && order_[pos].second == &it->second) {
        predicted = pos + 1;  // back in step with the last scrape's order
      }
      e = &it->second;
    }
    if (e->seen_iter != iter_) {
      e->seen_iter = iter_;
      ++seen_this_iter_;
      e->order_pos = static_cast<uint32_t>(next_order_.size());
      next_order_.emplace_back(key, e);
    }
    if (e->dropped) continue;
    ++counts->added;
    if (limit_exceeded) continue;
    if (options_.sample_limit > 0 && ++appended > options_.sample_limit) {
      // The scrape fails; keep counting what the body holds, append nothing more.
      limit_exceeded = true;
      continue;
    }
    int64_t t = t_ms;
    bool explicit_time = false;
    if (options_.honor_timestamps) {
      if (std::optional<int64_t> ts = p->Timestamp()) {
        t = *ts;
        explicit_time = true;
      }
    }
    const storage::AppendOutcome out = app.Append(e->ref, e->labels, t, p->Value());
    switch (out.status) {
      case storage::AppendStatus::kOk:
        if (e->ref != out.ref) {
          e->ref = out.ref;
          batch_refs_.push_back(&e->ref);
        }
        if (is_new) ++counts->series_added;
        if (!explicit_time && !e->tracked) {
          e->tracked = true;
          cur_.push_back(e);
        }
        break;
      case storage::AppendStatus::kOutOfOrder:
        ++counts->out_of_order;
        break;
      case storage::AppendStatus::kDuplicateTimestamp:
        ++counts->duplicate_timestamp;
        break;
      case storage::AppendStatus::kOutOfBounds:
        ++counts->out_of_bounds;
        break;
      case storage::AppendStatus::kInvalidLabels:
        break;
    }
  }
  if (err.ok() && limit_exceeded) {
    counts->sample_limit_exceeded = true;
    err = Error("sample limit exceeded");
  }
  for (Entry* e : cur_) e->tracked = false;
  order_.swap(next_order_);
  if (!err.ok()) {
    cur_.clear();
    return err;
  }
  // Series of the previous scrape that are gone now get a stale marker.
  for (Entry* e : prev_) {
    if (e->seen_iter != iter_) AppendStale(app, e, t_ms);
  }
  // Entries not seen in this successful scrape are forgotten (series churn, or another
  // spelling of a series), and so are metadata not seen for 10 scrapes.
  if (cache_.size() != seen_this_iter_) {  // else every entry was seen: nothing to sweep
    for (auto i = cache_.begin(); i != cache_.end();) {
      if (i->second.seen_iter != iter_) {
        i = cache_.erase(i);
      } else {
        ++i;
      }
    }
  }
  {
    std::lock_guard lock(meta_mu_);
    std::erase_if(meta_, [this](const auto& kv) { return iter_ - kv.second.seen_iter > 10; });
  }
  size_after_success_ = cache_.size();
  prev_.swap(cur_);
  cur_.clear();
  ++iter_;
  return Status::Ok();
}

void ScrapeIngester::AppendStale(storage::Appender& app, Entry* e, int64_t t_ms) {
  // Refused stale markers (out of order after an explicit timestamp...) are of no concern.
  (void)app.Append(e->ref, e->labels, t_ms, StaleNaN());
}

void ScrapeIngester::MarkPreviousStale(storage::Appender& app, int64_t t_ms) {
  for (Entry* e : prev_) AppendStale(app, e, t_ms);
  prev_.clear();
  cur_.clear();
  ++iter_;
  // Failing scrapes with changing series would grow the cache without end: flush it when
  // it doubled since the last success (plus some slack), as Prometheus does.
  if (cache_.size() > 2 * size_after_success_ + 1000) {
    order_.clear();  // it may point at entries erased below
    for (auto i = cache_.begin(); i != cache_.end();) {
      bool in_batch =
          std::find(batch_refs_.begin(), batch_refs_.end(), &i->second.ref) != batch_refs_.end();
      if (in_batch) {
        ++i;
      } else {
        i = cache_.erase(i);
      }
    }
  }
}

void ScrapeIngester::AppendReport(storage::Appender& app, int64_t t_ms,
                                  const ScrapeReport& report) {
  const double values[kReportSeries] = {
      report.up ? 1.0 : 0.0, report.duration_seconds, static_cast<double>(report.counts.total),
      static_cast<double>(report.counts.added), static_cast<double>(report.counts.series_added)};
  for (int i = 0; i < kReportSeries; ++i) {
    const storage::AppendOutcome out =
        app.Append(report_refs_[i], report_labels_[i], t_ms, values[i]);
    if (out.ok() && out.ref != report_refs_[i]) {
      report_refs_[i] = out.ref;
      batch_refs_.push_back(&report_refs_[i]);
    }
  }
  reported_ = true;
}

void ScrapeIngester::AppendEndOfRunStaleness(storage::Appender& app, int64_t t_ms) {
  for (Entry* e : prev_) AppendStale(app, e, t_ms);
  prev_.clear();
  if (!reported_) return;
  for (int i = 0; i < kReportSeries; ++i) {
    (void)app.Append(report_refs_[i], report_labels_[i], t_ms, StaleNaN());
  }
}

void ScrapeIngester::OnBatchCommitted() {
  batch_refs_.clear();
}

void ScrapeIngester::OnBatchDiscarded() {
  for (storage::SeriesRef* ref : batch_refs_) *ref = 0;
  batch_refs_.clear();
}

std::vector<MetricMetadata> ScrapeIngester::Metadata() const {
  std::lock_guard lock(meta_mu_);
  std::vector<MetricMetadata> out;
  out.reserve(meta_.size());
  for (const auto& [name, m] : meta_) out.push_back({name, m.type, m.help, m.unit});
  return out;
}

}  // namespace tsdbd::scrape
