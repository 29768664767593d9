#include "lib/promql/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"
#include "lib/promql/check.h"
#include "lib/promql/functions.h"
#include "lib/promql/functions/go_calendar.h"
#include "lib/promql/lexer.h"

namespace tsdbd::promql {
namespace {

// Thrown inside the parser only; ParseExpr turns it into a value.
struct Failure {
  int pos;
  std::string message;
};

int Precedence(TokenType t) {
  switch (t) {
    case TokenType::kOr:
      return 1;
    case TokenType::kAnd:
    case TokenType::kUnless:
      return 2;
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kLte:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kGtr:
      return 3;
    case TokenType::kAdd:
    case TokenType::kSub:
      return 4;
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kAtan2:
      return 5;
    case TokenType::kPow:
      return 6;
    default:
      return 0;
  }
}
constexpr int kPowPrecedence = 6;

BinaryOp ToBinaryOp(TokenType t) {
  switch (t) {
    case TokenType::kAdd:
      return BinaryOp::kAdd;
    case TokenType::kSub:
      return BinaryOp::kSub;
    case TokenType::kMul:
      return BinaryOp::kMul;
    case TokenType::kDiv:
      return BinaryOp::kDiv;
    case TokenType::kMod:
      return BinaryOp::kMod;
    case TokenType::kPow:
      return BinaryOp::kPow;
    case TokenType::kAtan2:
      return BinaryOp::kAtan2;
    case TokenType::kEqlc:
      return BinaryOp::kEql;
    case TokenType::kNeq:
      return BinaryOp::kNeq;
    case TokenType::kLte:
      return BinaryOp::kLte;
    case TokenType::kLss:
      return BinaryOp::kLss;
    case TokenType::kGte:
      return BinaryOp::kGte;
    case TokenType::kGtr:
      return BinaryOp::kGtr;
    case TokenType::kAnd:
      return BinaryOp::kAnd;
    case TokenType::kOr:
      return BinaryOp::kOr;
    default:
      return BinaryOp::kUnless;
  }
}

AggregateOp ToAggregateOp(std::string_view lower) {
  static constexpr std::pair<std::string_view, AggregateOp> kOps[] = {
      {"sum", AggregateOp::kSum},
      {"avg", AggregateOp::kAvg},
      {"count", AggregateOp::kCount},
      {"min", AggregateOp::kMin},
      {"max", AggregateOp::kMax},
      {"group", AggregateOp::kGroup},
      {"stddev", AggregateOp::kStddev},
      {"stdvar", AggregateOp::kStdvar},
      {"topk", AggregateOp::kTopK},
      {"bottomk", AggregateOp::kBottomK},
      {"count_values", AggregateOp::kCountValues},
      {"quantile", AggregateOp::kQuantile},
  };
  for (const auto& [name, op] : kOps) {
    if (name == lower) return op;
  }
  return AggregateOp::kSum;
}

// Go's strconv.ParseInt(s, 0, 64) for the forms the lexer produces.
bool ParseGoInt(std::string_view s, int64_t* out) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return false;
    if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / base) return false;
    v = v * base + d;
  }
  *out = static_cast<int64_t>(v);
  return true;
}

// Go's strconv.ParseFloat(s, 64) for the forms the lexer produces; the error text is Go's.
bool ParseGoFloat(std::string_view s, double* out, std::string* error) {
  const std::string text(s);
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // digits [. digits] [e [+-] digits], at least one mantissa digit, no hex.
  size_t i = 0, mantissa = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mantissa;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mantissa;
  }
  bool ok = mantissa > 0;
  if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    ok = exp > 0;
  }
  ok = ok && i == s.size();
  if (!ok) {
    *error = "strconv.ParseFloat: parsing " + GoQuote(s) + ": invalid syntax";
    return false;
  }
  errno = 0;
  const double v = std::strtod(text.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) {
    *error = "strconv.ParseFloat: parsing " + GoQuote(s) + ": value out of range";
    return false;
  }
  *out = v;
  return true;
}

// Go's strconv.Unquote for "..." and '...' (escapes already validated by the lexer) and
// raw `...` strings.
std::string Unquote(std::string_view raw) {
  const char quote = raw.front();
  std::string_view body = raw.substr(1, raw.size() - 2);
  if (quote == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  auto append_rune = [&out](uint32_t r) { AppendUtf8(out, r); };
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    const char e = body[++i];
    auto number = [&](size_t digits, int base) {
      uint32_t v = 0;
      for (size_t k = 0; k < digits; ++k) {
        const char c = body[++i];
        v = v * base + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      }
      return v;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        out += static_cast<char>(number(2, 16));
        break;
      case 'u':
        append_rune(number(4, 16));
        break;
      case 'U':
        append_rune(number(8, 16));
        break;
      default:
        if (e >= '0' && e <= '7') {
          --i;
          out += static_cast<char>(number(3, 8));
        } else {
          out += e;  // \\ and the quote
        }
    }
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view input) : in_(input), lexer_(input) { Advance(); }

  ExprPtr ParseQuery() {
    // Nothing but space and comments: Prometheus names the start of the input.
    if (tok_.type == TokenType::kEOF) Fail(0, "no expression found in input");
    ExprPtr e = ParseBinary(1);
    if (tok_.type != TokenType::kEOF) Unexpected(tok_);
    return e;
  }

  // A lone vector selector: a metric name (keywords allowed) and/or {matchers}, nothing after.
  std::vector<Matcher> ParseMetricSelectorOnly() {
    const Token t = tok_;
    ExprPtr e;
    if (t.type == TokenType::kLeftBrace) {
      e = ParseSelector(t.pos, "");
    } else if (t.type == TokenType::kIdentifier || t.type == TokenType::kAggregator ||
               CanBeMetricName(t.type)) {
      Advance();
      e = ParseSelectorAfterName(t);
    } else {
      Unexpected(t);
    }
    if (tok_.type != TokenType::kEOF) Unexpected(tok_);
    return std::move(static_cast<VectorSelector&>(*e).matchers);
  }

 private:
  void Advance() { tok_ = lexer_.Next(); }

  [[noreturn]] void Fail(int pos, std::string message) { throw Failure{pos, std::move(message)}; }

  // `unexpected X`, `unexpected X in ctx`, `unexpected X in ctx, expected Y`; a lexical
  // error reports itself. Inside an aggregation a syntax error without a context of its own
  // is "in aggregation", however deep in the arguments it lies, as Prometheus's grammar has it.
  [[noreturn]] void Unexpected(const Token& t, std::string_view context = {},
                               std::string_view expected = {}) {
    if (t.type == TokenType::kError) Fail(t.pos, t.message);
    if (context.empty() && aggregation_depth_ > 0) context = "aggregation";
    std::string m = "unexpected " + DescribeToken(t);
    if (!context.empty()) {
      m += " in ";
      m += context;
      if (!expected.empty()) {
        m += ", expected ";
        m += expected;
      }
    }
    Fail(t.pos, std::move(m));
  }

  Duration ParseDurationToken(const Token& t) {
    auto d = ParseDuration(t.text);
    if (!d.ok()) Fail(t.pos, d.error().message());
    if (d->count() == 0) Fail(t.pos, "duration must be greater than 0");
    return *d;
  }

  double ParseNumberToken(const Token& t) {
    int64_t i = 0;
    if (ParseGoInt(t.text, &i)) return static_cast<double>(i);
    double v = 0;
    std::string error;
    if (!ParseGoFloat(t.text, &v, &error)) Fail(t.pos, "error parsing number: " + error);
    return v;
  }

  // Binary operators at or above `min_prec`, by precedence climbing; ^ is right-associative.
  ExprPtr ParseBinary(int min_prec) {
    ExprPtr lhs = ParseUnary();
    while (true) {
      const int prec = Precedence(tok_.type);
      if (prec == 0 || prec < min_prec) return lhs;
      auto b = std::make_unique<BinaryExpr>();
      b->op = ToBinaryOp(tok_.type);
      b->op_pos = tok_.pos;
      Advance();
      ParseBinaryModifiers(*b);
      b->rhs = ParseBinary(prec == kPowPrecedence ? prec : prec + 1);
      // Beside a scalar Prometheus keeps no matching without labels: `x + on() 1` is `x + 1`.
      // With labels it stays, for the type check to refuse.
      if ((b->rhs->Type() == ValueType::kScalar || lhs->Type() == ValueType::kScalar) &&
          b->matching != nullptr && b->matching->matching_labels.empty()) {
        b->matching.reset();
      }
      b->pos = {lhs->pos.start, b->rhs->pos.end};
      b->lhs = std::move(lhs);
      lhs = std::move(b);
    }
  }

  void ParseBinaryModifiers(BinaryExpr& b) {
    if (tok_.type == TokenType::kBool) {
      b.return_bool = true;
      Advance();
    }
    auto vm = std::make_unique<VectorMatching>();
    if (IsSetOperator(b.op)) vm->card = Cardinality::kManyToMany;
    if (tok_.type == TokenType::kOn || tok_.type == TokenType::kIgnoring) {
      vm->on = tok_.type == TokenType::kOn;
      Advance();
      vm->matching_labels = ParseGroupingLabels();
      if (tok_.type == TokenType::kGroupLeft || tok_.type == TokenType::kGroupRight) {
        vm->card =
            tok_.type == TokenType::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        Advance();
        if (tok_.type == TokenType::kLeftParen) {
          vm->include_labels = ParseGroupingLabels();
        } else if (!CanStartExpr(tok_.type)) {
          // Neither labels nor the right-hand side: Prometheus wanted the labels.
          Unexpected(tok_, "grouping opts", "\"(\"");
        }
      }
    }
    b.matching = std::move(vm);
  }

  // '(' [label {, label} [,]] ')'
  std::vector<std::string> ParseGroupingLabels() {
    if (tok_.type != TokenType::kLeftParen) Unexpected(tok_, "grouping opts", "\"(\"");
    Advance();
    std::vector<std::string> labels;
    while (true) {
      if (tok_.type == TokenType::kRightParen) break;
      if (!CanBeLabelName(tok_.type)) Unexpected(tok_, "grouping opts", "label");
      labels.emplace_back(tok_.text);
      Advance();
      if (tok_.type == TokenType::kComma) {
        Advance();
        continue;
      }
      if (tok_.type != TokenType::kRightParen) {
        Unexpected(tok_, "grouping opts", "\",\" or \")\"");
      }
    }
    Advance();
    return labels;
  }

  ExprPtr ParseUnary() {
    if (tok_.type == TokenType::kAdd || tok_.type == TokenType::kSub) {
      const bool negate = tok_.type == TokenType::kSub;
      const int start = tok_.pos;
      Advance();
      ExprPtr operand = ParseBinary(kPowPrecedence);
      if (operand->kind == ExprKind::kNumberLiteral) {
        auto* n = static_cast<NumberLiteral*>(operand.get());
        if (negate) n->value = -n->value;
        n->pos.start = start;
        return operand;
      }
      auto u = std::make_unique<UnaryExpr>();
      u->negate = negate;
      u->pos = {start, operand->pos.end};
      u->expr = std::move(operand);
      return u;
    }
    return ParsePostfix(ParsePrimary());
  }

  ExprPtr ParsePrimary() {
    const Token t = tok_;
    switch (t.type) {
      case TokenType::kNumber: {
        auto n = std::make_unique<NumberLiteral>();
        n->value = ParseNumberToken(t);
        n->pos = {t.pos, t.pos + static_cast<int>(t.text.size())};
        Advance();
        return n;
      }
      case TokenType::kString: {
        auto s = std::make_unique<StringLiteral>();
        s->value = Unquote(t.text);
        s->pos = {t.pos, t.pos + static_cast<int>(t.text.size())};
        Advance();
        return s;
      }
      case TokenType::kLeftParen: {
        Advance();
        auto p = std::make_unique<ParenExpr>();
        p->expr = ParseBinary(1);
        if (tok_.type != TokenType::kRightParen) Unexpected(tok_);
        p->pos = {t.pos, tok_.pos + 1};
        Advance();
        return p;
      }
      case TokenType::kLeftBrace:
        return ParseSelector(t.pos, "");
      case TokenType::kAggregator:
        Advance();
        if (tok_.type == TokenType::kLeftParen || tok_.type == TokenType::kBy ||
            tok_.type == TokenType::kWithout) {
          return ParseAggregate(t);
        }
        return ParseSelectorAfterName(t);
      case TokenType::kIdentifier:
        Advance();
        if (tok_.type == TokenType::kLeftParen) return ParseCall(t);
        return ParseSelectorAfterName(t);
      default:
        if (CanBeMetricName(t.type)) {
          Advance();
          return ParseSelectorAfterName(t);
        }
        Unexpected(t);
    }
  }

  ExprPtr ParseSelectorAfterName(const Token& name) {
    if (tok_.type == TokenType::kLeftBrace) return ParseSelector(name.pos, name.text);
    auto vs = std::make_unique<VectorSelector>();
    vs->name = std::string(name.text);
    vs->matchers.push_back(Matcher::MustMake(Matcher::Type::kEqual, "__name__", vs->name));
    vs->pos = {name.pos, name.pos + static_cast<int>(name.text.size())};
    return vs;
  }

  // At '{': matchers up to '}'.
  ExprPtr ParseSelector(int start, std::string_view name) {
    auto vs = std::make_unique<VectorSelector>();
    vs->name = std::string(name);
    Advance();
    constexpr std::string_view kCtx = "label matching";
    while (tok_.type != TokenType::kRightBrace) {
      if (tok_.type != TokenType::kIdentifier) {
        Unexpected(tok_, kCtx, "identifier or \"}\"");
      }
      const Token label = tok_;
      Advance();
      Matcher::Type type;
      switch (tok_.type) {
        case TokenType::kAssign:
          type = Matcher::Type::kEqual;
          break;
        case TokenType::kNeq:
          type = Matcher::Type::kNotEqual;
          break;
        case TokenType::kEqlRegex:
          type = Matcher::Type::kRegexMatch;
          break;
        case TokenType::kNeqRegex:
          type = Matcher::Type::kRegexNoMatch;
          break;
        default:
          Unexpected(tok_, kCtx, "label matching operator");
      }
      Advance();
      if (tok_.type != TokenType::kString) Unexpected(tok_, kCtx, "string");
      auto m = Matcher::Make(type, std::string(label.text), Unquote(tok_.text));
      if (!m.ok()) Fail(label.pos, m.error().message());
      vs->matchers.push_back(std::move(*m));
      Advance();
      if (tok_.type == TokenType::kComma) {
        Advance();
      } else if (tok_.type != TokenType::kRightBrace) {
        Unexpected(tok_, kCtx, "\",\" or \"}\"");
      }
    }
    if (!vs->name.empty()) {
      vs->matchers.push_back(Matcher::MustMake(Matcher::Type::kEqual, "__name__", vs->name));
    }
    vs->pos = {start, tok_.pos + 1};
    Advance();
    return vs;
  }

  // Arguments of a call or aggregation, at '('; consumes ')'. Returns the ')' position.
  int ParseArgs(std::vector<ExprPtr>& args) {
    Advance();
    if (tok_.type == TokenType::kRightParen) {
      const int end = tok_.pos;
      Advance();
      return end;
    }
    while (true) {
      args.push_back(ParseBinary(1));
      if (tok_.type == TokenType::kComma) {
        const int comma = tok_.pos;
        Advance();
        // Whatever cannot begin another argument makes the comma a trailing one.
        if (tok_.type == TokenType::kError) Unexpected(tok_);
        if (!CanStartExpr(tok_.type)) {
          Fail(comma, "trailing commas not allowed in function call args");
        }
        continue;
      }
      if (tok_.type != TokenType::kRightParen) Unexpected(tok_);
      const int end = tok_.pos;
      Advance();
      return end;
    }
  }

  ExprPtr ParseCall(const Token& name) {
    auto call = std::make_unique<Call>();
    const int end = ParseArgs(call->args);
    call->func = LookupFunction(name.text);
    if (call->func == nullptr) {
      Fail(name.pos, "unknown function with name " + GoQuote(name.text));
    }
    call->pos = {name.pos, end + 1};
    return call;
  }

  // After the aggregation keyword: [by|without (...)] '(' args ')' [by|without (...)].
  ExprPtr ParseAggregate(const Token& op) {
    ++aggregation_depth_;
    auto agg = std::make_unique<AggregateExpr>();
    std::string lower(op.text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    agg->op = ToAggregateOp(lower);
    bool grouped = false;
    if (tok_.type == TokenType::kBy || tok_.type == TokenType::kWithout) {
      agg->without = tok_.type == TokenType::kWithout;
      Advance();
      agg->grouping = ParseGroupingLabels();
      grouped = true;
      if (tok_.type != TokenType::kLeftParen) Unexpected(tok_, "aggregation");
    }
    std::vector<ExprPtr> args;
    int end = ParseArgs(args);
    if (!grouped && (tok_.type == TokenType::kBy || tok_.type == TokenType::kWithout)) {
      agg->without = tok_.type == TokenType::kWithout;
      const int kw_end = tok_.pos + static_cast<int>(tok_.text.size());
      Advance();
      agg->grouping = ParseGroupingLabels();
      grouped = true;
      end = std::max(end, kw_end);
    }
    // Prometheus counts the arguments when it has the whole aggregation; when that ends with
    // the arguments, where `by` could still follow, only after reading the next token, so a
    // lexical error there comes first.
    if (!grouped && tok_.type == TokenType::kError) Unexpected(tok_);
    if (args.empty()) Fail(op.pos, "no arguments for aggregate expression provided");
    const size_t want = HasParameter(agg->op) ? 2 : 1;
    if (args.size() != want) {
      Fail(op.pos, "wrong number of arguments for aggregate expression provided, expected " +
                       std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    if (want == 2) agg->param = std::move(args[0]);
    agg->expr = std::move(args.back());
    agg->pos = {op.pos, end + 1};
    --aggregation_depth_;
    return agg;
  }

  static bool IsSelectorLike(const Expr& e) {
    return e.kind == ExprKind::kVectorSelector || e.kind == ExprKind::kMatrixSelector ||
           e.kind == ExprKind::kSubquery;
  }

  // The vector selector that carries offset and @ for `e` (selector, matrix or subquery).
  struct Modifiers {
    Duration* offset;
    AtModifier* at;
  };
  static Modifiers ModifiersOf(Expr& e) {
    switch (e.kind) {
      case ExprKind::kVectorSelector: {
        auto& vs = static_cast<VectorSelector&>(e);
        return {&vs.offset, &vs.at};
      }
      case ExprKind::kMatrixSelector: {
        auto& vs = *static_cast<MatrixSelector&>(e).selector;
        return {&vs.offset, &vs.at};
      }
      default: {
        auto& sq = static_cast<SubqueryExpr&>(e);
        return {&sq.offset, &sq.at};
      }
    }
  }

  // Ranges, subqueries, offset and @ after a primary expression.
  ExprPtr ParsePostfix(ExprPtr e) {
    while (true) {
      switch (tok_.type) {
        case TokenType::kLeftBracket:
          e = ParseRangeOrSubquery(std::move(e));
          break;
        case TokenType::kOffset:
          ParseOffset(*e);
          break;
        case TokenType::kAt:
          ParseAt(*e);
          break;
        default:
          return e;
      }
    }
  }

  ExprPtr ParseRangeOrSubquery(ExprPtr e) {
    const int bracket = tok_.pos;
    Advance();
    // The lexer guarantees a duration (or an error) right after '['.
    if (tok_.type != TokenType::kDuration) Unexpected(tok_);
    // Checked before the next token is read: its lexical error comes second.
    const Duration range = ParseDurationToken(tok_);
    Advance();
    if (tok_.type == TokenType::kRightBracket) {
      if (e->kind != ExprKind::kVectorSelector) {
        Fail(bracket, "ranges only allowed for vector selectors");
      }
      auto* vs = static_cast<VectorSelector*>(e.get());
      if (vs->offset.count() != 0) Fail(bracket, "no offset modifiers allowed before range");
      if (vs->at.kind != AtModifier::Kind::kNone) {
        Fail(bracket, "no @ modifiers allowed before range");
      }
      auto ms = std::make_unique<MatrixSelector>();
      ms->range = range;
      ms->pos = {e->pos.start, tok_.pos + 1};
      ms->selector.reset(static_cast<VectorSelector*>(e.release()));
      Advance();
      return ms;
    }
    if (tok_.type != TokenType::kColon) {
      Unexpected(tok_, "subquery or range", "\":\" or \"]\"");
    }
    Advance();
    auto sq = std::make_unique<SubqueryExpr>();
    sq->range = range;
    if (tok_.type == TokenType::kDuration) {
      sq->step = ParseDurationToken(tok_);
      Advance();
      if (tok_.type != TokenType::kRightBracket) Unexpected(tok_, "subquery selector", "\"]\"");
    } else if (tok_.type != TokenType::kRightBracket) {
      Unexpected(tok_, "subquery selector", "duration or \"]\"");
    }
    sq->pos = {e->pos.start, tok_.pos + 1};
    sq->expr = std::move(e);
    Advance();
    return sq;
  }

  void ParseOffset(Expr& e) {
    Advance();
    bool negative = false;
    if (tok_.type == TokenType::kSub || tok_.type == TokenType::kAdd) {
      // Only '-' may sign an offset duration; '+' reads as an unexpected operator.
      if (tok_.type == TokenType::kAdd) Unexpected(tok_, "offset", "duration");
      negative = true;
      Advance();
    }
    if (tok_.type != TokenType::kDuration) Unexpected(tok_, "offset", "duration");
    Duration d = ParseDurationToken(tok_);
    const int end = tok_.pos + static_cast<int>(tok_.text.size());
    if (negative) d = -d;
    if (!IsSelectorLike(e)) {
      Fail(e.pos.start,
           "offset modifier must be preceded by an instant vector selector or range vector "
           "selector or a subquery");
    }
    Modifiers m = ModifiersOf(e);
    if (m.offset->count() != 0) Fail(e.pos.start, "offset may not be set multiple times");
    *m.offset = d;
    e.pos.end = end;
    Advance();
  }

  void ParseAt(Expr& e) {
    Advance();
    constexpr std::string_view kCtx = "@";
    constexpr std::string_view kWant = "timestamp";
    AtModifier at;
    int end = 0;
    if (tok_.type == TokenType::kStart || tok_.type == TokenType::kEnd) {
      at.kind = tok_.type == TokenType::kStart ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
      Advance();
      if (tok_.type != TokenType::kLeftParen) Unexpected(tok_, kCtx, kWant);
      Advance();
      if (tok_.type != TokenType::kRightParen) Unexpected(tok_, kCtx, kWant);
      end = tok_.pos + 1;
    } else {
      bool negative = false;
      if (tok_.type == TokenType::kSub || tok_.type == TokenType::kAdd) {
        negative = tok_.type == TokenType::kSub;
        Advance();
      }
      if (tok_.type != TokenType::kNumber) Unexpected(tok_, kCtx, kWant);
      double seconds = ParseNumberToken(tok_);
      if (negative) seconds = -seconds;
      end = tok_.pos + static_cast<int>(tok_.text.size());
      // Prometheus bounds the seconds, not the milliseconds, by int64's range (both ends out).
      constexpr double kTwoTo63 = 9.223372036854775808e18;
      if (!(seconds < kTwoTo63 && seconds > -kTwoTo63)) {
        std::string v;
        if (std::isnan(seconds)) {
          v = "NaN";
        } else if (std::isinf(seconds)) {
          v = seconds > 0 ? "+Inf" : "-Inf";
        } else {
          char buf[400];
          std::snprintf(buf, sizeof buf, "%f", seconds);
          v = buf;
        }
        Fail(e.pos.start, "timestamp out of bounds for @ modifier: " + v);
      }
      at.kind = AtModifier::Kind::kTimestamp;
      // Go's int64(math.Round(s * 1000)), as Prometheus converts: milliseconds beyond int64
      // (seconds past 9.2e15) become int64's minimum.
      at.timestamp_ms = GoFloatToInt64(std::round(seconds * 1000));
    }
    if (!IsSelectorLike(e)) {
      Fail(e.pos.start,
           "@ modifier must be preceded by an instant vector selector or range vector selector "
           "or a subquery");
    }
    Modifiers m = ModifiersOf(e);
    if (m.at->kind != AtModifier::Kind::kNone) {
      Fail(e.pos.start, "@ <timestamp> may not be set multiple times");
    }
    *m.at = at;
    e.pos.end = end;
    Advance();
  }

  static bool CanStartExpr(TokenType t) {
    switch (t) {
      case TokenType::kNumber:
      case TokenType::kString:
      case TokenType::kLeftParen:
      case TokenType::kLeftBrace:
      case TokenType::kAdd:
      case TokenType::kSub:
        return true;
      default:
        return CanBeMetricName(t);
    }
  }

  std::string_view in_;
  Lexer lexer_;
  Token tok_;
  int aggregation_depth_ = 0;  // aggregations whose arguments are being parsed
};

}  // namespace

ExprPtr ParseExpr(std::string_view query, ParseError* error) {
  ExprPtr expr;
  try {
    Parser parser(query);
    expr = parser.ParseQuery();
  } catch (Failure& f) {
    if (error != nullptr) *error = {f.pos, std::move(f.message)};
    return nullptr;
  }
  ParseError check_error;
  if (!CheckExpr(*expr, &check_error)) {
    if (error != nullptr) *error = std::move(check_error);
    return nullptr;
  }
  return expr;
}

Result<ExprPtr> ParseExpr(std::string_view query) {
  ParseError error;
  ExprPtr expr = ParseExpr(query, &error);
  if (expr == nullptr) return Error(FormatParseError(query, error));
  return expr;
}

Result<std::vector<Matcher>> ParseMetricSelector(std::string_view selector) {
  try {
    Parser parser(selector);
    return parser.ParseMetricSelectorOnly();
  } catch (Failure& f) {
    return Error(FormatParseError(selector, {f.pos, std::move(f.message)}));
  }
}

std::string FormatParseError(std::string_view query, const ParseError& error) {
  const size_t pos = std::min(static_cast<size_t>(std::max(error.pos, 0)), query.size());
  int line = 1;
  long last_newline = -1;
  for (size_t i = 0; i < pos; ++i) {
    if (query[i] == '\n') {
      ++line;
      last_newline = static_cast<long>(i);
    }
  }
  const long col = static_cast<long>(pos) - last_newline;
  return std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + error.message;
}

}  // namespace tsdbd::promql
