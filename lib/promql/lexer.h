// The PromQL lexer: splits a query into tokens the way Prometheus 2.42 does, including its
// lexical error messages ("unclosed left parenthesis", "unexpected character inside
// braces: '1'", "bad number or duration syntax: \"1_0\"").
#pragma once

#include <string_view>

#include "lib/promql/token.h"

namespace tsdbd::promql {

class Lexer {
 public:
  // `input` must outlive the lexer and every token it returns.
  explicit Lexer(std::string_view input) : in_(input) {}
  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  // The next token. After kEOF or kError, keeps returning the same kind.
  Token Next();

 private:
  Token LexStatement();
  Token LexInsideBraces();
  Token LexRangeDuration();  // the duration that must follow '['
  Token LexNumberOrDuration(bool duration_only);
  Token LexString(char quote);
  Token LexIdentifier();
  Token Make(TokenType type, int start) const;
  Token Error(int pos, std::string message);
  void SkipSpaceAndComments();
  int Peek(size_t ahead = 0) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : -1; }

  std::string_view in_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool in_braces_ = false;
  bool in_brackets_ = false;
  bool expect_range_ = false;  // just after '['
  bool colon_seen_ = false;    // inside brackets
  bool done_ = false;
  Token last_;  // the final kEOF or kError
};

// Go's %q of one rune ('a', '\'', '\x01', 'é'; -1 for end of input gives '�').
std::string QuoteRune(std::string_view input, size_t pos);

}  // namespace tsdbd::promql
