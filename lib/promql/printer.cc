#include "lib/promql/printer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "lib/model/go_quote.h"
#include "lib/model/value_format.h"
#include "lib/promql/functions.h"

namespace tsdbd::promql {
namespace {

void AppendLabels(std::string& out, const std::vector<std::string>& labels) {
  out += '(';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  out += ')';
}

void AppendAt(std::string& out, const AtModifier& at) {
  switch (at.kind) {
    case AtModifier::Kind::kNone:
      return;
    case AtModifier::Kind::kStart:
      out += " @ start()";
      return;
    case AtModifier::Kind::kEnd:
      out += " @ end()";
      return;
    case AtModifier::Kind::kTimestamp: {
      // Prometheus's %.3f of float64(ms) / 1000, whose rounding shows beyond 2^53 ms.
      char buf[32];
      std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at.timestamp_ms) / 1000.0);
      out += buf;
      return;
    }
  }
}

void AppendOffset(std::string& out, Duration offset) {
  if (offset.count() > 0) {
    out += " offset ";
    out += FormatDuration(offset);
  } else if (offset.count() < 0) {
    out += " offset -";
    out += FormatDuration(-offset);
  }
}

// name{matchers} without modifiers; matchers sorted by their text as Prometheus does.
void AppendSelectorBody(std::string& out, const VectorSelector& vs) {
  std::vector<std::string> texts;
  bool skipped_name = false;
  for (const Matcher& m : vs.matchers) {
    if (!skipped_name && !vs.name.empty() && m.name() == "__name__" &&
        m.type() == Matcher::Type::kEqual && m.value() == vs.name) {
      skipped_name = true;
      continue;
    }
    texts.push_back(m.ToString());
  }
  std::sort(texts.begin(), texts.end());
  out += vs.name;
  if (!texts.empty() || vs.name.empty()) {
    out += '{';
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i > 0) out += ',';
      out += texts[i];
    }
    out += '}';
  }
}

void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    AppendFloatG(out, v);
  }
}

}  // namespace

void AppendFormatted(std::string& out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
      AppendNumber(out, static_cast<const NumberLiteral&>(e).value);
      return;
    case ExprKind::kStringLiteral:
      AppendGoQuoted(out, static_cast<const StringLiteral&>(e).value);
      return;
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      AppendSelectorBody(out, vs);
      AppendAt(out, vs.at);
      AppendOffset(out, vs.offset);
      return;
    }
    case ExprKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      AppendSelectorBody(out, *ms.selector);
      out += '[';
      out += FormatDuration(ms.range);
      out += ']';
      AppendAt(out, ms.selector->at);
      AppendOffset(out, ms.selector->offset);
      return;
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      AppendFormatted(out, *sq.expr);
      out += '[';
      out += FormatDuration(sq.range);
      out += ':';
      if (sq.step.count() != 0) out += FormatDuration(sq.step);
      out += ']';
      AppendAt(out, sq.at);
      AppendOffset(out, sq.offset);
      return;
    }
    case ExprKind::kParen:
      out += '(';
      AppendFormatted(out, *static_cast<const ParenExpr&>(e).expr);
      out += ')';
      return;
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      out += u.negate ? '-' : '+';
      AppendFormatted(out, *u.expr);
      return;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      AppendFormatted(out, *b.lhs);
      out += ' ';
      out += BinaryOpName(b.op);
      if (b.return_bool) out += " bool";
      const VectorMatching* vm = b.matching.get();
      if (vm != nullptr && (vm->on || !vm->matching_labels.empty())) {
        out += vm->on ? " on " : " ignoring ";
        AppendLabels(out, vm->matching_labels);
        if (vm->card == Cardinality::kManyToOne || vm->card == Cardinality::kOneToMany) {
          out += vm->card == Cardinality::kManyToOne ? " group_left " : " group_right ";
          AppendLabels(out, vm->include_labels);
        }
      }
      out += ' ';
      AppendFormatted(out, *b.rhs);
      return;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      out += AggregateOpName(a.op);
      if (a.without) {
        out += " without ";
        AppendLabels(out, a.grouping);
        out += ' ';
      } else if (!a.grouping.empty()) {
        out += " by ";
        AppendLabels(out, a.grouping);
        out += ' ';
      }
      out += '(';
      if (a.param != nullptr) {
        AppendFormatted(out, *a.param);
        out += ", ";
      }
      AppendFormatted(out, *a.expr);
      out += ')';
      return;
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      out += c.func->name;
      out += '(';
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += ", ";
        AppendFormatted(out, *c.args[i]);
      }
      out += ')';
      return;
    }
  }
}

namespace {

constexpr size_t kMaxLineLength = 100;

void AppendPretty(std::string& out, const Expr& e, int level);

void Indent(std::string& out, int level) {
  out.append(static_cast<size_t>(level) * 2, ' ');
}

// The part of a subquery after its expression: "[5m:1m] @ 1.000 offset 1m".
void AppendSubquerySuffix(std::string& out, const SubqueryExpr& sq) {
  out += '[';
  out += FormatDuration(sq.range);
  out += ':';
  if (sq.step.count() != 0) out += FormatDuration(sq.step);
  out += ']';
  AppendAt(out, sq.at);
  AppendOffset(out, sq.offset);
}

void AppendPretty(std::string& out, const Expr& e, int level) {
  const std::string flat = Format(e);
  if (flat.size() <= kMaxLineLength) {
    Indent(out, level);
    out += flat;
    return;
  }
  switch (e.kind) {
    case ExprKind::kParen:
      Indent(out, level);
      out += "(\n";
      AppendPretty(out, *static_cast<const ParenExpr&>(e).expr, level + 1);
      out += '\n';
      Indent(out, level);
      out += ')';
      return;
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      Indent(out, level);
      out += u.negate ? '-' : '+';
      std::string inner;
      AppendPretty(inner, *u.expr, level);
      out.append(inner, inner.find_first_not_of(' '));
      return;
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      AppendPretty(out, *sq.expr, level);
      AppendSubquerySuffix(out, sq);
      return;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      AppendPretty(out, *b.lhs, level + 1);
      out += '\n';
      Indent(out, level);
      out += BinaryOpName(b.op);
      if (b.return_bool) out += " bool";
      const VectorMatching* vm = b.matching.get();
      if (vm != nullptr && (vm->on || !vm->matching_labels.empty())) {
        out += vm->on ? " on " : " ignoring ";
        AppendLabels(out, vm->matching_labels);
        if (vm->card == Cardinality::kManyToOne || vm->card == Cardinality::kOneToMany) {
          out += vm->card == Cardinality::kManyToOne ? " group_left " : " group_right ";
          AppendLabels(out, vm->include_labels);
        }
      }
      out += '\n';
      AppendPretty(out, *b.rhs, level + 1);
      return;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      Indent(out, level);
      out += AggregateOpName(a.op);
      if (a.without) {
        out += " without ";
        AppendLabels(out, a.grouping);
        out += ' ';
      } else if (!a.grouping.empty()) {
        out += " by ";
        AppendLabels(out, a.grouping);
        out += ' ';
      }
      out += "(\n";
      if (a.param != nullptr) {
        AppendPretty(out, *a.param, level + 1);
        out += ",\n";
      }
      AppendPretty(out, *a.expr, level + 1);
      out += '\n';
      Indent(out, level);
      out += ')';
      return;
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      Indent(out, level);
      out += c.func->name;
      out += "(\n";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += ",\n";
        AppendPretty(out, *c.args[i], level + 1);
      }
      out += '\n';
      Indent(out, level);
      out += ')';
      return;
    }
    default:
      Indent(out, level);
      out += flat;
      return;
  }
}

}  // namespace

std::string Pretty(const Expr& expr) {
  std::string out;
  AppendPretty(out, expr, 0);
  return out;
}

std::string Format(const Expr& expr) {
  std::string out;
  AppendFormatted(out, expr);
  return out;
}

}  // namespace tsdbd::promql
