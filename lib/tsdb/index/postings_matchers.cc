#include "lib/tsdb/index/postings_matchers.h"

#include <utility>
#include <vector>

namespace tsdbd::tsdb::index {

PostingsPtr PostingsMatching(const PostingsSource& index, const Matcher& m) {
  switch (m.type()) {
    case Matcher::Type::kEqual:
      return index.Get(m.name(), m.value());
    case Matcher::Type::kRegexMatch:
      if (m.SetMatches()) return index.GetAny(m.name(), *m.SetMatches());
      break;
    default:
      break;
  }
  // The values matching =~ start with its regex's prefix.
  const std::string_view prefix =
      m.type() == Matcher::Type::kRegexMatch ? m.RegexPrefix() : std::string_view();
  return index.GetMatchingPrefix(m.name(), prefix,
                                 [&m](std::string_view v) { return m.Matches(v); });
}

PostingsPtr PostingsNotMatching(const PostingsSource& index, const Matcher& m) {
  switch (m.type()) {
    case Matcher::Type::kNotEqual:
      return index.Get(m.name(), m.value());
    case Matcher::Type::kRegexNoMatch:
      if (m.SetMatches()) return index.GetAny(m.name(), *m.SetMatches());
      break;
    default:
      break;
  }
  // The values failing !~ match its regex, so start with its prefix.
  const std::string_view prefix =
      m.type() == Matcher::Type::kRegexNoMatch ? m.RegexPrefix() : std::string_view();
  return index.GetMatchingPrefix(m.name(), prefix,
                                 [&m](std::string_view v) { return !m.Matches(v); });
}

PostingsPtr PostingsForMatchers(const PostingsSource& index, std::span<const Matcher> matchers) {
  std::vector<PostingsPtr> its;
  std::vector<PostingsPtr> nots;
  for (const Matcher& m : matchers) {
    if (m.name().empty()) {  // no series has a label named "": its value is "" everywhere
      if (!m.Matches("")) return EmptyPostings();
      continue;
    }
    if (m.Matches("")) {
      nots.push_back(PostingsNotMatching(index, m));
    } else {
      its.push_back(PostingsMatching(index, m));
    }
  }
  if (its.empty()) its.push_back(index.All());
  PostingsPtr p = Intersect(std::move(its));
  for (PostingsPtr& n : nots) p = Without(std::move(p), std::move(n));
  return p;
}

}  // namespace tsdbd::tsdb::index
