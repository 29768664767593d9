// Parser unit tests: AST shape, precedence and associativity, modifiers, and each class of
// error with Prometheus's message and position.
#include "lib/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lib/promql/functions.h"
#include "lib/promql/lexer.h"
#include "lib/promql/printer.h"

namespace tsdbd::promql {
namespace {

ExprPtr MustParse(std::string_view q) {
  auto r = ParseExpr(q);
  EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(*r) : nullptr;
}

std::string ErrorOf(std::string_view q) {
  auto r = ParseExpr(q);
  return r.ok() ? "OK" : r.error().message();
}

template <typename T>
const T& As(const Expr& e, ExprKind kind) {
  EXPECT_EQ(e.kind, kind);
  return static_cast<const T&>(e);
}

std::vector<TokenType> Lex(std::string_view q) {
  Lexer lexer(q);
  std::vector<TokenType> out;
  for (int i = 0; i < 100; ++i) {
    Token t = lexer.Next();
    out.push_back(t.type);
    if (t.type == TokenType::kEOF || t.type == TokenType::kError) break;
  }
  return out;
}

TEST(PromqlLexer, Tokens) {
  using T = TokenType;
  EXPECT_EQ(Lex("sum by (a) (rate(x{b=~\"c\"}[5m:1m]))"),
            (std::vector<T>{T::kAggregator, T::kBy,         T::kLeftParen,    T::kIdentifier,
                            T::kRightParen, T::kLeftParen,  T::kIdentifier,   T::kLeftParen,
                            T::kIdentifier, T::kLeftBrace,  T::kIdentifier,   T::kEqlRegex,
                            T::kString,     T::kRightBrace, T::kLeftBracket,  T::kDuration,
                            T::kColon,      T::kDuration,   T::kRightBracket, T::kRightParen,
                            T::kRightParen, T::kEOF}));
  EXPECT_EQ(Lex("a:b 0x1F Inf # c\n 1h30m"),
            (std::vector<T>{T::kMetricIdentifier, T::kNumber, T::kNumber, T::kDuration, T::kEOF}));
  EXPECT_EQ(Lex("x{on=\"a\"} and bool"),
            (std::vector<T>{T::kIdentifier, T::kLeftBrace, T::kIdentifier, T::kAssign, T::kString,
                            T::kRightBrace, T::kAnd, T::kBool, T::kEOF}));
  EXPECT_EQ(Lex("(").back(), T::kError);
  EXPECT_EQ(Lex("1_0").back(), T::kError);
}

TEST(PromqlParser, SelectorShape) {
  auto e = MustParse(R"(http_requests_total{job="api",code!~"5.."} offset -5m @ 100.5)");
  const auto& vs = As<VectorSelector>(*e, ExprKind::kVectorSelector);
  EXPECT_EQ(vs.name, "http_requests_total");
  ASSERT_EQ(vs.matchers.size(), 3u);
  EXPECT_EQ(vs.matchers[0].ToString(), R"(job="api")");
  EXPECT_EQ(vs.matchers[1].type(), Matcher::Type::kRegexNoMatch);
  EXPECT_EQ(vs.matchers[2].name(), "__name__");
  EXPECT_EQ(vs.offset, Duration(-300000));
  EXPECT_EQ(vs.at.kind, AtModifier::Kind::kTimestamp);
  EXPECT_EQ(vs.at.timestamp_ms, 100500);
}

TEST(PromqlParser, MatrixAndSubquery) {
  auto e = MustParse("rate(x[5m] @ end())[1h:30s] offset 1d");
  const auto& sq = As<SubqueryExpr>(*e, ExprKind::kSubquery);
  EXPECT_EQ(sq.range, Duration(3600000));
  EXPECT_EQ(sq.step, Duration(30000));
  EXPECT_EQ(sq.offset, Duration(86400000));
  const auto& call = As<Call>(*sq.expr, ExprKind::kCall);
  EXPECT_EQ(call.func->name, "rate");
  const auto& ms = As<MatrixSelector>(*call.args[0], ExprKind::kMatrixSelector);
  EXPECT_EQ(ms.range, Duration(300000));
  EXPECT_EQ(ms.selector->at.kind, AtModifier::Kind::kEnd);
  EXPECT_EQ(e->Type(), ValueType::kMatrix);
}

TEST(PromqlParser, Aggregations) {
  for (const char* q : {"sum by (job) (rate(x[5m]))", "sum(rate(x[5m])) by (job)"}) {
    auto e = MustParse(q);
    const auto& a = As<AggregateExpr>(*e, ExprKind::kAggregate);
    EXPECT_EQ(a.op, AggregateOp::kSum);
    EXPECT_EQ(a.grouping, std::vector<std::string>{"job"});
    EXPECT_FALSE(a.without);
    EXPECT_EQ(Format(*e), "sum by (job) (rate(x[5m]))");
  }
  auto e = MustParse("topk without (a) (3, x)");
  const auto& a = As<AggregateExpr>(*e, ExprKind::kAggregate);
  EXPECT_TRUE(a.without);
  EXPECT_EQ(As<NumberLiteral>(*a.param, ExprKind::kNumberLiteral).value, 3);
}

TEST(PromqlParser, PrecedenceAndAssociativity) {
  EXPECT_EQ(Format(*MustParse("a or b and c")), "a or b and c");
  auto e = MustParse("a or b and c");
  const auto& root = As<BinaryExpr>(*e, ExprKind::kBinary);
  EXPECT_EQ(root.op, BinaryOp::kOr);
  EXPECT_EQ(As<BinaryExpr>(*root.rhs, ExprKind::kBinary).op, BinaryOp::kAnd);

  auto pow = MustParse("2 ^ 3 ^ 2");  // right-associative
  EXPECT_EQ(As<BinaryExpr>(*static_cast<BinaryExpr&>(*pow).rhs, ExprKind::kBinary).op,
            BinaryOp::kPow);
  auto sub = MustParse("a - b - c");  // left-associative
  EXPECT_EQ(As<BinaryExpr>(*static_cast<BinaryExpr&>(*sub).lhs, ExprKind::kBinary).op,
            BinaryOp::kSub);
  auto mixed = MustParse("a + b * c > d unless e");
  const auto& m = As<BinaryExpr>(*mixed, ExprKind::kBinary);
  EXPECT_EQ(m.op, BinaryOp::kUnless);
  const auto& cmp = As<BinaryExpr>(*m.lhs, ExprKind::kBinary);
  EXPECT_EQ(cmp.op, BinaryOp::kGtr);
  EXPECT_EQ(As<BinaryExpr>(*cmp.lhs, ExprKind::kBinary).op, BinaryOp::kAdd);

  // Unary minus binds looser than ^ but folds into number literals.
  auto neg = MustParse("-x ^ 2");
  EXPECT_EQ(As<UnaryExpr>(*neg, ExprKind::kUnary).expr->kind, ExprKind::kBinary);
  EXPECT_EQ(As<NumberLiteral>(*MustParse("- - -1"), ExprKind::kNumberLiteral).value, -1);
}

TEST(PromqlParser, VectorMatching) {
  auto e = MustParse("a * on(instance) group_left(nodename) b");
  const auto& b = As<BinaryExpr>(*e, ExprKind::kBinary);
  ASSERT_NE(b.matching, nullptr);
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->card, Cardinality::kManyToOne);
  EXPECT_EQ(b.matching->include_labels, std::vector<std::string>{"nodename"});
  EXPECT_EQ(Format(*e), "a * on (instance) group_left (nodename) b");
  auto set = MustParse("a and b");
  EXPECT_EQ(static_cast<BinaryExpr&>(*set).matching->card, Cardinality::kManyToMany);
}

TEST(PromqlParser, Numbers) {
  auto value = [](std::string_view q) {
    auto e = MustParse(q);
    return As<NumberLiteral>(*e, ExprKind::kNumberLiteral).value;
  };
  EXPECT_EQ(value("0x1F"), 31);
  EXPECT_EQ(value("010"), 8);
  EXPECT_EQ(value("1e3"), 1000);
  EXPECT_EQ(value(".5"), 0.5);
  EXPECT_TRUE(std::isinf(value("-Inf")) && value("-inf") < 0);
  EXPECT_TRUE(std::isnan(value("nan")));
}

TEST(PromqlParser, Strings) {
  auto value = [](std::string_view q) {
    auto e = MustParse(q);
    return As<StringLiteral>(*e, ExprKind::kStringLiteral).value;
  };
  EXPECT_EQ(value(R"("a\nb\x41\101\u00e9")"), "a\nbAA\xC3\xA9");
  EXPECT_EQ(value(R"('a\'b')"), "a'b");
  EXPECT_EQ(value(R"(`a\b`)"), "a\\b");
}

TEST(PromqlParser, FunctionTable) {
  EXPECT_EQ(AllFunctions().size(), 70u);
  EXPECT_EQ(LookupFunction("RATE"), nullptr);
  EXPECT_EQ(LookupFunction("histogram_fraction")->arg_types.size(), 3u);
  EXPECT_EQ(LookupFunction("time")->return_type, ValueType::kScalar);
}

TEST(PromqlParser, ErrorClasses) {
  // Lexical.
  EXPECT_EQ(ErrorOf("sum("), "1:5: parse error: unclosed left parenthesis");
  EXPECT_EQ(ErrorOf("x )"), "1:4: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(ErrorOf("x{1=\"b\"}"), "1:3: parse error: unexpected character inside braces: '1'");
  EXPECT_EQ(ErrorOf("\"abc"), "1:1: parse error: unterminated quoted string");
  EXPECT_EQ(ErrorOf("x[5]"), "1:3: parse error: missing unit character in duration");
  EXPECT_EQ(ErrorOf(""), "1:1: parse error: no expression found in input");
  EXPECT_EQ(ErrorOf("  \n # a comment"), "1:1: parse error: no expression found in input");
  EXPECT_EQ(ErrorOf("x # a comment\r+ on("), "1:20: parse error: unclosed left parenthesis");
  EXPECT_EQ(ErrorOf("x{a#\r<}"), "1:6: parse error: unexpected character inside braces: '<'");
  // Syntax.
  EXPECT_EQ(ErrorOf("foo bar"), "1:5: parse error: unexpected identifier \"bar\"");
  EXPECT_EQ(ErrorOf("1 +"), "1:4: parse error: unexpected end of input");
  EXPECT_EQ(ErrorOf("foo\n+ {"), "2:4: parse error: unexpected end of input inside braces");
  EXPECT_EQ(ErrorOf("x{a=b}"),
            "1:5: parse error: unexpected identifier \"b\" in label matching, expected string");
  EXPECT_EQ(ErrorOf("sum by a"),
            "1:8: parse error: unexpected identifier \"a\" in grouping opts, expected \"(\"");
  EXPECT_EQ(ErrorOf("x offset 5"),
            "1:10: parse error: unexpected number \"5\" in offset, expected duration");
  // Semantic, found while parsing.
  EXPECT_EQ(ErrorOf("foo(x)"), "1:1: parse error: unknown function with name \"foo\"");
  EXPECT_EQ(ErrorOf("sum()"), "1:1: parse error: no arguments for aggregate expression provided");
  EXPECT_EQ(ErrorOf("x[0s]"), "1:3: parse error: duration must be greater than 0");
  EXPECT_EQ(ErrorOf("sum(x)[5m]"), "1:7: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(ErrorOf("foo @ 1 @ 2"),
            "1:1: parse error: @ <timestamp> may not be set multiple times");
  // Type checking.
  EXPECT_EQ(ErrorOf("rate(x)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got "
            "instant vector");
  EXPECT_EQ(ErrorOf("x + y[5m]"),
            "1:5: parse error: binary expression must contain only scalar and instant vector "
            "types");
  EXPECT_EQ(ErrorOf("1 == 1"),
            "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(ErrorOf("{a=\"\"}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(ErrorOf("round()"),
            "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0");
}

// Bytes that are not UTF-8, and runes Go does not print, named as Prometheus 2.42 names them.
TEST(PromqlParser, ErrorsNameOddRunesAsGo) {
  // A string of any quote kind stops at a byte that is not UTF-8, and at U+FFFD itself.
  EXPECT_EQ(ErrorOf("\"a\xff\""), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("'\xff'"), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("`\xff`"), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("\"\xef\xbf\xbd\""), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("odd{v=~\"a\xff\"}"), "1:8: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("\"a\xff"), "1:1: parse error: invalid UTF-8 rune");  // before the end
  EXPECT_EQ(ErrorOf("`a\xff"), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("\"a\n\xff\""), "1:1: parse error: unterminated quoted string");
  EXPECT_EQ(ErrorOf("\"\xff\\q\""), "1:1: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ErrorOf("\"\\q\xff\""), "1:1: parse error: unknown escape sequence U+0071 'q'");
  // An escape names its rune with %#U: U+FFFD for a bad byte, the number alone when Go
  // would not print the rune.
  EXPECT_EQ(ErrorOf("\"\\\xff\""),
            "1:1: parse error: unknown escape sequence U+FFFD '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("\"\\\xc0\xaf\""),
            "1:1: parse error: unknown escape sequence U+FFFD '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("\"\\\u2028\""), "1:1: parse error: unknown escape sequence U+2028");
  EXPECT_EQ(ErrorOf("\"\\\u20ac\""), "1:1: parse error: unknown escape sequence U+20AC '\u20ac'");
  EXPECT_EQ(ErrorOf("\"\\x\xc0\xaf\""),
            "1:1: parse error: illegal character U+FFFD '\xef\xbf\xbd' in escape sequence");
  // An unexpected character is one rune, quoted with %q: an overlong, surrogate or
  // truncated sequence is one U+FFFD; a rune Go does not print is escaped.
  EXPECT_EQ(ErrorOf("odd{\xc0\xaf=\"x\"}"),
            "1:5: parse error: unexpected character inside braces: '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("\xed\xa0\x80"), "1:1: parse error: unexpected character: '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("\xf0\x9f\x98"), "1:1: parse error: unexpected character: '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("\xc0\x80"), "1:1: parse error: unexpected character: '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("odd\u2028"), "1:4: parse error: unexpected character: '\\u2028'");
  EXPECT_EQ(ErrorOf("odd\u00a0"), "1:4: parse error: unexpected character: '\\u00a0'");
  EXPECT_EQ(ErrorOf("odd !\u2028"), "1:5: parse error: unexpected character after '!': '\\u2028'");
  EXPECT_EQ(ErrorOf("odd{v!\xc0\xaf\"a\"}"),
            "1:6: parse error: unexpected character after '!' inside braces: '\xef\xbf\xbd'");
  EXPECT_EQ(ErrorOf("odd * \u20ac"), "1:7: parse error: unexpected character: '\u20ac'");
  EXPECT_EQ(ErrorOf("odd\x7f"), "1:4: parse error: unexpected character: '\\x7f'");
}

// Prometheus's lexer inside brackets, word for word.
TEST(PromqlParser, BracketsLexAsPrometheus) {
  // A letter or '_' in brackets is taken for the colon: `x[5m a]` is the subquery x[5m:].
  EXPECT_EQ(Format(*MustParse("odd[5m a]")), "odd[5m:]");
  EXPECT_EQ(Format(*MustParse("odd[5m _1m]")), "odd[5m:1m]");
  EXPECT_EQ(ErrorOf("odd[5m:a]"), "1:8: parse error: unexpected colon 'a'");
  EXPECT_EQ(ErrorOf("odd[5m abc]"), "1:9: parse error: unexpected colon 'b'");
  EXPECT_EQ(ErrorOf("odd[5m a:]"), "1:9: parse error: unexpected colon ':'");
  EXPECT_EQ(ErrorOf("odd[5m:1m inf]"), "1:11: parse error: unexpected colon 'i'");
  // After '[' a '#' is no comment but a missing duration.
  EXPECT_EQ(ErrorOf("odd[#]"), "1:5: parse error: missing unit character in duration");
  EXPECT_EQ(ErrorOf("odd[\n#\n5m]"), "2:1: parse error: missing unit character in duration");
  EXPECT_EQ(Format(*MustParse("odd[5m # comment\n]")), "odd[5m]");
  // After '[' a number is scanned whatever comes: 'e' begins an exponent, a unit letter a
  // duration without its amount, another letter nothing at all.
  EXPECT_EQ(ErrorOf("x[e+5]"), "1:3: parse error: missing unit character in duration");
  EXPECT_EQ(ErrorOf("x[m]"), "1:3: parse error: not a valid duration string: \"m\"");
  EXPECT_EQ(ErrorOf("x[y1w]"), "1:3: parse error: not a valid duration string: \"y1w\"");
  EXPECT_EQ(ErrorOf("x[m1]"), "1:3: parse error: bad duration syntax: \"m1\"");
  EXPECT_EQ(ErrorOf("x[ma]"), "1:3: parse error: bad duration syntax: \"ma\"");
  EXPECT_EQ(ErrorOf("x[a]"), "1:3: parse error: bad duration syntax: \"\"");
  // The range is checked before the token after it is read.
  EXPECT_EQ(ErrorOf("x[0s"), "1:3: parse error: duration must be greater than 0");
  EXPECT_EQ(ErrorOf("x[5m1m"), "1:3: parse error: not a valid duration string: \"5m1m\"");
  EXPECT_EQ(ErrorOf("x[1.5m`]"), "1:3: parse error: not a valid duration string: \"1.5m\"");
  EXPECT_EQ(ErrorOf("x[5m"), "1:5: parse error: unclosed left bracket");
  // Well-formed units that run into a letter quote the letter too.
  EXPECT_EQ(ErrorOf("odd[5ma]"), "1:5: parse error: bad duration syntax: \"5ma\"");
  EXPECT_EQ(ErrorOf("odd[5minf]"), "1:5: parse error: bad duration syntax: \"5mi\"");
  EXPECT_EQ(ErrorOf("odd offset 5m_"), "1:12: parse error: bad number or duration syntax: \"5m_\"");
  EXPECT_EQ(ErrorOf("odd[5m1x]"), "1:5: parse error: bad duration syntax: \"5m1\"");
  EXPECT_EQ(ErrorOf("odd[1mm1y]"), "1:5: parse error: bad duration syntax: \"1mm\"");
  EXPECT_EQ(ErrorOf("odd[5ms5]"), "1:5: parse error: bad duration syntax: \"5ms5\"");
  // A unit takes one 's' after it, and ParseDuration refuses what that makes.
  EXPECT_EQ(ErrorOf("x[5hs]"), "1:3: parse error: not a valid duration string: \"5hs\"");
  EXPECT_EQ(ErrorOf("x[0ss"), "1:3: parse error: not a valid duration string: \"0ss\"");
  EXPECT_EQ(ErrorOf("x[5mss]"), "1:3: parse error: bad duration syntax: \"5mss\"");
  EXPECT_EQ(ErrorOf("x offset 0sset0s"),
            "1:10: parse error: bad number or duration syntax: \"0sse\"");
  // Years only lead.
  EXPECT_EQ(ErrorOf("odd[1w1y]"), "1:5: parse error: bad duration syntax: \"1w1\"");
  EXPECT_EQ(ErrorOf("odd[1y1ms1y]"), "1:5: parse error: bad duration syntax: \"1y1ms1\"");
  EXPECT_EQ(ErrorOf("1y1y"), "1:1: parse error: bad number or duration syntax: \"1y1\"");
  EXPECT_EQ(Format(*MustParse("odd[1y2w3d4h5m6s7ms]")), "odd[382d4h5m6s7ms]");
  EXPECT_EQ(ErrorOf("odd[5s5s]"), "1:5: parse error: not a valid duration string: \"5s5s\"");
  EXPECT_EQ(ErrorOf("1a"), "1:1: parse error: bad number or duration syntax: \"1\"");
  // A hex number takes a fraction, which strconv then refuses.
  EXPECT_EQ(ErrorOf("0x1.8"),
            "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x1.8\": "
            "invalid syntax");
  EXPECT_EQ(ErrorOf("0x."),
            "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x.\": "
            "invalid syntax");
  EXPECT_EQ(ErrorOf("0x1.8p1"), "1:1: parse error: bad number or duration syntax: \"0x1.8\"");
}

// Syntax errors in an aggregation's arguments, and after commas, worded as Prometheus's
// grammar reports them.
TEST(PromqlParser, ArgumentErrorsAsPrometheus) {
  // "in aggregation", however deep in its arguments, but not in a lone function call.
  EXPECT_EQ(ErrorOf("sum(odd +)"), "1:10: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(ErrorOf("sum(,)"), "1:5: parse error: unexpected \",\" in aggregation");
  EXPECT_EQ(ErrorOf("topk(1, odd foo)"),
            "1:13: parse error: unexpected identifier \"foo\" in aggregation");
  EXPECT_EQ(ErrorOf("abs(sum(abs(odd +)))"), "1:18: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(ErrorOf("sum by (a) (1m)"),
            "1:13: parse error: unexpected duration \"1m\" in aggregation");
  EXPECT_EQ(ErrorOf("abs(odd +)"), "1:10: parse error: unexpected \")\"");
  EXPECT_EQ(ErrorOf("sum(odd) +"), "1:11: parse error: unexpected end of input");
  // A comma followed by what cannot begin an argument is a trailing comma.
  EXPECT_EQ(ErrorOf("sum(odd,[)"),
            "1:8: parse error: trailing commas not allowed in function call args");
  EXPECT_EQ(ErrorOf("rate(odd,*)"),
            "1:9: parse error: trailing commas not allowed in function call args");
  EXPECT_EQ(ErrorOf("sum(odd,1m)"),
            "1:8: parse error: trailing commas not allowed in function call args");
  EXPECT_EQ(ErrorOf("sum(odd,-)"), "1:10: parse error: unexpected \")\" in aggregation");
  EXPECT_EQ(ErrorOf("sum(odd,$)"), "1:9: parse error: unexpected character: '$'");
  // The arguments are counted after the next token is read: a lexical error there wins.
  EXPECT_EQ(ErrorOf("sum())"), "1:7: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(ErrorOf("topk(1))"), "1:9: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(ErrorOf("sum() + 1"),
            "1:1: parse error: no arguments for aggregate expression provided");
  // Not so when a grouping ends the aggregation: nothing more could belong to it.
  EXPECT_EQ(ErrorOf("sum() by (a))"),
            "1:1: parse error: no arguments for aggregate expression provided");
  EXPECT_EQ(ErrorOf("topk by (a) (1))"),
            "1:1: parse error: wrong number of arguments for aggregate expression provided, "
            "expected 2, got 1");
}

TEST(PromqlParser, GroupModifierErrorsAsPrometheus) {
  // After group_left/group_right either labels or the right-hand side; else the labels.
  EXPECT_EQ(ErrorOf("odd + on(a) group_left"),
            "1:23: parse error: unexpected end of input in grouping opts, expected \"(\"");
  EXPECT_EQ(ErrorOf("odd + on(a) group_right ,"),
            "1:25: parse error: unexpected \",\" in grouping opts, expected \"(\"");
  EXPECT_EQ(ErrorOf("odd + on(a) group_left )"),
            "1:25: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(ErrorOf("odd + on(a) group_left -"), "1:25: parse error: unexpected end of input");
  EXPECT_EQ(Format(*MustParse("odd + on(a) group_left by")), "odd + on (a) group_left () by");
}

TEST(PromqlParser, TokensNamedAsPrometheus) {
  // A number, string or duration longer than ten bytes is cut to ten runes.
  EXPECT_EQ(ErrorOf("odd 12345678901"), "1:5: parse error: unexpected number \"1234567890\"...");
  EXPECT_EQ(ErrorOf("odd 1234567890"), "1:5: parse error: unexpected number \"1234567890\"");
  EXPECT_EQ(ErrorOf("odd \"abcdefghi\""),
            "1:5: parse error: unexpected string \"\\\"abcdefghi\"...");
  EXPECT_EQ(ErrorOf("odd \"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\""),
            "1:5: parse error: unexpected string \"\\\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
            "\u00e9\u00e9\u00e9\"...");
  EXPECT_EQ(ErrorOf("odd 1234567890123m"),
            "1:5: parse error: unexpected duration \"1234567890\"...");
  EXPECT_EQ(ErrorOf("odd abcdefghijklmnopq"),
            "1:5: parse error: unexpected identifier \"abcdefghijklmnopq\"");
  // Keywords are named as written.
  EXPECT_EQ(ErrorOf("SUM(x)SUM(x)"), "1:7: parse error: unexpected <aggr:SUM>");
  EXPECT_EQ(ErrorOf("x By"), "1:3: parse error: unexpected <By>");
  EXPECT_EQ(ErrorOf("1 Atan2 Atan2"), "1:9: parse error: unexpected <op:Atan2>");
  EXPECT_EQ(ErrorOf("x Start"), "1:3: parse error: unexpected \"Start\"");
  // `without` is the one keyword a grouping list does not take as a label.
  EXPECT_EQ(ErrorOf("sum by (a, without) (x)"),
            "1:12: parse error: unexpected <without> in grouping opts, expected label");
  EXPECT_EQ(ErrorOf("x + on(without) x"),
            "1:8: parse error: unexpected <without> in grouping opts, expected label");
  EXPECT_EQ(Format(*MustParse("sum by (by, on, bool) (x)")), "sum by (by, on, bool) (x)");
}

TEST(PromqlParser, ScalarOperandDropsEmptyMatching) {
  EXPECT_EQ(Format(*MustParse("x + on() 1")), "x + 1");
  EXPECT_EQ(Format(*MustParse("1 == bool ignoring() group_left(a) x")), "1 == bool x");
  EXPECT_EQ(ErrorOf("x + on(a) 1"),
            "1:1: parse error: vector matching only allowed between instant vectors");
  EXPECT_EQ(ErrorOf("x and on() 1"),
            "1:1: parse error: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(Format(*MustParse("x + on() x")), "x + on () x");
}

TEST(PromqlParser, AtBoundsTheSeconds) {
  // Prometheus bounds the seconds by int64's range, not the milliseconds.
  EXPECT_TRUE(MustParse("x @ 1e17"));
  EXPECT_TRUE(MustParse("x @ -9.2e18"));
  EXPECT_EQ(ErrorOf("x @ 9223372036854775807"),
            "1:1: parse error: timestamp out of bounds for @ modifier: "
            "9223372036854775808.000000");
  EXPECT_EQ(ErrorOf("x @ -9223372036854775808"),
            "1:1: parse error: timestamp out of bounds for @ modifier: "
            "-9223372036854775808.000000");
  EXPECT_EQ(Format(*MustParse("x @ 9.2e15")), "x @ 9200000000000000.000");
  // Milliseconds beyond int64 become its minimum (Go's conversion), printed as Prometheus
  // prints it: %.3f of the milliseconds as a float64 over 1000.
  EXPECT_EQ(Format(*MustParse("x @ 1e16")), "x @ -9223372036854776.000");
  EXPECT_EQ(Format(*MustParse("x[5m:1m] @ -1e17")), "x[5m:1m] @ -9223372036854776.000");
  EXPECT_EQ(Format(*MustParse("x @ -9223372036854775")), "x @ -9223372036854776.000");
  EXPECT_EQ(Format(*MustParse("x @ 1609746000.123")), "x @ 1609746000.123");
  EXPECT_EQ(Format(*MustParse("x @ -0.001 offset 1m")), "x @ -0.001 offset 1m");
}

TEST(PromqlParser, RegexpErrorsInGoWords) {
  EXPECT_EQ(ErrorOf("odd{v=~\"\\xff(\"}"),
            "1:5: parse error: error parsing regexp: invalid UTF-8: `\xff()$`");
  EXPECT_EQ(ErrorOf("odd{v!~\"*\"}"),
            "1:5: parse error: error parsing regexp: missing argument to repetition operator: "
            "`*`");
  EXPECT_EQ(ErrorOf("odd{v=~\"\\\\C\"}"),
            "1:5: parse error: error parsing regexp: invalid escape sequence: `\\C`");
}

TEST(PromqlPrinter, Canonical) {
  EXPECT_EQ(Format(*MustParse("x @ 1609746000 offset 1h30m")), "x @ 1609746000.000 offset 1h30m");
  EXPECT_EQ(Format(*MustParse("x{b=\"1\",a=\"2\"}[7d]")), "x{a=\"2\",b=\"1\"}[1w]");
  EXPECT_EQ(Format(*MustParse("123456789")), "1.23456789e+08");
  EXPECT_EQ(Format(*MustParse("'a\"b'")), "\"a\\\"b\"");
  EXPECT_EQ(Format(*MustParse("x + ignoring() group_left y")), "x + y");
}

}  // namespace
}  // namespace tsdbd::promql
