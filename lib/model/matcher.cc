#include "lib/model/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>

#include "lib/model/go_quote.h"

namespace tsdbd {
namespace {

bool IsRegexMeta(char c) {
  return std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos;
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
    auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) return Error(re->error());
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
