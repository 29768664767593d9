// Selecting series by label matchers through a postings index, as Prometheus's
// PostingsForMatchers does.
#pragma once

#include <span>

#include "lib/model/matcher.h"
#include "lib/tsdb/index/postings.h"
#include "lib/tsdb/index/postings_source.h"

namespace tsdbd::tsdb::index {

// The series matching every matcher. A matcher that does not match "" selects the series
// whose value matches; one that matches "" (l="", l!="x", l=~"x|", l!~"x") is answered as
// "not among the series with a value that fails it", subtracted from the intersection of the
// others (from all series when there are none). A matcher on the name "" keeps all series
// when it matches "", else none.
// =~ / !~ with literal alternations use set look-ups instead of scanning every value.
PostingsPtr PostingsForMatchers(const PostingsSource& index, std::span<const Matcher> matchers);

// The series of `name` whose value matches m (m.name() is ignored), and those whose value
// does not.
PostingsPtr PostingsMatching(const PostingsSource& index, const Matcher& m);
PostingsPtr PostingsNotMatching(const PostingsSource& index, const Matcher& m);

}  // namespace tsdbd::tsdb::index
