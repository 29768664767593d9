#include "lib/scrape/loop/scrape_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <utility>

#include "lib/model/hash.h"
#include "lib/model/timestamp.h"
#include "lib/model/value_format.h"
#include "lib/net/http_client.h"
#include "lib/net/io_runtime.h"
#include "lib/scrape/textparse/content_type.h"

namespace tsdbd::scrape {
namespace asio = boost::asio;

struct ScrapeLoop::Io {
  explicit Io(asio::io_context& ctx) : strand(asio::make_strand(ctx)), timer(strand) {}
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  net::CallHandle call;
};

namespace {

IngestOptions IngestOptionsOf(const config::ScrapeConfig& cfg) {
  IngestOptions o;
  o.honor_labels = cfg.honor_labels;
  o.honor_timestamps = cfg.honor_timestamps;
  o.sample_limit = cfg.sample_limit;
  o.label_limit = cfg.label_limit;
  o.label_name_length_limit = cfg.label_name_length_limit;
  o.label_value_length_limit = cfg.label_value_length_limit;
  return o;
}

constexpr int64_t kTimestampToleranceMs = 2;

}  // namespace

std::shared_ptr<ScrapeLoop> ScrapeLoop::Create(Deps deps, const config::ScrapeConfig& cfg,
                                               Target target, uint64_t jitter_seed) {
  return std::shared_ptr<ScrapeLoop>(
      new ScrapeLoop(std::move(deps), cfg, std::move(target), jitter_seed));
}

ScrapeLoop::ScrapeLoop(Deps deps, const config::ScrapeConfig& cfg, Target target,
                       uint64_t jitter_seed)
    : deps_(std::move(deps)),
      target_(std::move(target)),
      pool_(cfg.job_name),
      key_(HashBytes(target_.scrape_url, target_.labels.Hash())),
      jitter_seed_(jitter_seed),
      body_size_limit_(cfg.body_size_limit),
      interval_label_(FormatDuration(target_.interval)),
      io_(std::make_unique<Io>(deps_.runtime->context())),
      ingester_(target_.PublicLabels(), cfg.metric_relabel_configs, IngestOptionsOf(cfg)) {
  status_.labels = target_.PublicLabels();
  status_.discovered = target_.discovered;
  status_.scrape_url = target_.scrape_url;
  status_.scrape_pool = pool_;
  status_.interval = target_.interval;
  status_.timeout = target_.timeout;
}

ScrapeLoop::~ScrapeLoop() = default;

void ScrapeLoop::Start() {
  {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::kIdle || stop_requested_) return;
    phase_ = Phase::kRunning;
  }
  asio::post(io_->strand, [self = shared_from_this()] { self->ScheduleFirst(); });
}

bool ScrapeLoop::StopRequested() {
  std::lock_guard lock(mu_);
  return stop_requested_;
}

void ScrapeLoop::SetPhase(Phase phase) {
  {
    std::lock_guard lock(mu_);
    phase_ = phase;
  }
  cv_.notify_all();
}

void ScrapeLoop::CancelOnStrand() {
  asio::post(io_->strand, [self = shared_from_this()] {
    self->io_->timer.cancel();
    self->io_->call.Cancel();
  });
}

void ScrapeLoop::Stop() {
  std::unique_lock lock(mu_);
  if (phase_ == Phase::kIdle) {
    stop_requested_ = true;
    phase_ = Phase::kDone;
    return;
  }
  if (!stop_requested_) {
    stop_requested_ = true;
    lock.unlock();
    CancelOnStrand();
    lock.lock();
  }
  cv_.wait(lock, [this] { return phase_ != Phase::kRunning; });
}

void ScrapeLoop::Abort() {
  std::unique_lock lock(mu_);
  if (phase_ == Phase::kIdle) {
    stop_requested_ = abort_requested_ = true;
    phase_ = Phase::kDone;
    return;
  }
  if (!abort_requested_) {
    stop_requested_ = abort_requested_ = true;
    lock.unlock();
    CancelOnStrand();
    lock.lock();
  }
  cv_.wait(lock, [this] { return phase_ == Phase::kDone; });
}

void ScrapeLoop::DisableEndOfRunStaleness() {
  std::lock_guard lock(mu_);
  end_of_run_ = false;
}

void ScrapeLoop::SetForcedError(std::string error) {
  std::lock_guard lock(mu_);
  forced_error_ = std::move(error);
}

bool ScrapeLoop::Done() const {
  std::lock_guard lock(mu_);
  return phase_ == Phase::kDone;
}

TargetStatus ScrapeLoop::Status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void ScrapeLoop::SetDiscovered(Labels discovered) {
  std::lock_guard lock(mu_);
  status_.discovered = std::move(discovered);
}

void ScrapeLoop::ScheduleFirst() {
  if (StopRequested()) return Finish();
  const int64_t interval_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(target_.interval).count();
  if (interval_ns <= 0) return Finish();
  const int64_t offset = static_cast<int64_t>((key_ ^ jitter_seed_) % uint64_t(interval_ns));
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t delay = ((offset - now_ns % interval_ns) % interval_ns + interval_ns) % interval_ns;
  next_tick_ = std::chrono::steady_clock::now() + std::chrono::nanoseconds(delay);
  io_->timer.expires_at(next_tick_);
  io_->timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return self->Finish();
    self->OnTick();
  });
}

void ScrapeLoop::ScheduleNext() {
  if (StopRequested()) return Finish();
  const auto now = std::chrono::steady_clock::now();
  do {
    next_tick_ += target_.interval;
  } while (next_tick_ <= now);
  io_->timer.expires_at(next_tick_);
  io_->timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return self->Finish();
    self->OnTick();
  });
}

void ScrapeLoop::OnTick() {
  if (StopRequested()) return Finish();
  const auto start = std::chrono::steady_clock::now();
  int64_t t_ms = NowTimestampMs();
  if (last_t_ms_ != 0) {
    const int64_t expected = last_t_ms_ + target_.interval.count();
    if (t_ms != expected && std::abs(t_ms - expected) <= kTimestampToleranceMs) t_ms = expected;
  }
  if (last_start_ != std::chrono::steady_clock::time_point{}) {
    deps_.metrics->interval_length.WithLabelValues({interval_label_})
        .Observe(std::chrono::duration<double>(start - last_start_).count());
  }
  last_start_ = start;

  std::string forced;
  {
    std::lock_guard lock(mu_);
    forced = forced_error_;
  }
  if (!forced.empty()) {
    return OnScraped(Result<std::string>(Error(forced)), "", t_ms, start);
  }

  net::ClientRequest req;
  req.url = target_.scrape_url;
  req.headers = {
      {"Accept", std::string(textparse::kScrapeAcceptHeader)},
      {"User-Agent", std::string(kScrapeUserAgent)},
      {"X-Prometheus-Scrape-Timeout-Seconds",
       FormatFloatF(std::chrono::duration<double>(target_.timeout).count())},
  };
  req.accept_gzip = true;
  req.timeout = target_.timeout;
  req.max_body_bytes = body_size_limit_;
  io_->call = deps_.client->Do(
      std::move(req), [self = shared_from_this(), t_ms, start](Result<net::ClientResponse> r) {
        asio::post(self->io_->strand, [self, t_ms, start, r = std::move(r)]() mutable {
          self->io_->call = net::CallHandle();
          if (!r.ok()) {
            return self->OnScraped(Result<std::string>(r.error()), "", t_ms, start);
          }
          net::ClientResponse& resp = *r;
          if (resp.status < 200 || resp.status > 299) {
            return self->OnScraped(
                Result<std::string>(Error("server returned HTTP status " +
                                          std::to_string(resp.status) + " " + resp.reason)),
                "", t_ms, start);
          }
          self->OnScraped(Result<std::string>(std::move(resp.body)), std::move(resp.content_type),
                          t_ms, start);
        });
      });
}

void ScrapeLoop::OnScraped(Result<std::string> body, std::string content_type, int64_t t_ms,
                           std::chrono::steady_clock::time_point start) {
  // A scrape cancelled by Stop leaves no trace; end-of-run staleness covers its series.
  if (StopRequested()) return Finish();
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  tsdbd::Status scrape_err;
  if (!body.ok()) {
    scrape_err = body.error();
  } else if (body_size_limit_ > 0 && static_cast<int64_t>(body->size()) >= body_size_limit_) {
    // Prometheus reads at most limit bytes and fails when it got them all.
    scrape_err = Error("body size limit exceeded");
  }
  if (!scrape_err.ok() && scrape_err.message() == "body size limit exceeded") {
    deps_.metrics->exceeded_body_size_limit_total.Inc();
  }

  std::unique_ptr<storage::Appender> app = deps_.appendable->NewAppender();
  IngestCounts counts;
  tsdbd::Status app_err;
  if (scrape_err.ok()) {
    app_err = ingester_.Ingest(*app, std::move(*body), content_type, t_ms, &counts);
    if (!app_err.ok()) {
      app->Rollback();
      ingester_.OnBatchDiscarded();
      app = deps_.appendable->NewAppender();
      ingester_.MarkPreviousStale(*app, t_ms);
    }
  } else {
    ingester_.MarkPreviousStale(*app, t_ms);
  }
  if (counts.sample_limit_exceeded) deps_.metrics->exceeded_sample_limit_total.Inc();
  if (counts.out_of_order) deps_.metrics->sample_out_of_order_total.Add(counts.out_of_order);
  if (counts.duplicate_timestamp) {
    deps_.metrics->sample_duplicate_timestamp_total.Add(counts.duplicate_timestamp);
  }
  if (counts.out_of_bounds) deps_.metrics->sample_out_of_bounds_total.Add(counts.out_of_bounds);

  const tsdbd::Status& err = scrape_err.ok() ? app_err : scrape_err;
  ScrapeReport report;
  report.up = err.ok();
  report.duration_seconds = duration;
  report.counts = counts;
  ingester_.AppendReport(*app, t_ms, report);
  if (app->Commit().ok()) {
    ingester_.OnBatchCommitted();
  } else {
    ingester_.OnBatchDiscarded();
  }
  last_t_ms_ = t_ms;
  {
    std::lock_guard lock(mu_);
    status_.health = err.ok() ? TargetHealth::kUp : TargetHealth::kDown;
    status_.last_error = err.message();
    status_.last_scrape = std::chrono::system_clock::time_point(std::chrono::milliseconds(t_ms));
    status_.last_scrape_duration_seconds = duration;
  }
  ScheduleNext();
}

void ScrapeLoop::Finish() {
  bool markers;
  {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::kRunning) return;
    markers = end_of_run_ && !abort_requested_ && last_t_ms_ != 0;
  }
  if (!markers) return SetPhase(Phase::kDone);
  SetPhase(Phase::kEnding);
  // At the next scheduled scrape, plus a tenth of the interval for safety.
  const auto now = std::chrono::steady_clock::now();
  while (next_tick_ <= now) next_tick_ += target_.interval;
  io_->timer.expires_at(next_tick_ + target_.interval / 10);
  io_->timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    bool abort;
    {
      std::lock_guard lock(self->mu_);
      abort = self->abort_requested_;
    }
    if (!ec && !abort) self->OnEndOfRun();
    self->SetPhase(Phase::kDone);
  });
}

void ScrapeLoop::OnEndOfRun() {
  const int64_t t_ms = NowTimestampMs() - (target_.interval / 10).count();
  std::unique_ptr<storage::Appender> app = deps_.appendable->NewAppender();
  ingester_.AppendEndOfRunStaleness(*app, t_ms);
  if (app->Commit().ok()) {
    ingester_.OnBatchCommitted();
  } else {
    ingester_.OnBatchDiscarded();
  }
}

}  // namespace tsdbd::scrape
