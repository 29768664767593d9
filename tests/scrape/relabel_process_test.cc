#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "lib/model/labels.h"
#include "lib/scrape/relabel/relabeler.h"
#include "tests/scrape/relabel_test_util.h"

namespace tsdbd::scrape::relabel {
namespace {

using testing::ParseRules;

struct Case {
  const char* name;
  Labels in;
  const char* rules;
  std::optional<Labels> want;  // nullopt: dropped
};

std::string Show(const std::optional<Labels>& l) {
  return l ? l->ToString() : "<dropped>";
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto rules = ParseRules(c.rules);
    ASSERT_FALSE(rules.empty());
    const std::optional<Labels> got = Process(c.in, rules);
    EXPECT_EQ(Show(got), Show(c.want));
  }
}

TEST(RelabelReplace, DocumentedExamplesAndEdgeCases) {
  const Labels in{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};
  RunCases({
      {"regex groups into a new label", in,
       "- source_labels: [a]\n  regex: f(.*)\n  target_label: d\n  replacement: ch${1}-ch${1}\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {"several sources joined by the separator", in,
       "- source_labels: [a, b]\n  regex: f(.*);(.*)r\n  target_label: a\n"
       "  replacement: ${1}${2}\n",
       Labels{{"a", "ooba"}, {"b", "bar"}, {"c", "baz"}}},
      {"custom separator", in,
       "- source_labels: [a, b]\n  separator: '|'\n  regex: 'foo\\|bar'\n  target_label: d\n"
       "  replacement: joined\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "joined"}}},
      {"defaults copy the whole value ($1 of (.*))", in,
       "- source_labels: [c]\n  target_label: d\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "baz"}}},
      {"no match leaves the labels unchanged", in,
       "- source_labels: [a]\n  regex: nomatch\n  target_label: d\n  replacement: x\n", in},
      {"the regex is anchored at both ends", in,
       "- source_labels: [a]\n  regex: o+\n  target_label: d\n  replacement: x\n", in},
      {"missing source labels are the empty string", in,
       "- source_labels: [missing]\n  regex: ''\n  target_label: d\n  replacement: empty\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "empty"}}},
      {"missing sources still get separators", in,
       "- source_labels: [x, a, y]\n  regex: ';foo;'\n  target_label: d\n  replacement: ok\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "ok"}}},
      {"empty replacement deletes the target", in,
       "- source_labels: [a]\n  regex: (.*)\n  target_label: b\n  replacement: ''\n",
       Labels{{"a", "foo"}, {"c", "baz"}}},
      {"replacement expanding to nothing deletes the target", in,
       "- source_labels: [a]\n  regex: (f)(x)?oo\n  target_label: b\n  replacement: $2\n",
       Labels{{"a", "foo"}, {"c", "baz"}}},
      {"target label from a group", in,
       "- source_labels: [a]\n  regex: (f)(.*)\n  target_label: ${2}_${1}\n  replacement: v\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"oo_f", "v"}}},
      {"target that expands to an invalid name is skipped", in,
       "- source_labels: [a]\n  regex: (.*)\n  target_label: $1x\n  replacement: v\n", in},
      {"target that expands to a name starting with a digit is skipped", Labels{{"a", "1abc"}},
       "- source_labels: [a]\n  regex: (.*)\n  target_label: ${1}\n  replacement: v\n",
       Labels{{"a", "1abc"}}},
      {"no source labels: the empty string matches (.*)", in,
       "- target_label: d\n  replacement: constant\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "constant"}}},
      {"overwrites an existing label", in, "- target_label: a\n  replacement: new\n",
       Labels{{"a", "new"}, {"b", "bar"}, {"c", "baz"}}},
      {"rules apply in order, each to the previous result", in,
       "- target_label: d\n  replacement: first\n"
       "- source_labels: [d]\n  regex: fi(.*)\n  target_label: e\n  replacement: $1\n",
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "first"}, {"e", "rst"}}},
      {"empty regex match of an empty value", Labels{{"a", "x"}},
       "- source_labels: [b]\n  regex: (.*)\n  target_label: c\n", Labels{{"a", "x"}}},
  });
}

TEST(RelabelReplace, TemplateExpansionAsGoRegexpExpand) {
  // Observed on Prometheus 2.42: '$1x|${1}x|$second|${second}|$$|$2|$3|$|$ |${|$0' on
  // "hello-world" with regex (\w+)-(?P<second>\w+) gives the value below.
  RunCases({
      {"Go Expand corner cases", Labels{{"a", "hello-world"}},
       "- source_labels: [a]\n  regex: '(\\w+)-(?P<second>\\w+)'\n  target_label: r\n"
       "  replacement: '$1x|${1}x|$second|${second}|$$|$2|$3|$|$ |${|$0'\n",
       Labels{{"a", "hello-world"}, {"r", "|hellox|world|world|$|world||$|$ |${|hello-world"}}},
      {"leading zeros name a group, not a number", Labels{{"a", "abc"}},
       "- source_labels: [a]\n  regex: '(a)(b)(c)'\n  target_label: r\n"
       "  replacement: '$01-${01}-${3}$'\n",
       Labels{{"a", "abc"}, {"r", "--c$"}}},
      {"unclosed brace is literal", Labels{{"a", "abc"}},
       "- source_labels: [a]\n  regex: '(.*)'\n  target_label: r\n  replacement: '${1'\n",
       Labels{{"a", "abc"}, {"r", "${1"}}},
      {"name ends at a non-word character", Labels{{"a", "abc"}},
       "- source_labels: [a]\n  regex: '(.*)'\n  target_label: r\n  replacement: '$1.$1-$1'\n",
       Labels{{"a", "abc"}, {"r", "abc.abc-abc"}}},
      {"a huge group number is a name", Labels{{"a", "abc"}},
       "- source_labels: [a]\n  regex: '(.*)'\n  target_label: r\n"
       "  replacement: 'x${999999999999}y'\n",
       Labels{{"a", "abc"}, {"r", "xy"}}},
  });
}

TEST(RelabelKeepDrop, MatchesTheJoinedSourceValues) {
  const Labels in{{"__name__", "http_requests_total"}, {"job", "api"}};
  RunCases({
      {"keep on match", in, "- source_labels: [job]\n  regex: api|web\n  action: keep\n", in},
      {"keep drops on no match", in, "- source_labels: [job]\n  regex: web\n  action: keep\n",
       std::nullopt},
      {"keep is anchored", in, "- source_labels: [job]\n  regex: ap\n  action: keep\n",
       std::nullopt},
      {"drop on match", in, "- source_labels: [__name__]\n  regex: http_.*\n  action: drop\n",
       std::nullopt},
      {"drop keeps on no match", in,
       "- source_labels: [__name__]\n  regex: go_.*\n  action: drop\n", in},
      {"drop on a missing label matching empty", in,
       "- source_labels: [missing]\n  regex: ''\n  action: drop\n", std::nullopt},
      {"keep on joined values", in,
       "- source_labels: [job, __name__]\n  regex: 'api;http_.*'\n  action: keep\n", in},
      {"a drop stops later rules", in,
       "- source_labels: [job]\n  regex: api\n  action: drop\n- target_label: x\n"
       "  replacement: y\n",
       std::nullopt},
  });
}

TEST(RelabelKeepDropEqual, ComparesWithTheTargetLabel) {
  const Labels in{{"a", "1"}, {"b", "1"}, {"c", "2"}};
  RunCases({
      {"keepequal equal", in, "- source_labels: [a]\n  target_label: b\n  action: keepequal\n", in},
      {"keepequal differ", in, "- source_labels: [a]\n  target_label: c\n  action: keepequal\n",
       std::nullopt},
      {"dropequal equal", in, "- source_labels: [a]\n  target_label: b\n  action: dropequal\n",
       std::nullopt},
      {"dropequal differ", in, "- source_labels: [a]\n  target_label: c\n  action: dropequal\n",
       in},
      {"keepequal: both missing are equal", in,
       "- source_labels: [x]\n  target_label: y\n  action: keepequal\n", in},
      {"keepequal: joined sources", Labels{{"a", "1"}, {"b", "2"}, {"c", "1;2"}},
       "- source_labels: [a, b]\n  target_label: c\n  action: keepequal\n",
       Labels{{"a", "1"}, {"b", "2"}, {"c", "1;2"}}},
  });
}

TEST(RelabelHashMod, ValuesMatchPrometheus) {
  // Values read from Prometheus 2.42's /api/v1/targets for the same rules.
  RunCases({
      {"a:1 mod 1000000007", Labels{{"__address__", "a:1"}},
       "- source_labels: [__address__]\n  modulus: 1000000007\n  target_label: h\n"
       "  action: hashmod\n",
       Labels{{"__address__", "a:1"}, {"h", "747817939"}}},
      {"b:2 mod 1000000007", Labels{{"__address__", "b:2"}},
       "- source_labels: [__address__]\n  modulus: 1000000007\n  target_label: h\n"
       "  action: hashmod\n",
       Labels{{"__address__", "b:2"}, {"h", "378907501"}}},
      {"x mod 8", Labels{{"__address__", "x"}},
       "- source_labels: [__address__]\n  modulus: 8\n  target_label: h\n  action: hashmod\n",
       Labels{{"__address__", "x"}, {"h", "6"}}},
      {"sharding keeps one shard", Labels{{"__address__", "b:2"}},
       "- source_labels: [__address__]\n  modulus: 8\n  target_label: __tmp_hash\n"
       "  action: hashmod\n- source_labels: [__tmp_hash]\n  regex: '5'\n  action: keep\n"
       "- regex: __tmp_hash\n  action: labeldrop\n",
       Labels{{"__address__", "b:2"}}},
  });
}

TEST(RelabelHashMod, LargestModulus) {
  // lib/config rejects a modulus of 2^64-1 that Prometheus accepts, so set it directly.
  auto rules = ParseRules(
      "- source_labels: [__address__, job]\n  modulus: 2\n  target_label: h\n"
      "  action: hashmod\n");
  ASSERT_EQ(rules.size(), 1u);
  rules[0].modulus = 18446744073709551615u;
  EXPECT_EQ(Show(Process(Labels{{"__address__", "a:1"}, {"job", "hash"}}, rules)),
            Show(Labels{{"__address__", "a:1"}, {"h", "5057087637583127603"}, {"job", "hash"}}));
}

TEST(RelabelLabelMap, CopiesMatchingNamesWithExpandedNames) {
  const Labels in{{"__meta_kubernetes_pod_label_app", "web"},
                  {"__meta_kubernetes_pod_label_tier", "front"},
                  {"job", "k"}};
  RunCases({
      {"documented kubernetes example", in,
       "- regex: __meta_kubernetes_pod_label_(.+)\n  action: labelmap\n",
       Labels{{"__meta_kubernetes_pod_label_app", "web"},
              {"__meta_kubernetes_pod_label_tier", "front"},
              {"app", "web"},
              {"job", "k"},
              {"tier", "front"}}},
      {"replacement template", in,
       "- regex: __meta_kubernetes_pod_label_(.+)\n  replacement: pod_$1\n  action: labelmap\n",
       Labels{{"__meta_kubernetes_pod_label_app", "web"},
              {"__meta_kubernetes_pod_label_tier", "front"},
              {"job", "k"},
              {"pod_app", "web"},
              {"pod_tier", "front"}}},
      {"maps names present before the rule only, overwriting", Labels{{"a", "1"}, {"b", "2"}},
       "- regex: (a)\n  replacement: b\n  action: labelmap\n", Labels{{"a", "1"}, {"b", "1"}}},
      {"no match, no change", in, "- regex: nothing_(.*)\n  action: labelmap\n", in},
  });
}

TEST(RelabelLabelDropKeep, MatchNamesOnly) {
  const Labels in{{"__name__", "m"}, {"a", "1"}, {"ab", "2"}, {"b", "3"}};
  RunCases({
      {"labeldrop", in, "- regex: a.*\n  action: labeldrop\n",
       Labels{{"__name__", "m"}, {"b", "3"}}},
      {"labeldrop is anchored", in, "- regex: b\n  action: labeldrop\n",
       Labels{{"__name__", "m"}, {"a", "1"}, {"ab", "2"}}},
      {"labeldrop no match", in, "- regex: zzz\n  action: labeldrop\n", in},
      {"labelkeep", in, "- regex: __name__|a\n  action: labelkeep\n",
       Labels{{"__name__", "m"}, {"a", "1"}}},
      {"labelkeep everything", in, "- regex: .*\n  action: labelkeep\n", in},
      {"labelkeep nothing leaves an empty set", in, "- regex: zzz\n  action: labelkeep\n",
       Labels{}},
  });
}

TEST(RelabelCase, LowercaseAndUppercase) {
  const Labels in{{"a", "MiXeD-Case_1"}, {"u", "ÄÖÜ straße"}};
  RunCases({
      {"lowercase", in, "- source_labels: [a]\n  target_label: l\n  action: lowercase\n",
       Labels{{"a", "MiXeD-Case_1"}, {"l", "mixed-case_1"}, {"u", "ÄÖÜ straße"}}},
      {"uppercase", in, "- source_labels: [a]\n  target_label: a\n  action: uppercase\n",
       Labels{{"a", "MIXED-CASE_1"}, {"u", "ÄÖÜ straße"}}},
      {"lowercase non-ASCII", in, "- source_labels: [u]\n  target_label: u\n  action: lowercase\n",
       Labels{{"a", "MiXeD-Case_1"}, {"u", "äöü straße"}}},
      {"uppercase keeps ß (no simple mapping)", in,
       "- source_labels: [u]\n  target_label: u\n  action: uppercase\n",
       Labels{{"a", "MiXeD-Case_1"}, {"u", "ÄÖÜ STRAßE"}}},
      {"lowercase of a missing label deletes the target", in,
       "- source_labels: [missing]\n  target_label: a\n  action: lowercase\n",
       Labels{{"u", "ÄÖÜ straße"}}},
  });
}

TEST(Relabeler, UnchangedInputIsShared) {
  const auto rules = ParseRules(
      "- source_labels: [__name__]\n  regex: go_.*\n  action: drop\n"
      "- regex: pod\n  action: labeldrop\n"
      "- source_labels: [a]\n  target_label: a\n");
  Relabeler r(rules);
  const Labels in{{"__name__", "up"}, {"a", "1"}};
  const std::optional<Labels> out = r.Process(in);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->pairs().data(), in.pairs().data());  // the same block, not a copy
}

TEST(Relabeler, ReusableAcrossCalls) {
  const auto rules = ParseRules(
      "- source_labels: [__name__]\n  regex: drop_.*\n  action: drop\n"
      "- source_labels: [a]\n  regex: (.*)\n  target_label: b\n  replacement: x$1\n");
  Relabeler r(rules);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Show(r.Process(Labels{{"__name__", "drop_me"}, {"a", "1"}})), "<dropped>");
    const std::string a = std::to_string(i);
    std::string b = "x";
    b.append(a);  // (GCC 12 warns falsely about "x" + std::string)
    EXPECT_EQ(Show(r.Process(Labels{{"__name__", "m"}, {"a", a}})),
              Show(Labels{{"__name__", "m"}, {"a", a}, {"b", b}}));
  }
}

TEST(Relabeler, NoRulesReturnsInput) {
  Relabeler r({});
  EXPECT_TRUE(r.empty());
  const Labels in{{"a", "1"}};
  EXPECT_EQ(Show(r.Process(in)), Show(in));
  EXPECT_EQ(Show(r.Process(Labels{})), Show(Labels{}));
}

}  // namespace
}  // namespace tsdbd::scrape::relabel

namespace tsdbd::scrape::relabel {
namespace {

// A reused Relabeler caches rule results by input; over many distinct inputs (more than its
// cache holds, so slots are evicted) it must agree with a fresh one for every input.
TEST(Relabeler, CachedResultsAgreeWithFreshEvaluation) {
  const auto rules = ParseRules(
      "- source_labels: [__name__]\n  regex: 'drop_.*'\n  action: drop\n"
      "- source_labels: [__name__, code]\n  regex: '(.*)_(\\d);(\\d)..'\n"
      "  target_label: 'c_$2'\n  replacement: '${3}xx'\n"
      "- regex: 'tmp_(.*)'\n  replacement: 'kept_$1'\n  action: labelmap\n"
      "- regex: 'tmp_.*|junk'\n  action: labeldrop\n"
      "- source_labels: [__name__]\n  modulus: 3\n  target_label: shard\n  action: hashmod\n");
  Relabeler reused(rules);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 2000; ++i) {
      const std::string name = (i % 11 == 0 ? "drop_m" : "m") + std::string("_") +
                               std::to_string(i % 613 % 10) + std::to_string(i % 613);
      const std::string code = std::to_string(200 + (i % 5) * 100);
      std::string tmp_name = "tmp_";
      tmp_name.append(std::to_string(i % 331));
      const Labels in{{"__name__", name}, {"code", code}, {tmp_name, "v"}, {"junk", "j"}};
      SCOPED_TRACE(in.ToString());
      ASSERT_EQ(Show(reused.Process(in)), Show(Process(in, rules)));
    }
  }
}

}  // namespace
}  // namespace tsdbd::scrape::relabel
