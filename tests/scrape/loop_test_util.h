// Fixtures of the scrape loop and manager tests: a storage that records every committed
// sample (and checks refs), a scrape target served by tsdbd's own http::Server on
// 127.0.0.1, and bounded waiting for conditions.
#pragma once

#include "tests/testing/process.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/http/request.h"
#include "lib/http/router.h"
#include "lib/http/server.h"
#include "lib/model/ascii.h"
#include "lib/model/labels.h"
#include "lib/model/value.h"
#include "lib/net/io_runtime.h"
#include "lib/storage/appender.h"
#include "lib/storage/querier.h"

namespace tsdbd::scrape::testing {

// Polls `pred` for at most `limit`; true as soon as it holds.
inline bool WaitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  return tsdbd::testing::WaitUntil(pred, limit);
}

// An Appendable keeping committed samples per series, refusing out-of-order and duplicate
// samples as a TSDB head does, and counting misuse of refs.
class RecordingStorage : public storage::Appendable {
 public:
  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(this); }

  std::vector<storage::Sample> Samples(const Labels& l) const {
    std::lock_guard lock(mu_);
    auto it = series_.find(l);
    return it == series_.end() ? std::vector<storage::Sample>{} : it->second;
  }
  // Every series with metric name `name`.
  std::vector<Labels> Named(std::string_view name) const {
    std::lock_guard lock(mu_);
    std::vector<Labels> out;
    for (const auto& [l, s] : series_) {
      if (l.MetricName() == name) out.push_back(l);
    }
    return out;
  }
  std::map<Labels, std::vector<storage::Sample>> All() const {
    std::lock_guard lock(mu_);
    return series_;
  }
  int commits() const {
    std::lock_guard lock(mu_);
    return commits_;
  }
  int rollbacks() const {
    std::lock_guard lock(mu_);
    return rollbacks_;
  }
  int bad_refs() const {
    std::lock_guard lock(mu_);
    return bad_refs_;
  }

 private:
  struct Pending {
    Labels labels;
    int64_t t;
    double v;
  };
  class App : public storage::Appender {
   public:
    explicit App(RecordingStorage* s) : s_(s) {}
    storage::AppendOutcome Append(storage::SeriesRef ref, const Labels& labels, int64_t t,
                                  double v) override {
      std::lock_guard lock(s_->mu_);
      if (ref != 0) {
        auto it = s_->by_ref_.find(ref);
        if (it == s_->by_ref_.end() || !(it->second == labels)) ++s_->bad_refs_;
      }
      auto& samples = s_->series_[labels];
      int64_t last = samples.empty() ? INT64_MIN : samples.back().t;
      for (const Pending& p : pending_) {
        if (p.labels == labels) last = std::max(last, p.t);
      }
      if (!samples.empty() || last != INT64_MIN) {
        if (t < last) return {0, storage::AppendStatus::kOutOfOrder};
        if (t == last) {
          double prev = samples.empty() || samples.back().t != t ? NAN : samples.back().v;
          if (!(std::bit_cast<uint64_t>(prev) == std::bit_cast<uint64_t>(v))) {
            return {0, storage::AppendStatus::kDuplicateTimestamp};
          }
        }
      }
      auto rit = s_->ref_of_.find(labels);
      if (rit == s_->ref_of_.end()) {
        rit = s_->ref_of_.emplace(labels, s_->next_ref_++).first;
        s_->by_ref_[rit->second] = labels;
      }
      pending_.push_back({labels, t, v});
      return {rit->second, storage::AppendStatus::kOk};
    }
    Status Commit() override {
      std::lock_guard lock(s_->mu_);
      for (Pending& p : pending_) {
        auto& samples = s_->series_[p.labels];
        if (!samples.empty() && samples.back().t == p.t) continue;
        samples.push_back({p.t, p.v});
      }
      ++s_->commits_;
      return Status::Ok();
    }
    void Rollback() override {
      std::lock_guard lock(s_->mu_);
      ++s_->rollbacks_;
      pending_.clear();
    }

   private:
    RecordingStorage* s_;
    std::vector<Pending> pending_;
  };

  mutable std::mutex mu_;
  std::map<Labels, std::vector<storage::Sample>> series_;  // committed (maybe empty)
  std::map<Labels, storage::SeriesRef> ref_of_;
  std::map<storage::SeriesRef, Labels> by_ref_;
  storage::SeriesRef next_ref_ = 1;
  int commits_ = 0;
  int rollbacks_ = 0;
  int bad_refs_ = 0;
};

// A scrape target: GET /metrics answered by a replaceable handler.
class TargetServer {
 public:
  using Handler = std::function<void(const http::Request&, http::Reply)>;

  explicit TargetServer(net::IoRuntime& runtime) : state_(std::make_shared<State>()) {
    http::Router router;
    router.Add("GET", "/metrics", "metrics",
               [state = state_](const http::Request& req, http::Reply reply) {
                 Handler h;
                 {
                   std::lock_guard lock(state->mu);
                   ++state->requests;
                   state->last_headers = req.headers;
                   h = state->handler;
                 }
                 if (h) {
                   h(req, std::move(reply));
                 } else {
                   reply(http::Response{});
                 }
               });
    http::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(runtime, options, std::move(router));
    EXPECT_TRUE(server_->Start().ok());
  }
  ~TargetServer() { Stop(); }

  void Stop() {
    if (server_) server_->Stop(std::chrono::milliseconds(0));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  void SetHandler(Handler h) {
    std::lock_guard lock(state_->mu);
    state_->handler = std::move(h);
  }
  // Serves `body` as text format 0.0.4.
  void SetBody(std::string body, int status = 200) {
    SetHandler([body = std::move(body), status](const http::Request&, http::Reply reply) {
      http::Response r;
      r.status = status;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = body;
      reply(std::move(r));
    });
  }
  int requests() const {
    std::lock_guard lock(state_->mu);
    return state_->requests;
  }
  std::string header(std::string_view name) const {
    std::lock_guard lock(state_->mu);
    for (const auto& [n, v] : state_->last_headers) {
      if (EqualsIgnoreCase(n, name)) return v;
    }
    return "";
  }

 private:
  struct State {
    std::mutex mu;
    Handler handler;
    int requests = 0;
    std::vector<std::pair<std::string, std::string>> last_headers;
  };
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace tsdbd::scrape::testing
