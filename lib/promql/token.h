// The tokens of PromQL, as the lexer produces them and the parser consumes them.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::promql {

enum class TokenType {
  kEOF,
  kError,  // text holds the message
  kIdentifier,
  kMetricIdentifier,  // an identifier containing ':'
  kNumber,            // also Inf and NaN
  kString,            // text is the raw literal, quotes included
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAssign,  // '=' (a label matcher)
  kAt,
  // Binary operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEqlc,  // ==
  kNeq,   // != (also a matcher)
  kLte,
  kLss,
  kGte,
  kGtr,
  kEqlRegex,  // =~ (matchers only)
  kNeqRegex,  // !~ (matchers only)
  kAnd,
  kOr,
  kUnless,
  // Keywords.
  kAggregator,  // sum, topk, ...: text holds the lower-case name
  kBool,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kOffset,
  kStart,
  kEnd,
};

struct Token {
  TokenType type = TokenType::kEOF;
  int pos = 0;            // byte offset of the token (of the problem, for kError)
  std::string_view text;  // the source text (for kError: empty, see message)
  std::string message;    // kError only
};

// How Prometheus names a token in "unexpected ..." messages: `identifier "foo"`,
// `<op:+>`, `<by>`, `"("`, `end of input`.
std::string DescribeToken(const Token& token);

// Whether an identifier-like token may name a metric (keywords such as by, sum, and may).
bool CanBeMetricName(TokenType type);
// Whether a token may be a label name inside a grouping list: identifiers and keywords,
// except `without`, which Prometheus's grammar leaves out.
bool CanBeLabelName(TokenType type);

}  // namespace tsdbd::promql
