#include "lib/promql/engine/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_set>

#include "lib/model/value.h"
#include "lib/promql/functions.h"
#include "lib/promql/functions/function_impl.h"

namespace tsdbd::promql {

int64_t ToMillis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

const Expr* Unparen(const Expr* e) {
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  return e;
}

// As Prometheus decides which parts of a query it evaluates only once: selectors with @,
// and everything built only from those and literals, except around functions whose
// result depends on the evaluation time.
bool IsStepInvariant(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return true;
    case ExprKind::kVectorSelector:
      return static_cast<const VectorSelector&>(e).at.kind != AtModifier::Kind::kNone;
    case ExprKind::kMatrixSelector:
      return IsStepInvariant(*static_cast<const MatrixSelector&>(e).selector);
    case ExprKind::kSubquery:
      return static_cast<const SubqueryExpr&>(e).at.kind != AtModifier::Kind::kNone;
    case ExprKind::kParen:
      return IsStepInvariant(*static_cast<const ParenExpr&>(e).expr);
    case ExprKind::kUnary:
      return IsStepInvariant(*static_cast<const UnaryExpr&>(e).expr);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return IsStepInvariant(*b.lhs) && IsStepInvariant(*b.rhs);
    }
    case ExprKind::kAggregate:
      return IsStepInvariant(*static_cast<const AggregateExpr&>(e).expr);
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      static const std::string_view kUnsafe[] = {
          "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
          "month",         "year",         "predict_linear", "time",        "timestamp"};
      for (auto n : kUnsafe) {
        if (c.func->name == n) return false;
      }
      for (const auto& a : c.args) {
        if (!IsStepInvariant(*a)) return false;
      }
      return true;
    }
  }
  return false;
}

bool ContainsSameLabelset(const Matrix& m) {
  if (m.size() < 2) return false;
  std::unordered_set<uint64_t> seen;
  for (const Series& s : m) {
    if (!seen.insert(s.metric.Hash()).second) return true;
  }
  return false;
}

bool ContainsSameLabelset(const Vector& v) {
  if (v.size() < 2) return false;
  if (v.size() == 2) return v[0].metric == v[1].metric;
  std::unordered_set<uint64_t> seen;
  for (const Sample& s : v) {
    if (!seen.insert(s.metric.Hash()).second) return true;
  }
  return false;
}

namespace {

[[noreturn]] void ThrowTooManySamples() {
  ThrowExecution("query processing would load too many samples into memory in query execution");
}

}  // namespace

void QueryState::CheckDone(bool force) {
  if (!force && (++checks & 63) != 0) return;
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    throw EvalError{QueryErrorType::kCanceled, "query was canceled in expression evaluation"};
  }
  if (std::chrono::steady_clock::now() > deadline) {
    throw EvalError{QueryErrorType::kTimeout, "query timed out in expression evaluation"};
  }
}

void QueryState::AddSamples(int64_t n) {
  current_samples += n;
  CheckSamples();
}

void QueryState::CheckSamples() const {
  if (current_samples > options->max_samples) {
    ThrowTooManySamples();
  }
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

Evaluator::Evaluator(QueryState* q, int64_t start, int64_t end, int64_t interval)
    : q_(q), start_(start), end_(end), interval_(interval), steps_(0) {
  if (end >= start) {
    const uint64_t span = static_cast<uint64_t>(end) - static_cast<uint64_t>(start);
    const uint64_t steps = span / static_cast<uint64_t>(interval) + 1;
    steps_ = static_cast<int64_t>(
        std::min<uint64_t>(steps, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
  }
}

int64_t Evaluator::RefTime(const AtModifier& at, Duration offset, int64_t ts) const {
  int64_t t = ts;
  switch (at.kind) {
    case AtModifier::Kind::kNone:
      break;
    case AtModifier::Kind::kTimestamp:
      t = at.timestamp_ms;
      break;
    case AtModifier::Kind::kStart:
      t = q_->query_start;
      break;
    case AtModifier::Kind::kEnd:
      t = q_->query_end;
      break;
  }
  return SaturatingSub(t, ToMillis(offset));
}

const std::vector<std::shared_ptr<const storage::Series>>& Evaluator::Selected(
    const VectorSelector& vs) {
  static const std::vector<std::shared_ptr<const storage::Series>> kNone;
  auto it = q_->selected.find(&vs);
  return it == q_->selected.end() ? kNone : it->second;
}

Matrix Evaluator::Eval(const Expr& e) {
  q_->CheckDone();
  if (NumSteps() > 1 && e.kind != ExprKind::kNumberLiteral && e.kind != ExprKind::kStringLiteral &&
      IsStepInvariant(e)) {
    return EvalStepInvariant(e);
  }
  switch (e.kind) {
    case ExprKind::kNumberLiteral: {
      const double v = static_cast<const NumberLiteral&>(e).value;
      Series s;
      s.points.reserve(NumSteps());
      for (int64_t i = 0; i < NumSteps(); ++i) s.points.push_back({StepTime(i), v});
      q_->AddSamples(static_cast<int64_t>(s.points.size()));
      Matrix m;
      m.push_back(std::move(s));
      return m;
    }
    case ExprKind::kStringLiteral:
      throw EvalError{QueryErrorType::kInternal, "unexpected string literal"};
    case ExprKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr);
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e), false);
    case ExprKind::kMatrixSelector:
      return EvalMatrixSelector(static_cast<const MatrixSelector&>(e));
    case ExprKind::kSubquery:
      return EvalSubquery(static_cast<const SubqueryExpr&>(e));
    case ExprKind::kUnary:
      return EvalUnary(static_cast<const UnaryExpr&>(e));
    case ExprKind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e));
    case ExprKind::kAggregate:
      return EvalAggregate(static_cast<const AggregateExpr&>(e));
    case ExprKind::kCall:
      return EvalCall(static_cast<const Call&>(e));
  }
  throw EvalError{QueryErrorType::kInternal, "unknown expression"};
}

Matrix Evaluator::EvalStepInvariant(const Expr& e) {
  Evaluator once(q_, start_, start_, interval_);
  Matrix m = once.Eval(e);
  const Expr* inner = Unparen(&e);
  if (inner->kind == ExprKind::kMatrixSelector || inner->kind == ExprKind::kSubquery) return m;
  const int64_t steps = NumSteps();
  for (Series& s : m) {
    if (s.points.empty()) continue;
    const double v = s.points[0].v;
    s.points.reserve(steps);
    for (int64_t i = 1; i < steps; ++i) s.points.push_back({StepTime(i), v});
    q_->AddSamples(steps - 1);
  }
  return m;
}

namespace {

// The latest sample at or before a reference time, within the lookback delta, walking
// forward through one series as the reference time grows.
class LookbackCursor {
 public:
  LookbackCursor(storage::SampleIterator* it, int64_t lookback) : it_(it), lookback_(lookback) {}

  // The sample the selector sees at `ref` (non-decreasing between calls).
  bool At(int64_t ref, storage::Sample* out) {
    const int64_t min_t = SaturatingSub(ref, lookback_);
    if (!started_) {
      started_ = true;
      Load(it_->Seek(min_t));
    } else if (has_next_ && next_.t < min_t) {
      has_prev_ = false;
      Load(it_->Seek(min_t));
    }
    while (has_next_ && next_.t <= ref) {
      prev_ = next_;
      has_prev_ = true;
      Load(it_->Next());
    }
    if (!has_prev_ || prev_.t < min_t || IsStaleNaN(prev_.v)) return false;
    *out = prev_;
    return true;
  }

 private:
  void Load(bool ok) {
    has_next_ = ok;
    if (ok) next_ = it_->At();
  }
  storage::SampleIterator* it_;
  int64_t lookback_;
  bool started_ = false;
  bool has_prev_ = false, has_next_ = false;
  storage::Sample prev_{0, 0}, next_{0, 0};
};

// Where a window's points come from: a storage series or an evaluated (subquery) series.
class PointSource {
 public:
  virtual ~PointSource() = default;
  // The first point with t >= min_t from the current position on; false at the end.
  virtual bool SeekTo(int64_t min_t, Point* p) = 0;
  virtual bool Next(Point* p) = 0;
};

class IteratorSource final : public PointSource {
 public:
  explicit IteratorSource(std::unique_ptr<storage::SampleIterator> it) : it_(std::move(it)) {}
  bool SeekTo(int64_t t, Point* p) override { return Out(it_->Seek(t), p); }
  bool Next(Point* p) override { return Out(it_->Next(), p); }

 private:
  bool Out(bool ok, Point* p) {
    if (!ok) return false;
    const storage::Sample s = it_->At();
    *p = {s.t, s.v};
    return true;
  }
  std::unique_ptr<storage::SampleIterator> it_;
};

class PointsSource final : public PointSource {
 public:
  explicit PointsSource(const std::vector<Point>* pts) : pts_(pts) {}
  bool SeekTo(int64_t t, Point* p) override {
    if (pos_ < 0) pos_ = 0;
    while (static_cast<size_t>(pos_) < pts_->size() && (*pts_)[pos_].t < t) ++pos_;
    return Out(p);
  }
  bool Next(Point* p) override {
    ++pos_;
    return Out(p);
  }

 private:
  bool Out(Point* p) {
    if (static_cast<size_t>(pos_) >= pts_->size()) return false;
    *p = (*pts_)[pos_];
    return true;
  }
  const std::vector<Point>* pts_;
  int64_t pos_ = -1;
};

// The points of one series within [mint, maxt] (both inclusive, stale markers dropped),
// sliding forward step by step without reading a sample twice.
class Window {
 public:
  explicit Window(PointSource* src) : src_(src) {}

  // Starts over on another series, keeping the buffer's memory.
  void Reset(PointSource* src) {
    src_ = src;
    buf_.clear();
    head_ = 0;
    decrease_end_ = 0;
    started_ = false;
    has_pending_ = false;
  }

  std::span<const Point> Advance(int64_t mint, int64_t maxt) {
    while (head_ < buf_.size() && buf_[head_].t < mint) ++head_;
    if (head_ > 64 && head_ * 2 > buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(head_));
      decrease_end_ = decrease_end_ > head_ ? decrease_end_ - head_ : 0;
      head_ = 0;
    }
    if (!started_ || (has_pending_ && pending_.t < mint)) {
      started_ = true;
      has_pending_ = src_->SeekTo(mint, &pending_);
    }
    while (has_pending_ && pending_.t <= maxt) {
      if (pending_.t >= mint && !IsStaleNaN(pending_.v)) {
        if (buf_.size() > head_ && pending_.v < buf_.back().v) decrease_end_ = buf_.size() + 1;
        buf_.push_back(pending_);
      }
      has_pending_ = src_->Next(&pending_);
    }
    return std::span<const Point>(buf_.data() + head_, buf_.size() - head_);
  }

  // Whether a point of the last window is lower than the point before it.
  bool HasDecrease() const { return decrease_end_ > head_ + 1; }

 private:
  PointSource* src_;
  std::vector<Point> buf_;
  size_t head_ = 0;
  size_t decrease_end_ = 0;  // one past the last point lower than its predecessor; 0: none
  bool started_ = false;
  bool has_pending_ = false;
  Point pending_;
};

}  // namespace

Matrix Evaluator::EvalVectorSelector(const VectorSelector& vs, bool timestamps) {
  Matrix out;
  const int64_t lookback = ToMillis(q_->options->lookback_delta);
  for (const auto& s : Selected(vs)) {
    q_->CheckDone();
    auto it = s->Iterator();
    LookbackCursor cur(it.get(), lookback);
    Series ss;
    for (int64_t i = 0; i < NumSteps(); ++i) {
      const int64_t ts = StepTime(i);
      storage::Sample smp;
      if (cur.At(RefTime(vs.at, vs.offset, ts), &smp)) {
        if (ss.points.empty()) ss.points.reserve(static_cast<size_t>(NumSteps() - i));
        ss.points.push_back({ts, timestamps ? static_cast<double>(smp.t) / 1000 : smp.v});
      }
    }
    if (!it->Err().ok()) throw EvalError{QueryErrorType::kInternal, it->Err().message()};
    if (ss.points.empty()) continue;
    q_->AddSamples(static_cast<int64_t>(ss.points.size()));
    ss.metric = timestamps ? DropMetricName(s->labels()) : s->labels();
    out.push_back(std::move(ss));
  }
  return out;
}

// A range selector evaluated on its own (only at the top of an instant query): the raw
// points in the window.
Matrix Evaluator::EvalMatrixSelector(const MatrixSelector& ms) {
  Matrix out;
  const int64_t maxt = RefTime(ms.selector->at, ms.selector->offset, start_);
  const int64_t mint = SaturatingSub(maxt, ToMillis(ms.range));
  for (const auto& s : Selected(*ms.selector)) {
    q_->CheckDone();
    IteratorSource src(s->Iterator());
    Window w(&src);
    auto pts = w.Advance(mint, maxt);
    if (pts.empty()) continue;
    q_->AddSamples(static_cast<int64_t>(pts.size()));
    out.push_back({s->labels(), std::vector<Point>(pts.begin(), pts.end())});
  }
  return out;
}

Matrix Evaluator::EvalSubquery(const SubqueryExpr& sq) {
  const int64_t step =
      sq.step.count() != 0 ? ToMillis(sq.step) : ToMillis(q_->options->default_evaluation_interval);
  // Prometheus evaluates a subquery with @ as of its evaluator's start, shifting the offset.
  int64_t offset = ToMillis(sq.offset);
  if (sq.at.kind != AtModifier::Kind::kNone)
    offset = SaturatingAdd(SaturatingSub(start_, RefTime(sq.at, Duration(0), start_)), offset);
  const int64_t range = ToMillis(sq.range);
  const int64_t lo = SaturatingSub(SaturatingSub(start_, offset), range);
  int64_t inner_start = step * (lo / step);
  if (inner_start < lo) inner_start = SaturatingAdd(inner_start, step);
  Evaluator inner(q_, inner_start, SaturatingSub(end_, offset), step);
  return inner.Eval(*sq.expr);
}

Matrix Evaluator::EvalUnary(const UnaryExpr& u) {
  Matrix m = Eval(*u.expr);
  if (u.negate) {
    for (Series& s : m) {
      s.metric = DropMetricName(s.metric);
      for (Point& p : s.points) p.v = -p.v;
    }
    if (ContainsSameLabelset(m))
      ThrowExecution("vector cannot contain metrics with the same labelset");
  }
  return m;
}

Matrix Evaluator::RangeEval(std::span<const Expr* const> args, const StepFn& fn,
                            const InitFn& init) {
  const size_t n = args.size();
  std::vector<Matrix> mats(n);
  const int64_t before = q_->current_samples;
  for (size_t i = 0; i < n; ++i) {
    if (args[i] == nullptr || args[i]->Type() == ValueType::kString) continue;
    mats[i] = Eval(*args[i]);
    if (init) init(i, mats[i]);
  }
  std::vector<std::vector<size_t>> cursor(n);
  for (size_t i = 0; i < n; ++i) cursor[i].assign(mats[i].size(), 0);
  std::vector<StepArg> step_args(n);
  Vector out;
  Matrix result;
  std::unordered_map<uint64_t, size_t> index;
  const bool instant = start_ == end_;
  int64_t total = 0;
  // Prometheus counts the arguments' matrices, plus at each step the samples it gathers
  // into the step's input vectors and the outputs of the steps so far.
  const int64_t args_held = q_->current_samples;
  for (int64_t step = 0; step < NumSteps(); ++step) {
    const int64_t ts = StepTime(step);
    q_->CheckDone();
    int64_t inputs = 0;
    for (size_t i = 0; i < n; ++i) {
      StepArg& a = step_args[i];
      a.series.clear();
      // The samples are overwritten in place: mostly the same series sit in the same slots
      // step after step, and assigning equal labels costs no reference counting.
      size_t filled = 0;
      for (size_t si = 0; si < mats[i].size(); ++si) {
        const auto& pts = mats[i][si].points;
        size_t& c = cursor[i][si];
        while (c < pts.size() && pts[c].t < ts) ++c;
        if (c < pts.size() && pts[c].t == ts) {
          if (filled < a.samples.size()) {
            Sample& smp = a.samples[filled];
            smp.metric = mats[i][si].metric;
            smp.t = ts;
            smp.v = pts[c].v;
          } else {
            a.samples.push_back({mats[i][si].metric, ts, pts[c].v});
          }
          ++filled;
          a.series.push_back(static_cast<uint32_t>(si));
        }
      }
      a.samples.resize(filled);
      inputs += static_cast<int64_t>(filled);
    }
    q_->current_samples = args_held + total + inputs;
    q_->CheckSamples();
    out.clear();
    fn(step_args, ts, out);
    if (ContainsSameLabelset(out))
      ThrowExecution("vector cannot contain metrics with the same labelset");
    total += static_cast<int64_t>(out.size());
    q_->AddSamples(static_cast<int64_t>(out.size()));
    if (instant) {
      for (Sample& s : out) result.push_back({std::move(s.metric), {{ts, s.v}}});
      break;
    }
    for (Sample& s : out) {
      auto [it, inserted] = index.emplace(s.metric.Hash(), result.size());
      if (inserted) {
        result.push_back({std::move(s.metric), {}});
        result.back().points.reserve(static_cast<size_t>(NumSteps()));
      }
      result[it->second].points.push_back({ts, s.v});
    }
  }
  q_->current_samples = before;
  q_->AddSamples(total);
  return result;
}

Matrix Evaluator::EvalCall(const Call& c) {
  const std::string_view name = c.func->name;
  if (name == "timestamp") {
    const Expr* a = Unparen(c.args[0].get());
    if (a->kind == ExprKind::kVectorSelector) {
      const int64_t before = q_->current_samples;
      Matrix m = EvalVectorSelector(static_cast<const VectorSelector&>(*a), true);
      if (ContainsSameLabelset(m))
        ThrowExecution("vector cannot contain metrics with the same labelset");
      CheckTimestampSamples(m, before);
      return m;
    }
  }
  for (size_t i = 0; i < c.args.size(); ++i) {
    const ExprKind k = Unparen(c.args[i].get())->kind;
    if (k == ExprKind::kMatrixSelector || k == ExprKind::kSubquery) return EvalRangeCall(c, i);
  }
  VectorFunction fn = LookupVectorFunction(name);
  if (fn == nullptr) {
    throw EvalError{QueryErrorType::kInternal, "function not implemented: " + std::string(name)};
  }
  std::vector<const Expr*> args;
  for (const auto& a : c.args) args.push_back(a.get());
  std::vector<Vector> vecs(args.size());
  return RangeEval(args, [&](std::span<StepArg> sa, int64_t ts, Vector& out) {
    for (size_t i = 0; i < sa.size(); ++i) vecs[i].swap(sa[i].samples);
    fn(vecs, c, ts, out);
    for (size_t i = 0; i < sa.size(); ++i) vecs[i].swap(sa[i].samples);
  });
}

Matrix Evaluator::EvalRangeCall(const Call& c, size_t matrix_arg) {
  const std::string_view name = c.func->name;
  RangeFunction fn = LookupRangeFunction(name);
  if (fn == nullptr) {
    throw EvalError{QueryErrorType::kInternal, "function not implemented: " + std::string(name)};
  }
  const Expr* marg = Unparen(c.args[matrix_arg].get());
  // The series to slide windows over, with the window's range and reference time.
  Matrix sub;  // a subquery's result
  const AtModifier* at;
  Duration offset;
  int64_t range;
  const std::vector<std::shared_ptr<const storage::Series>>* selected = nullptr;
  int64_t sub_held = 0;  // a subquery's points, counted until the call is done
  // Whether all input series have the same metric name, so that dropping it cannot make
  // two of them equal.
  bool one_name = false;
  if (marg->kind == ExprKind::kSubquery) {
    const auto& sq = static_cast<const SubqueryExpr&>(*marg);
    sub = EvalSubquery(sq);
    for (const Series& s : sub) sub_held += static_cast<int64_t>(s.points.size());
    at = &sq.at;
    offset = sq.offset;
    range = ToMillis(sq.range);
  } else {
    const auto& ms = static_cast<const MatrixSelector&>(*marg);
    at = &ms.selector->at;
    offset = ms.selector->offset;
    range = ToMillis(ms.range);
    selected = &Selected(*ms.selector);
    one_name = !ms.selector->name.empty();
  }
  const size_t num_series = selected != nullptr ? selected->size() : sub.size();
  // The scalar arguments, evaluated over the steps. As in Prometheus, their points stay
  // counted after the call.
  std::vector<std::vector<double>> params;
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i == matrix_arg) continue;
    Matrix m = Eval(*c.args[i]);
    std::vector<double> vals(static_cast<size_t>(NumSteps()), NAN);
    if (!m.empty()) {
      for (const Point& p : m[0].points)
        vals[static_cast<size_t>((p.t - start_) / interval_)] = p.v;
    }
    params.push_back(std::move(vals));
  }
  const bool keep_name = name == "last_over_time";
  Matrix out;
  // Prometheus counts the points of the window in memory (one series at a time: a series'
  // window is released before the next one's is read) and each series' output once all
  // its steps are done, while its last window is still held.
  int64_t window_held = 0;
  // One series' source at a time, so that its iterator's memory is reused by the next.
  std::optional<IteratorSource> iterator_source;
  std::optional<PointsSource> points_source;
  Window w(nullptr);
  for (size_t si = 0; si < num_series; ++si) {
    q_->CheckDone();
    q_->current_samples -= window_held;
    window_held = 0;
    PointSource* src;
    if (selected != nullptr) {
      iterator_source.reset();
      src = &iterator_source.emplace((*selected)[si]->Iterator());
    } else {
      src = &points_source.emplace(&sub[si].points);
    }
    w.Reset(src);
    Series ss;
    RangeWindow rw;
    rw.range_ms = range;
    size_t step = 0;
    for (; step < static_cast<size_t>(NumSteps()); ++step) {
      const int64_t ts = StepTime(static_cast<int64_t>(step));
      const int64_t maxt = RefTime(*at, offset, ts);
      const int64_t mint = SaturatingSub(maxt, range);
      auto pts = w.Advance(mint, maxt);
      const int64_t held = static_cast<int64_t>(pts.size());
      q_->current_samples += held - window_held;
      window_held = held;
      q_->CheckSamples();
      if (pts.empty()) continue;
      rw.points = pts;
      rw.has_decrease = w.HasDecrease();
      rw.eval_ts = ts;
      rw.range_start = mint;
      rw.range_end = maxt;
      for (size_t p = 0; p < params.size() && p < 2; ++p) rw.params[p] = params[p][step];
      double v;
      if (!fn(rw, &v)) continue;
      if (ss.points.empty()) ss.points.reserve(static_cast<size_t>(NumSteps()) - step);
      ss.points.push_back({ts, v});
    }
    if (ss.points.empty()) continue;
    q_->AddSamples(static_cast<int64_t>(ss.points.size()));
    const Labels& metric = selected != nullptr ? (*selected)[si]->labels() : sub[si].metric;
    ss.metric = keep_name ? metric : DropMetricName(metric);
    out.push_back(std::move(ss));
  }
  q_->current_samples -= window_held + sub_held;
  if (name == "absent_over_time") {
    const size_t steps = static_cast<size_t>(NumSteps());
    std::vector<bool> found(steps, false);
    size_t nfound = 0;
    for (const Series& s : out) {
      if (s.points.size() == steps) return {};
      for (const Point& p : s.points) {
        const size_t i = static_cast<size_t>((p.t - start_) / interval_);
        if (!found[i]) {
          found[i] = true;
          ++nfound;
        }
      }
    }
    if (nfound == steps) return {};
    Series s;
    s.metric = marg->kind == ExprKind::kSubquery ? Labels() : [&] {
      std::vector<Vector> none(1);
      Vector tmp;
      LookupVectorFunction("absent")(none, c, 0, tmp);
      return tmp[0].metric;
    }();
    for (size_t i = 0; i < steps; ++i) {
      if (!found[i]) s.points.push_back({start_ + static_cast<int64_t>(i) * interval_, 1});
    }
    Matrix m;
    m.push_back(std::move(s));
    return m;
  }
  if (!one_name && ContainsSameLabelset(out))
    ThrowExecution("vector cannot contain metrics with the same labelset");
  return out;
}

// Prometheus evaluates timestamp(selector) step by step, counting each step's selected
// samples twice (the selector's vector and the function's output) on top of the outputs of
// the steps before.
void Evaluator::CheckTimestampSamples(const Matrix& m, int64_t before) const {
  std::vector<int64_t> per_step(static_cast<size_t>(NumSteps()), 0);
  for (const Series& s : m) {
    for (const Point& p : s.points) ++per_step[static_cast<size_t>((p.t - start_) / interval_)];
  }
  int64_t held = before;
  for (int64_t n : per_step) {
    if (held + 2 * n > q_->options->max_samples) {
      ThrowTooManySamples();
    }
    held += n;
  }
}

}  // namespace tsdbd::promql
