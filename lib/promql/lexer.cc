#include "lib/promql/lexer.h"

#include <array>
#include <cstdio>
#include <string>

#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace tsdbd::promql {
namespace {

bool IsDigit(int c) {
  return c >= '0' && c <= '9';
}
bool IsAlpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsAlnum(int c) {
  return IsAlpha(c) || IsDigit(c);
}
bool IsSpace(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsUnit(int c) {
  return c == 's' || c == 'm' || c == 'h' || c == 'd' || c == 'w' || c == 'y';
}
bool IsHex(int c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool EqualsLower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) return false;
  }
  return true;
}

struct Keyword {
  std::string_view word;
  TokenType type;
};
constexpr std::array kKeywords = {
    Keyword{"and", TokenType::kAnd},
    Keyword{"or", TokenType::kOr},
    Keyword{"unless", TokenType::kUnless},
    Keyword{"atan2", TokenType::kAtan2},
    Keyword{"sum", TokenType::kAggregator},
    Keyword{"avg", TokenType::kAggregator},
    Keyword{"count", TokenType::kAggregator},
    Keyword{"min", TokenType::kAggregator},
    Keyword{"max", TokenType::kAggregator},
    Keyword{"group", TokenType::kAggregator},
    Keyword{"stddev", TokenType::kAggregator},
    Keyword{"stdvar", TokenType::kAggregator},
    Keyword{"topk", TokenType::kAggregator},
    Keyword{"bottomk", TokenType::kAggregator},
    Keyword{"count_values", TokenType::kAggregator},
    Keyword{"quantile", TokenType::kAggregator},
    Keyword{"offset", TokenType::kOffset},
    Keyword{"by", TokenType::kBy},
    Keyword{"without", TokenType::kWithout},
    Keyword{"on", TokenType::kOn},
    Keyword{"ignoring", TokenType::kIgnoring},
    Keyword{"group_left", TokenType::kGroupLeft},
    Keyword{"group_right", TokenType::kGroupRight},
    Keyword{"bool", TokenType::kBool},
    Keyword{"start", TokenType::kStart},
    Keyword{"end", TokenType::kEnd},
};

// Go's %#U of the rune at s[pos]: "U+0071 'q'"; a rune Go does not print shows its number
// alone ("U+2028"), and an invalid byte reads as U+FFFD.
std::string FormatRuneU(std::string_view s, size_t pos) {
  const uint32_t r = DecodeUtf8(s.substr(pos)).cp;
  char number[16];
  std::snprintf(number, sizeof number, "U+%04X", r);
  std::string out = number;
  if (GoIsPrint(r)) {
    out += " '";
    AppendUtf8(out, r);
    out += "'";
  }
  return out;
}

}  // namespace

std::string QuoteRune(std::string_view input, size_t pos) {
  // At the end of input Go's lexer has read its EOF rune, -1, which %q prints as U+FFFD.
  if (pos >= input.size()) return GoQuoteRune(kRuneError);
  return GoQuoteRune(DecodeUtf8(input.substr(pos)).cp);
}

Token Lexer::Make(TokenType type, int start) const {
  Token t;
  t.type = type;
  t.pos = start;
  t.text = in_.substr(start, pos_ - start);
  return t;
}

Token Lexer::Error(int pos, std::string message) {
  Token t;
  t.type = TokenType::kError;
  t.pos = pos;
  t.message = std::move(message);
  done_ = true;
  last_ = t;
  return t;
}

void Lexer::SkipSpaceAndComments() {
  while (pos_ < in_.size()) {
    if (IsSpace(in_[pos_])) {
      ++pos_;
    } else if (in_[pos_] == '#') {
      // A comment runs to the end of the line, which '\r' ends as well as '\n'.
      while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r') ++pos_;
    } else {
      break;
    }
  }
}

Token Lexer::Next() {
  if (done_) return last_;
  if (in_braces_) return LexInsideBraces();
  if (expect_range_) {
    expect_range_ = false;
    return LexRangeDuration();
  }
  return LexStatement();
}

Token Lexer::LexStatement() {
  SkipSpaceAndComments();
  const int start = static_cast<int>(pos_);
  if (pos_ >= in_.size()) {
    if (paren_depth_ > 0) return Error(start, "unclosed left parenthesis");
    if (in_brackets_) return Error(start, "unclosed left bracket");
    Token t = Make(TokenType::kEOF, start);
    done_ = true;
    last_ = t;
    return t;
  }
  const int c = in_[pos_];
  auto one = [&](TokenType type) {
    ++pos_;
    return Make(type, start);
  };
  switch (c) {
    case ',':
      return one(TokenType::kComma);
    case '*':
      return one(TokenType::kMul);
    case '/':
      return one(TokenType::kDiv);
    case '%':
      return one(TokenType::kMod);
    case '^':
      return one(TokenType::kPow);
    case '+':
      return one(TokenType::kAdd);
    case '-':
      return one(TokenType::kSub);
    case '@':
      return one(TokenType::kAt);
    case '=':
      if (Peek(1) == '=') {
        pos_ += 2;
        return Make(TokenType::kEqlc, start);
      }
      if (Peek(1) == '~') {
        return Error(start, "unexpected character after '=': " + QuoteRune(in_, pos_ + 1));
      }
      return one(TokenType::kAssign);
    case '!':
      if (Peek(1) == '=') {
        pos_ += 2;
        return Make(TokenType::kNeq, start);
      }
      return Error(start, "unexpected character after '!': " + QuoteRune(in_, pos_ + 1));
    case '<':
      if (Peek(1) == '=') {
        pos_ += 2;
        return Make(TokenType::kLte, start);
      }
      return one(TokenType::kLss);
    case '>':
      if (Peek(1) == '=') {
        pos_ += 2;
        return Make(TokenType::kGte, start);
      }
      return one(TokenType::kGtr);
    case '"':
    case '\'':
    case '`':
      return LexString(static_cast<char>(c));
    case '(':
      ++paren_depth_;
      return one(TokenType::kLeftParen);
    case ')':
      --paren_depth_;
      ++pos_;
      if (paren_depth_ < 0) return Error(start + 1, "unexpected right parenthesis ')'");
      return Make(TokenType::kRightParen, start);
    case '{':
      in_braces_ = true;
      return one(TokenType::kLeftBrace);
    case '[':
      if (in_brackets_) return Error(start, "unexpected left bracket '['");
      in_brackets_ = true;
      colon_seen_ = false;
      expect_range_ = true;
      return one(TokenType::kLeftBracket);
    case ']':
      if (!in_brackets_) return Error(start, "unexpected right bracket ']'");
      in_brackets_ = false;
      return one(TokenType::kRightBracket);
    default:
      break;
  }
  // Inside brackets Prometheus's lexer takes a letter or '_' for the colon as well: `x[5m a]`
  // is the subquery `x[5m:]`, and a second one is an "unexpected colon" named by itself.
  if (in_brackets_ && (c == ':' || IsAlpha(c))) {
    if (colon_seen_) return Error(start, "unexpected colon " + QuoteRune(in_, pos_));
    colon_seen_ = true;
    return one(TokenType::kColon);
  }
  if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumberOrDuration(false);
  if (IsAlpha(c) || c == ':') return LexIdentifier();
  return Error(start, "unexpected character: " + QuoteRune(in_, pos_));
}

Token Lexer::LexInsideBraces() {
  SkipSpaceAndComments();
  const int start = static_cast<int>(pos_);
  if (pos_ >= in_.size()) return Error(start, "unexpected end of input inside braces");
  const int c = in_[pos_];
  if (IsAlpha(c)) {
    while (IsAlnum(Peek())) ++pos_;
    return Make(TokenType::kIdentifier, start);
  }
  switch (c) {
    case ',':
      ++pos_;
      return Make(TokenType::kComma, start);
    case '"':
    case '\'':
    case '`':
      return LexString(static_cast<char>(c));
    case '=':
      if (Peek(1) == '~') {
        pos_ += 2;
        return Make(TokenType::kEqlRegex, start);
      }
      ++pos_;
      return Make(TokenType::kAssign, start);
    case '!':
      if (Peek(1) == '~') {
        pos_ += 2;
        return Make(TokenType::kNeqRegex, start);
      }
      if (Peek(1) == '=') {
        pos_ += 2;
        return Make(TokenType::kNeq, start);
      }
      return Error(start,
                   "unexpected character after '!' inside braces: " + QuoteRune(in_, pos_ + 1));
    case '{':
      return Error(start, "unexpected left brace '{'");
    case '}':
      ++pos_;
      in_braces_ = false;
      return Make(TokenType::kRightBrace, start);
    default:
      return Error(start, "unexpected character inside braces: " + QuoteRune(in_, pos_));
  }
}

Token Lexer::LexRangeDuration() {
  // Space, but not a comment: after '[' Prometheus takes '#' for a missing duration.
  while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  // Prometheus scans for a number here whatever comes: `x[e5]` is a number without its unit,
  // `x[m]` a duration without its amount, `x[a]` nothing at all before the letter.
  return LexNumberOrDuration(true);
}

Token Lexer::LexNumberOrDuration(bool duration_only) {
  const size_t start = pos_;
  // The numeric part: hex, or decimal with optional fraction and exponent.
  if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
    // A hex fraction is read too, only for strconv to refuse it ("0x1.8").
    pos_ += 2;
    while (IsHex(Peek())) ++pos_;
    if (Peek() == '.') {
      ++pos_;
      while (IsHex(Peek())) ++pos_;
    }
  } else {
    while (IsDigit(Peek())) ++pos_;
    if (Peek() == '.') {
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
  }
  const std::string bad =
      duration_only ? "bad duration syntax: " : "bad number or duration syntax: ";
  if (IsUnit(Peek())) {
    // A duration: a unit, then (amount unit)* as in 1h30m or 500ms, read the way Prometheus
    // reads it, since its error quotes the text read so far: a letter right after a unit is
    // read ("5ma", "5mm", "5mss"), what fails to follow an amount is not ("5m1x" is "5m1"),
    // and years only lead ("1w1y" is "1w1").
    auto fail = [&](size_t end) {
      return Error(static_cast<int>(start), bad + GoQuote(in_.substr(start, end - start)));
    };
    bool leading = true;
    while (true) {
      if (!IsUnit(Peek()) || (!leading && Peek() == 'y')) return fail(pos_);
      // A unit letter takes one 's' after it, which makes "ms" and also "hs" or "ss": those
      // fail later as "not a valid duration string".
      ++pos_;
      if (Peek() == 's') ++pos_;
      leading = false;
      if (IsDigit(Peek())) {
        while (IsDigit(Peek())) ++pos_;
        continue;
      }
      if (IsAlnum(Peek())) return fail(pos_ + 1);
      break;
    }
    return Make(TokenType::kDuration, static_cast<int>(start));
  }
  if (IsAlnum(Peek())) {
    return Error(static_cast<int>(start), bad + GoQuote(in_.substr(start, pos_ - start)));
  }
  if (duration_only) {
    return Error(static_cast<int>(start), "missing unit character in duration");
  }
  return Make(TokenType::kNumber, static_cast<int>(start));
}

Token Lexer::LexString(char quote) {
  const size_t start = pos_;
  ++pos_;
  // Prometheus's lexer reads a string rune by rune and stops at the first byte that is not
  // UTF-8, and at U+FFFD itself, which is how Go's decoder reports such a byte.
  auto skip_rune = [this]() {
    const DecodedRune r = DecodeUtf8(in_.substr(pos_));
    pos_ += r.size;
    return r.cp != kRuneError;
  };
  if (quote == '`') {
    while (pos_ < in_.size() && in_[pos_] != '`') {
      if (!skip_rune()) return Error(static_cast<int>(start), "invalid UTF-8 rune");
    }
    if (pos_ >= in_.size()) return Error(static_cast<int>(start), "unterminated raw string");
    ++pos_;
    return Make(TokenType::kString, static_cast<int>(start));
  }
  while (true) {
    if (pos_ >= in_.size() || in_[pos_] == '\n') {
      return Error(static_cast<int>(start), "unterminated quoted string");
    }
    const char c = in_[pos_];
    if (c == quote) {
      ++pos_;
      return Make(TokenType::kString, static_cast<int>(start));
    }
    if (c != '\\') {
      if (!skip_rune()) return Error(static_cast<int>(start), "invalid UTF-8 rune");
      continue;
    }
    // An escape: validated here as Go's strconv does; the parser unquotes.
    ++pos_;
    if (pos_ >= in_.size()) return Error(static_cast<int>(start), "escape sequence not terminated");
    const char e = in_[pos_];
    int digits = 0;
    int base = 0;
    uint32_t max = 0;
    switch (e) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        ++pos_;
        continue;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        digits = 3, base = 8, max = 255;
        break;
      case 'x':
        ++pos_, digits = 2, base = 16, max = 255;
        break;
      case 'u':
        ++pos_, digits = 4, base = 16, max = 0x10FFFF;
        break;
      case 'U':
        ++pos_, digits = 8, base = 16, max = 0x10FFFF;
        break;
      default:
        if (e == quote) {
          ++pos_;
          continue;
        }
        return Error(static_cast<int>(start), "unknown escape sequence " + FormatRuneU(in_, pos_));
    }
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      if (pos_ >= in_.size()) {
        return Error(static_cast<int>(start), "escape sequence not terminated");
      }
      const int d = in_[pos_];
      int v = IsDigit(d)               ? d - '0'
              : (d >= 'a' && d <= 'f') ? d - 'a' + 10
              : (d >= 'A' && d <= 'F') ? d - 'A' + 10
                                       : 99;
      if (v >= base) {
        return Error(static_cast<int>(start),
                     "illegal character " + FormatRuneU(in_, pos_) + " in escape sequence");
      }
      value = value * base + v;
      ++pos_;
    }
    if (value > max || (e == 'u' || e == 'U' ? (value >= 0xD800 && value < 0xE000) : false)) {
      return Error(static_cast<int>(start), "escape sequence is an invalid Unicode code point");
    }
  }
}

Token Lexer::LexIdentifier() {
  const size_t start = pos_;
  bool colon = false;
  while (IsAlnum(Peek()) || Peek() == ':') {
    colon |= Peek() == ':';
    ++pos_;
  }
  std::string_view word = in_.substr(start, pos_ - start);
  if (colon) return Make(TokenType::kMetricIdentifier, static_cast<int>(start));
  if (EqualsLower(word, "inf") || EqualsLower(word, "nan")) {
    return Make(TokenType::kNumber, static_cast<int>(start));
  }
  for (const Keyword& k : kKeywords) {
    if (EqualsLower(word, k.word)) return Make(k.type, static_cast<int>(start));
  }
  return Make(TokenType::kIdentifier, static_cast<int>(start));
}

}  // namespace tsdbd::promql
