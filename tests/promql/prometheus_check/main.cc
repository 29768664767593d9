// promqltest_prometheus_check <file.test>...: runs the scripts' evaluations against a real
// Prometheus 2.42 instead of our engine, so that every expectation in tests/promql/scripts
// is known to be what Prometheus answers. Each `load` goes in through Prometheus's
// remote-write receiver (stale markers included, samples in time order); each `clear`
// starts a fresh Prometheus; each eval is an instant query on /api/v1/query.
// Prints each disagreement with Prometheus's full answer, then "N agree, M disagree".
// Exit status: 0 all agree, 1 some disagree, 77 prometheus is not installed.
// With --rewrite first, writes each file back with every eval's expectations replaced by
// Prometheus's answer (a helper for writing scripts: review the diff before committing).
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "lib/model/value_format.h"
#include "lib/promql/testscript/compare.h"
#include "lib/promql/testscript/script.h"
#include "lib/remote/snappy_block.h"
#include "lib/remote/write_request.h"
#include "lib/remote/write_request_encoder.h"
#include "tests/testing/api_query.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::promql::testscript {
namespace {

double ParseApiFloat(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  return std::strtod(std::string(s).c_str(), nullptr);
}

class Checker {
 public:
  // Runs one file; adds to the counts.
  void RunFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto script = ParseScript(text.str());
    if (!in || !script.ok()) {
      std::printf("%s:%s\n", path.c_str(), in ? script.error().message().c_str() : " unreadable");
      ++disagree_;
      return;
    }
    prometheus_.reset();
    for (const Command& cmd : script->commands) {
      switch (cmd.kind) {
        case Command::Kind::kClear:
          prometheus_.reset();
          break;
        case Command::Kind::kLoad:
          if (!EnsureStarted(path, cmd.line)) return;
          if (std::string err = Push(cmd.load); !err.empty()) {
            std::printf("%s:%d: load refused by Prometheus: %s\n", path.c_str(), cmd.line,
                        err.c_str());
            ++disagree_;
          }
          break;
        case Command::Kind::kEval:
          if (!EnsureStarted(path, cmd.line)) return;
          if (std::string err = Eval(cmd.eval, cmd.line); !err.empty()) {
            std::printf("%s:%d: %s\n", path.c_str(), cmd.line, err.c_str());
            ++disagree_;
          } else {
            ++agree_;
          }
          break;
      }
    }
    prometheus_.reset();
    if (rewrite_) Rewrite(path, text.str());
  }

  void set_rewrite(bool on) { rewrite_ = on; }
  int agree() const { return agree_; }
  int disagree() const { return disagree_; }

 private:
  bool EnsureStarted(const std::string& path, int line) {
    if (prometheus_) return true;
    dir_ = std::make_unique<testing::TempDir>();
    prometheus_ = std::make_unique<testing::PrometheusProcess>(
        dir_->path() + "/data", "global: {}\n",
        std::vector<std::string>{"--web.enable-remote-write-receiver",
                                 // as Prometheus's test engine
                                 "--query.max-samples=10000"});
    if (!prometheus_->WaitReady()) {
      std::printf("%s:%d: prometheus did not start: %s\n", path.c_str(), line,
                  prometheus_->log().c_str());
      ++disagree_;
      prometheus_.reset();
      return false;
    }
    return true;
  }

  // Sends the load's samples in time order (Prometheus's head refuses samples far behind
  // its newest), one sample per series entry. Returns an error text or "".
  std::string Push(const LoadCommand& load) {
    struct One {
      const SeriesDesc* desc;
      int64_t t;
      double v;
    };
    std::vector<One> all;
    for (const SeriesDesc& d : load.series) {
      int64_t t = 0;
      for (const SequenceValue& v : d.values) {
        if (!v.omitted) all.push_back({&d, t, v.value});
        t += load.step_ms;
      }
    }
    std::stable_sort(all.begin(), all.end(), [](const One& a, const One& b) { return a.t < b.t; });
    for (size_t begin = 0; begin < all.size(); begin += 2000) {
      remote::WriteRequest req;
      for (size_t i = begin; i < std::min(all.size(), begin + 2000); ++i) {
        std::vector<remote::LabelRef> labels;
        for (size_t k = 0; k < all[i].desc->labels.size(); ++k) {
          const Label lab = all[i].desc->labels[k];
          labels.push_back({lab.name, lab.value});
        }
        remote::Sample s{all[i].v, all[i].t};
        req.AddSeries(labels, std::span(&s, 1));
      }
      testing::HttpRequest r;
      r.method = "POST";
      r.target = "/api/v1/write";
      r.headers = {{"Content-Encoding", "snappy"},
                   {"Content-Type", "application/x-protobuf"},
                   {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
      r.body = remote::SnappyCompress(remote::EncodeWriteRequest(req));
      auto resp = testing::Fetch(prometheus_->port(), r);
      if (resp.status / 100 != 2) return std::to_string(resp.status) + " " + resp.body;
    }
    return "";
  }

  // Prometheus's answer as expectation lines, by the eval's line (for --rewrite).
  std::map<int, std::vector<std::string>> answers_;

  std::string Eval(const EvalCommand& ev, int line) {
    auto resp = prometheus_->Get("/api/v1/query?query=" + testing::QueryEscape(ev.expr) +
                                 "&time=" + testing::ApiTime(ev.time_ms));
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(resp.body, ec);
    if (ec || !doc.is_object()) return "bad answer: " + std::to_string(resp.status) + resp.body;
    const auto& obj = doc.as_object();
    if (obj.at("status").as_string() != "success") {
      if (ev.fail) return "";
      return "Prometheus failed: " + std::string(obj.at("error").as_string().c_str());
    }
    if (ev.fail) return "Prometheus succeeded on eval_fail: " + resp.body;
    const auto& data = obj.at("data").as_object();
    const std::string type(data.at("resultType").as_string().c_str());
    QueryResult result;
    if (type == "scalar") {
      result.type = ValueType::kScalar;
      result.scalar.v = ParseApiFloat(data.at("result").as_array()[1].as_string().c_str());
    } else if (type == "vector") {
      result.type = ValueType::kVector;
      for (const auto& e : data.at("result").as_array()) {
        LabelsBuilder b;
        for (const auto& kv : e.at("metric").as_object()) {
          b.Set(kv.key(), std::string_view(kv.value().as_string()));
        }
        result.vector.push_back(
            {b.Build(), 0, ParseApiFloat(e.at("value").as_array()[1].as_string().c_str())});
      }
    } else {
      result.type = type == "matrix" ? ValueType::kMatrix : ValueType::kString;
    }
    std::vector<std::string>& lines = answers_[line];
    if (result.type == ValueType::kScalar) lines.push_back(FormatFloatJSON(result.scalar.v));
    for (const Sample& smp : result.vector) {
      LabelsBuilder b(smp.metric);
      b.Del(kMetricName);
      std::string l(smp.metric.MetricName());
      bool identifier = !l.empty() && !std::isdigit(static_cast<unsigned char>(l[0]));
      for (char c : l)
        identifier =
            identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':');
      if (!identifier) l.clear();
      const Labels rest = identifier ? b.Build() : smp.metric;
      if (l.empty() || !rest.empty()) l += rest.ToString();
      lines.push_back(l + " " + FormatFloatJSON(smp.v));
    }
    Status s = CompareResult(ev, result, ev.ordered);
    if (!s.ok()) return ev.expr + ": " + s.message() + "\n  Prometheus: " + resp.body;
    return "";
  }

  void Rewrite(const std::string& path, const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      out += lines[i] + "\n";
      auto it = answers_.find(static_cast<int>(i + 1));
      if (it == answers_.end()) continue;
      auto trimmed = [](const std::string& l) {
        const size_t b = l.find_first_not_of(" \t");
        return b == std::string::npos ? std::string() : l.substr(b);
      };
      while (i + 1 < lines.size() && !trimmed(lines[i + 1]).empty() &&
             trimmed(lines[i + 1])[0] != '#') {
        ++i;
      }
      for (const std::string& a : it->second) out += "  " + a + "\n";
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
    answers_.clear();
  }

  bool rewrite_ = false;
  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<testing::PrometheusProcess> prometheus_;
  int agree_ = 0;
  int disagree_ = 0;
};

}  // namespace
}  // namespace tsdbd::promql::testscript

int main(int argc, char** argv) {
  if (!tsdbd::testing::HaveProgram("prometheus")) {
    std::printf("prometheus is not installed: skipped\n");
    return 77;
  }
  tsdbd::promql::testscript::Checker checker;
  int first = 1;
  if (argc > 1 && std::string_view(argv[1]) == "--rewrite") {
    checker.set_rewrite(true);
    first = 2;
  }
  for (int i = first; i < argc; ++i) checker.RunFile(argv[i]);
  std::printf("%d agree, %d disagree\n", checker.agree(), checker.disagree());
  return checker.disagree() == 0 ? 0 : 1;
}
