#include "lib/promql/token.h"

#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace tsdbd::promql {

namespace {

// Go's "%.10q..." for a value longer than ten bytes, as Prometheus shortens a number,
// string or duration it names: the first ten runes quoted, then "...".
std::string QuoteShortened(std::string_view text) {
  if (text.size() <= 10) return GoQuote(text);
  size_t end = 0;
  for (int runes = 0; runes < 10 && end < text.size(); ++runes) {
    end += DecodeUtf8(text.substr(end)).size;
  }
  return GoQuote(text.substr(0, end)) + "...";
}

// "<" + prefix + text + ">", built by appending (GCC 12 warns -Wrestrict, falsely, about
// "<" + std::string(...)).
std::string Angled(std::string_view prefix, std::string_view text) {
  std::string out = "<";
  out += prefix;
  out += text;
  out += '>';
  return out;
}

}  // namespace

// Keywords are named as written: <aggr:Sum>, <By>, <op:AND>.
std::string DescribeToken(const Token& t) {
  std::string_view text = t.text;
  switch (t.type) {
    case TokenType::kEOF:
      return "end of input";
    case TokenType::kError:
      return t.message;
    case TokenType::kIdentifier:
      return "identifier " + GoQuote(text);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + GoQuote(text);
    case TokenType::kNumber:
      return "number " + QuoteShortened(text);
    case TokenType::kString:
      return "string " + QuoteShortened(text);
    case TokenType::kDuration:
      return "duration " + QuoteShortened(text);
    case TokenType::kAt:
      // Prometheus 2.42 describes '@' with an item number and its operator form.
      return "\"<Item 57385>\" <op:@>";
    case TokenType::kAdd:
      return "<op:+>";
    case TokenType::kSub:
      return "<op:->";
    case TokenType::kMul:
      return "<op:*>";
    case TokenType::kDiv:
      return "<op:/>";
    case TokenType::kMod:
      return "<op:%>";
    case TokenType::kPow:
      return "<op:^>";
    case TokenType::kEqlc:
      return "<op:==>";
    case TokenType::kNeq:
      return "<op:!=>";
    case TokenType::kLte:
      return "<op:<=>";
    case TokenType::kLss:
      return "<op:<>";
    case TokenType::kGte:
      return "<op:>=>";
    case TokenType::kGtr:
      return "<op:>>";
    case TokenType::kEqlRegex:
      return "<op:=~>";
    case TokenType::kNeqRegex:
      return "<op:!~>";
    case TokenType::kAtan2:
    case TokenType::kAnd:
    case TokenType::kOr:
    case TokenType::kUnless:
      return Angled("op:", text);
    case TokenType::kAggregator:
      return Angled("aggr:", text);
    case TokenType::kBool:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kOn:
    case TokenType::kIgnoring:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kOffset:
      return Angled("", text);
    default:  // punctuation, and start and end, which Prometheus quotes
      return GoQuote(text);
  }
}

bool CanBeMetricName(TokenType type) {
  switch (type) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kAggregator:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kOffset:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kAnd:
    case TokenType::kOr:
    case TokenType::kUnless:
      return true;
    default:
      return false;
  }
}

bool CanBeLabelName(TokenType type) {
  switch (type) {
    case TokenType::kIdentifier:
    case TokenType::kAggregator:
    case TokenType::kBool:
    case TokenType::kBy:
    case TokenType::kOn:
    case TokenType::kIgnoring:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kOffset:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kAnd:
    case TokenType::kOr:
    case TokenType::kUnless:
    case TokenType::kAtan2:
      return true;
    default:
      return false;
  }
}

}  // namespace tsdbd::promql
