// Label matchers: =, !=, =~, !~. Regexes are RE2 (Go's syntax and semantics) and fully
// anchored, as in Prometheus.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"

namespace re2 {
class RE2;
}

namespace tsdbd {

class Matcher {
 public:
  enum class Type { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

  // An error when a regex does not compile, worded as Prometheus words it after Go's regexp
  // package: "error parsing regexp: missing closing ): `^(?:(a)$`".
  static Result<Matcher> Make(Type type, std::string name, std::string value);
  // For tests and constants: aborts on a bad regex.
  static Matcher MustMake(Type type, std::string name, std::string value);

  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether a label value matches. An absent label has the value "", so {a=""} matches
  // series without the label a, and {a!=""} only series that have it.
  bool Matches(std::string_view v) const;

  // For =~ and !~ whose regex is a plain alternation of literals ("a|b|c", also a single
  // literal), the sorted literals, so that a postings index can answer with set look-ups
  // (the values matching =~, or failing !~).
  const std::optional<std::vector<std::string>>& SetMatches() const { return set_; }

  // For =~ and !~, a string that every value the regex matches starts with: the literal of
  // "literal.*", else "". A postings index with sorted values can visit only that range.
  std::string_view RegexPrefix() const { return prefix_; }

  // Prometheus's text form: name="value", name=~"regex", with Go quoting.
  std::string ToString() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  enum class Shortcut { kNone, kAny, kNonEmpty, kSet, kPrefix };

  Type type_ = Type::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // for regex types; shared between copies
  Shortcut shortcut_ = Shortcut::kNone;
  std::optional<std::vector<std::string>> set_;
  std::string prefix_;  // for kPrefix: the regex is this literal followed by .*
};

// Whether a regex (unanchored source) is a plain alternation of literals; if so returns them.
std::optional<std::vector<std::string>> LiteralAlternation(std::string_view regex);

}  // namespace tsdbd
