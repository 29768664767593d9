// meta.json as Prometheus 2.42 reads and writes it, and block ULIDs.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/block/ulid.h"
#include "tests/testing/process.h"
#include "tests/tsdb/block_files_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

namespace stdfs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

constexpr char kA[] = "01M88CXM1BRV28MG48SER7WWPS";
constexpr char kB[] = "01H5Z0W8V7Q3K6X2J9N4M1P0RS";

BlockMeta FullMeta() {
  BlockMeta m;
  m.ulid = kA;
  m.min_time = -5;
  m.max_time = 1700004485001;
  m.stats = {900, 3, 9, 2};
  m.compaction.level = 3;
  m.compaction.sources = {kA, kB};
  m.compaction.parents = {{kA, 1, 2}, {kB, 2, 3}};
  m.compaction.deletable = true;
  m.compaction.failed = true;
  m.compaction.hints = {"from-out-of-order"};
  return m;
}

TEST(BlockMeta, ReadsAndRewritesPromtoolMetaByteForByte) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  TempDir tmp;
  const std::string block = testutil::PromtoolBlock(tmp.path(), 3, 300);
  ASSERT_FALSE(block.empty());
  auto m = ReadMeta(block);
  ASSERT_TRUE(m.ok()) << m.error().message();
  const std::string ulid = stdfs::path(block).filename().string();
  EXPECT_EQ(m->ulid, ulid);
  EXPECT_EQ(m->min_time, 1699999200000);
  EXPECT_EQ(m->max_time, 1699999200000 + 299 * 10000 + 1);  // exclusive
  EXPECT_EQ(m->stats, (BlockStats{900, 3, m->stats.num_chunks, 0}));
  EXPECT_GE(m->stats.num_chunks, 3u);
  EXPECT_EQ(m->compaction.level, 1);
  EXPECT_EQ(m->compaction.sources, std::vector<std::string>{ulid});
  EXPECT_TRUE(m->compaction.parents.empty());
  EXPECT_EQ(m->version, 1);

  const std::string theirs = ReadFile(block + "/meta.json");
  EXPECT_EQ(MetaJson(*m), theirs);
  ASSERT_TRUE(WriteMeta(tmp.path(), *m).ok());
  EXPECT_EQ(ReadFile(tmp.path() + "/meta.json"), theirs);
}

TEST(BlockMeta, WritesGoMarshalIndentLayout) {
  // What Go's json.MarshalIndent(meta, "", "\t") gives for Prometheus 2.42's BlockMeta
  // with every optional field present (fields in struct order).
  const std::string want = std::string() +
                           "{\n"
                           "\t\"ulid\": \"" +
                           kA +
                           "\",\n"
                           "\t\"minTime\": -5,\n"
                           "\t\"maxTime\": 1700004485001,\n"
                           "\t\"stats\": {\n"
                           "\t\t\"numSamples\": 900,\n"
                           "\t\t\"numSeries\": 3,\n"
                           "\t\t\"numChunks\": 9,\n"
                           "\t\t\"numTombstones\": 2\n"
                           "\t},\n"
                           "\t\"compaction\": {\n"
                           "\t\t\"level\": 3,\n"
                           "\t\t\"sources\": [\n"
                           "\t\t\t\"" +
                           kA +
                           "\",\n"
                           "\t\t\t\"" +
                           kB +
                           "\"\n"
                           "\t\t],\n"
                           "\t\t\"deletable\": true,\n"
                           "\t\t\"parents\": [\n"
                           "\t\t\t{\n"
                           "\t\t\t\t\"ulid\": \"" +
                           kA +
                           "\",\n"
                           "\t\t\t\t\"minTime\": 1,\n"
                           "\t\t\t\t\"maxTime\": 2\n"
                           "\t\t\t},\n"
                           "\t\t\t{\n"
                           "\t\t\t\t\"ulid\": \"" +
                           kB +
                           "\",\n"
                           "\t\t\t\t\"minTime\": 2,\n"
                           "\t\t\t\t\"maxTime\": 3\n"
                           "\t\t\t}\n"
                           "\t\t],\n"
                           "\t\t\"failed\": true,\n"
                           "\t\t\"hints\": [\n"
                           "\t\t\t\"from-out-of-order\"\n"
                           "\t\t]\n"
                           "\t},\n"
                           "\t\"version\": 1\n"
                           "}";
  EXPECT_EQ(MetaJson(FullMeta()), want);
}

TEST(BlockMeta, OmitsEmptyFieldsAsGo) {
  BlockMeta m;
  m.ulid = kA;
  m.stats.num_series = 4;
  m.compaction.level = 1;
  EXPECT_EQ(MetaJson(m), std::string("{\n\t\"ulid\": \"") + kA +
                             "\",\n\t\"minTime\": 0,\n\t\"maxTime\": 0,\n\t\"stats\": {\n\t\t"
                             "\"numSeries\": 4\n\t},\n\t\"compaction\": {\n\t\t\"level\": 1\n\t},"
                             "\n\t\"version\": 1\n}");
  m.stats = {};
  EXPECT_NE(MetaJson(m).find("\t\"stats\": {},\n"), std::string::npos) << MetaJson(m);
}

TEST(BlockMeta, RoundTrip) {
  TempDir tmp;
  const BlockMeta m = FullMeta();
  ASSERT_TRUE(WriteMeta(tmp.path(), m).ok());
  auto back = ReadMeta(tmp.path());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, m);
  // Atomic publication leaves only meta.json behind.
  std::vector<std::string> names;
  for (const auto& e : stdfs::directory_iterator(tmp.path())) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"meta.json"});
}

TEST(BlockMeta, ToleratesUnknownFieldsAndAnyOrder) {
  auto m = ParseMeta(std::string(R"({"version":1,"future":{"x":[1,2]},"maxTime":20,"minTime":10,
      "compaction":{"level":2,"sources":[")") +
                     kA + R"("],"newThing":true},
      "stats":{"numSamples":18446744073709551615,"numFloatSamples":5},"ulid":")" +
                     kB + "\"}");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->ulid, kB);
  EXPECT_EQ(m->min_time, 10);
  EXPECT_EQ(m->max_time, 20);
  EXPECT_EQ(m->stats.num_samples, UINT64_MAX);
  EXPECT_EQ(m->compaction.level, 2);
  EXPECT_EQ(m->compaction.sources, std::vector<std::string>{kA});
}

TEST(BlockMeta, RejectsBadInput) {
  const std::string u = std::string("\"ulid\":\"") + kA + "\"";
  const std::vector<std::string> bad = {
      "",
      "{",
      "[]",
      "null",
      "{\"version\":1," + u + ",}",                   // trailing comma
      "{" + u + "}",                                  // no version
      "{\"version\":2," + u + "}",                    // unknown version
      "{\"version\":\"1\"," + u + "}",                // version not a number
      "{\"version\":1}",                              // no ULID
      "{\"version\":1,\"ulid\":\"not-a-ulid\"}",      // bad ULID
      "{\"version\":1," + u + ",\"minTime\":\"0\"}",  // string time
      "{\"version\":1," + u + ",\"minTime\":1.5}",    // fractional time
      "{\"version\":1," + u + ",\"stats\":{\"numSamples\":-1}}",
      "{\"version\":1," + u + ",\"stats\":[]}",
      "{\"version\":1," + u + ",\"compaction\":{\"sources\":[1]}}",
      "{\"version\":1," + u + ",\"compaction\":{\"sources\":[\"x\"]}}",
      "{\"version\":1," + u + ",\"compaction\":{\"parents\":[{\"ulid\":3}]}}",
      "{\"version\":1," + u + ",\"compaction\":{\"failed\":1}}",
      "{\"version\":1," + u + "} trailing",
  };
  for (const std::string& text : bad) {
    auto m = ParseMeta(text);
    EXPECT_FALSE(m.ok()) << text;
  }
  TempDir tmp;
  EXPECT_FALSE(ReadMeta(tmp.path()).ok());  // missing
  tmp.WriteFile("meta.json", "{\"version\": 1, \"ulid\": ");
  auto m = ReadMeta(tmp.path());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("meta.json"), std::string::npos) << m.error().message();
}

// --- ULIDs --------------------------------------------------------------------------

TEST(BlockUlid, FormatAndTime) {
  // Later than any time the other tests use, so that the monotonic bump does not apply.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      1000;
  const std::string id = NewUlid(now);
  ASSERT_EQ(id.size(), 26u);
  EXPECT_TRUE(IsUlid(id));
  EXPECT_EQ(UlidTime(id), now);
  for (char c : id) {
    EXPECT_EQ(std::string("ILOU").find(c), std::string::npos) << id;
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) << id;
  }
  // An earlier time still sorts after, and keeps the latest time.
  const std::string earlier = NewUlid(0);
  EXPECT_LT(id, earlier);
  EXPECT_EQ(UlidTime(earlier), now);
  EXPECT_EQ(UlidTime("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), (int64_t{1} << 48) - 1);
  // The example of the ULID specification.
  EXPECT_EQ(UlidTime("01ARYZ6S41TSV4RRFFQ69G5FAV"), 1469918176385);
  EXPECT_EQ(UlidTime("01aryz6s41tsv4rrffq69g5fav"), 1469918176385);
}

TEST(BlockUlid, Validation) {
  EXPECT_TRUE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  EXPECT_TRUE(IsUlid("01arz3ndektsv4rrffq69g5fav"));
  EXPECT_FALSE(IsUlid(""));
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FA"));    // 25
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAVX"));  // 27
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));   // U
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAI"));   // I
  EXPECT_FALSE(IsUlid("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"));   // over 128 bits
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FA-"));
  EXPECT_FALSE(UlidTime("nope").has_value());
}

TEST(BlockUlid, StrictlyIncreasingWithinAProcess) {
  std::string prev = NewUlid(1000);
  for (int i = 0; i < 10000; ++i) {
    const std::string next = NewUlid(1000 - i % 3);  // same and earlier times too
    ASSERT_LT(prev, next);
    ASSERT_TRUE(IsUlid(next));
    prev = next;
  }
  EXPECT_LT(prev, NewUlid(2000));
}

TEST(BlockUlid, ConcurrentCallersGetDistinctIds) {
  std::vector<std::vector<std::string>> got(4);
  {
    std::vector<std::jthread> threads;
    for (auto& v : got) {
      threads.emplace_back([&v] {
        for (int i = 0; i < 2000; ++i) v.push_back(NewUlid(1700000000000));
      });
    }
  }
  std::set<std::string> all;
  for (const auto& v : got) {
    for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), 8000u);
}

}  // namespace
}  // namespace tsdbd::tsdb::block
