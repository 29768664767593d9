#include "lib/promql/token.h"

#include <cctype>

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

}  // namespace

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
    case TokenType::kAtan2:
      return "<op:atan2>";
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
    case TokenType::kAnd:
      return "<op:and>";
    case TokenType::kOr:
      return "<op:or>";
    case TokenType::kUnless:
      return "<op:unless>";
    case TokenType::kAggregator: {
      std::string name(text);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return "<aggr:" + name + ">";
    }
    case TokenType::kBool:
      return "<bool>";
    case TokenType::kBy:
      return "<by>";
    case TokenType::kWithout:
      return "<without>";
    case TokenType::kOn:
      return "<on>";
    case TokenType::kIgnoring:
      return "<ignoring>";
    case TokenType::kGroupLeft:
      return "<group_left>";
    case TokenType::kGroupRight:
      return "<group_right>";
    case TokenType::kOffset:
      return "<offset>";
    case TokenType::kStart:
      return "\"start\"";
    case TokenType::kEnd:
      return "\"end\"";
    default:
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
