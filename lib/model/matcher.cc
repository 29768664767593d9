#include "lib/model/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>

#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace tsdbd {
namespace {

bool IsRegexMeta(char c) {
  return std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos;
}

// The words of Go's regexp/syntax error codes for RE2's codes, as far as they map.
std::string_view GoErrorCode(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "regexp/syntax: internal error";
  }
}

// The part of `pattern` that Go's error names for its first byte that is not UTF-8. Go
// decodes the pattern rune by rune and names everything from the bad byte on, except where
// it has first cut out a piece to read whole: the text of \Q...\E, the name in (?P<name>
// and in \p{name}; then it names the rest of that piece only.
std::string_view InvalidUtf8Rest(std::string_view pattern) {
  size_t bad = 0;
  while (bad < pattern.size()) {
    const DecodedRune r = DecodeUtf8(pattern.substr(bad));
    if (r.cp == kRuneError && r.size == 1) break;
    bad += r.size;
  }
  // Where a piece that holds the bad byte ends, or npos when it does not hold it.
  auto piece_end = [&](size_t end) {
    return end != std::string_view::npos && bad < end ? end : std::string_view::npos;
  };
  for (size_t i = 0; i < bad;) {
    size_t end = std::string_view::npos;
    if (pattern.substr(i).starts_with("\\Q")) {
      end = pattern.find("\\E", i + 2);
      if (end == std::string_view::npos) end = pattern.size();
      if (bad >= end) {
        i = end + 2;
        continue;
      }
    } else if (pattern.substr(i).starts_with("\\p{") || pattern.substr(i).starts_with("\\P{")) {
      end = piece_end(pattern.find('}', i + 3));
      i += 3;
    } else if (pattern.substr(i).starts_with("(?P<")) {
      end = piece_end(pattern.find('>', i + 4));
      i += 4;
    } else {
      i += pattern[i] == '\\' ? 2 : 1;
    }
    if (end != std::string_view::npos) return pattern.substr(bad, end - bad);
  }
  return pattern.substr(bad);
}

// Whether `pattern` uses \C (any byte), which RE2 accepts and Go's regexp rejects.
bool HasAnyByteEscape(std::string_view pattern) {
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == 'C') return true;
    if (pattern[i + 1] == 'Q') {
      const size_t end = pattern.find("\\E", i + 2);
      if (end == std::string_view::npos) return false;
      i = end;
    }
    ++i;
  }
  return false;
}

std::string GoRegexpError(std::string_view code, std::string_view expr) {
  std::string out = "error parsing regexp: ";
  out += code;
  out += ": `";
  out += expr;
  out += '`';
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> LiteralAlternation(std::string_view regex) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '|') {
      out.emplace_back();
    } else if (c == '\\') {
      // An escaped punctuation character is a literal; \d, \w and the like are not.
      if (i + 1 >= regex.size() || !IsRegexMeta(regex[i + 1])) return std::nullopt;
      out.back().push_back(regex[++i]);
    } else if (IsRegexMeta(c)) {
      return std::nullopt;
    } else {
      out.back().push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<Matcher> Matcher::Make(Type type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == Type::kRegexMatch || type == Type::kRegexNoMatch) {
    RE2::Options options;
    options.set_log_errors(false);
    const std::string anchored = "^(?:" + m.value_ + ")$";
    auto re = std::make_shared<const RE2>(anchored, options);
    if (!re->ok()) {
      const RE2::ErrorCode code = re->error_code();
      return Error(GoRegexpError(GoErrorCode(code), code == RE2::ErrorBadUTF8
                                                        ? InvalidUtf8Rest(anchored)
                                                        : std::string_view(re->error_arg())));
    }
    if (HasAnyByteEscape(m.value_)) return Error(GoRegexpError("invalid escape sequence", "\\C"));
    // Prometheus parses the pattern alone as well, after the anchored one compiled: `a)(`
    // closes the anchoring group early and opens one the anchoring closes, and only the
    // pattern alone has the unexpected ')'.
    if (m.value_.find(')') != std::string::npos) {
      const RE2 alone(m.value_, options);
      if (!alone.ok()) {
        return Error(GoRegexpError(GoErrorCode(alone.error_code()), alone.error_arg()));
      }
    }
    m.re_ = std::move(re);
    if (m.value_ == ".*") {
      m.shortcut_ = Shortcut::kAny;
    } else if (m.value_ == ".+") {
      m.shortcut_ = Shortcut::kNonEmpty;
    } else if ((m.set_ = LiteralAlternation(m.value_))) {
      m.shortcut_ = Shortcut::kSet;
    } else if (std::string_view(m.value_).ends_with(".*")) {
      // "literal.*", as dashboards write prefix matches: a comparison instead of RE2.
      auto head = LiteralAlternation(std::string_view(m.value_).substr(0, m.value_.size() - 2));
      if (head && head->size() == 1) {
        m.shortcut_ = Shortcut::kPrefix;
        m.prefix_ = std::move((*head)[0]);
      }
    }
  }
  return m;
}

Matcher Matcher::MustMake(Type type, std::string name, std::string value) {
  auto m = Make(type, std::move(name), std::move(value));
  if (!m.ok()) std::abort();
  return std::move(*m);
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case Type::kEqual:
      return v == value_;
    case Type::kNotEqual:
      return v != value_;
    case Type::kRegexMatch:
    case Type::kRegexNoMatch: {
      bool matched;
      switch (shortcut_) {
        case Shortcut::kAny:
          matched = v.find('\n') == std::string_view::npos;
          break;
        case Shortcut::kNonEmpty:
          matched = !v.empty() && v.find('\n') == std::string_view::npos;
          break;
        case Shortcut::kSet:
          matched = std::binary_search(set_->begin(), set_->end(), v);
          break;
        case Shortcut::kPrefix:
          // . does not match a newline.
          matched = v.starts_with(prefix_) &&
                    v.substr(prefix_.size()).find('\n') == std::string_view::npos;
          break;
        default:
          matched = RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
      }
      return matched == (type_ == Type::kRegexMatch);
    }
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr std::string_view kOps[] = {"=", "!=", "=~", "!~"};
  return name_ + std::string(kOps[static_cast<int>(type_)]) + GoQuote(value_);
}

}  // namespace tsdbd
