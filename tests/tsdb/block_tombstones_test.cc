// Tombstones: interval merging, the file layout, a Prometheus-written file, and damage.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/block/tombstones.h"
#include "lib/tsdb/chunkenc/varint.h"
#include "lib/tsdb/crc32c.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/tsdb/block_files_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

namespace stdfs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using Ivs = std::vector<Interval>;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(BlockTombstones, MergesOverlappingAndAdjacentIntervals) {
  Tombstones t;
  EXPECT_TRUE(t.Empty());
  t.Add(1, {10, 20});
  t.Add(1, {30, 40});
  EXPECT_EQ(t.Get(1), (Ivs{{10, 20}, {30, 40}}));
  t.Add(1, {21, 25});  // touches [10,20]
  EXPECT_EQ(t.Get(1), (Ivs{{10, 25}, {30, 40}}));
  t.Add(1, {27, 28});  // a gap of one on each side: stays apart
  EXPECT_EQ(t.Get(1), (Ivs{{10, 25}, {27, 28}, {30, 40}}));
  t.Add(1, {26, 29});  // bridges all three
  EXPECT_EQ(t.Get(1), (Ivs{{10, 40}}));
  t.Add(1, {0, 5});
  t.Add(1, {15, 16});  // inside
  EXPECT_EQ(t.Get(1), (Ivs{{0, 5}, {10, 40}}));
  t.Add(1, {-100, 100});  // covers everything
  EXPECT_EQ(t.Get(1), (Ivs{{-100, 100}}));
  t.Add(2, {kMin, 0});
  t.Add(2, {kMax, kMax});
  t.Add(2, {1, kMax - 1});
  EXPECT_EQ(t.Get(2), (Ivs{{kMin, kMax}}));
  EXPECT_EQ(t.Get(3), Ivs{});
  EXPECT_EQ(t.NumTombstones(), 2u);
  t.Remove(1);
  EXPECT_EQ(t.Get(1), Ivs{});
  EXPECT_EQ(t.NumTombstones(), 1u);
  EXPECT_FALSE(t.Empty());
}

// Against a naive model: a set of deleted timestamps over a small range.
TEST(BlockTombstones, MatchesNaiveModel) {
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    Tombstones t;
    std::vector<bool> deleted(64);
    for (int k = 0; k < 8; ++k) {
      int64_t a = rng() % 64, b = a + rng() % 6;
      if (b > 63) b = 63;
      t.Add(7, {a, b});
      for (int64_t x = a; x <= b; ++x) deleted[x] = true;
    }
    Ivs want;
    for (int64_t x = 0; x < 64; ++x) {
      if (!deleted[x]) continue;
      if (!want.empty() && want.back().maxt == x - 1) {
        want.back().maxt = x;
      } else {
        want.push_back({x, x});
      }
    }
    ASSERT_EQ(t.Get(7), want) << "round " << round;
  }
}

TEST(BlockTombstones, ByteLayoutFollowsTheSpec) {
  Tombstones t;
  t.Add(300, {-1, 1});
  t.Add(5, {1700000000000, 1700000000999});
  const std::string got = EncodeTombstones(t);
  std::string want("\x01\x30\xBA\x30\x01", 5);
  // Entries by ascending series ref: uvarint ref, varint mint, varint maxt.
  uint8_t buf[32];
  auto put = [&](uint64_t ref, int64_t mint, int64_t maxt) {
    size_t n = chunkenc::PutUvarint(buf, ref);
    n += chunkenc::PutVarint(buf + n, mint);
    n += chunkenc::PutVarint(buf + n, maxt);
    want.append(reinterpret_cast<char*>(buf), n);
  };
  put(5, 1700000000000, 1700000000999);
  put(300, -1, 1);
  EXPECT_EQ(want.substr(5, 2), std::string("\x05\x80", 2));  // ref 5, then a long varint
  EXPECT_EQ(want.substr(want.size() - 4), std::string("\xAC\x02\x01\x02", 4));  // 300, -1, 1
  const uint32_t crc = Crc32c(std::string_view(want).substr(5));
  want += {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
           static_cast<char>(crc)};
  EXPECT_EQ(got, want);
  // No tombstones: just the header and the CRC of nothing.
  EXPECT_EQ(EncodeTombstones(Tombstones()), std::string("\x01\x30\xBA\x30\x01\0\0\0\0", 9));
}

TEST(BlockTombstones, FileRoundTrip) {
  TempDir tmp;
  auto none = ReadTombstones(tmp.path());  // no file: no tombstones
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->Empty());
  Tombstones t;
  std::mt19937_64 rng(9);
  std::map<uint64_t, Ivs> model;
  for (int i = 0; i < 500; ++i) {
    const uint64_t ref = rng() % 50 * 1000003;
    const int64_t a = static_cast<int64_t>(rng() % 100000) * 1000 - 5000000;
    const Interval iv{a, a + static_cast<int64_t>(rng() % 30000)};
    t.Add(ref, iv);
  }
  ASSERT_TRUE(WriteTombstones(tmp.path(), t).ok());
  EXPECT_FALSE(stdfs::exists(tmp.path() + "/tombstones.tmp"));
  auto back = ReadTombstones(tmp.path());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->NumTombstones(), t.NumTombstones());
  std::vector<uint64_t> refs;
  t.ForEach([&](uint64_t ref, std::span<const Interval> ivs) {
    refs.push_back(ref);
    EXPECT_EQ(back->Get(ref), Ivs(ivs.begin(), ivs.end()));
  });
  EXPECT_TRUE(std::is_sorted(refs.begin(), refs.end()));
  EXPECT_EQ(EncodeTombstones(*back), ReadFile(tmp.path() + "/tombstones"));
}

TEST(BlockTombstones, CorruptFilesAreErrors) {
  Tombstones t;
  t.Add(1, {10, 20});
  t.Add(2, {30, 40});
  const std::string good = EncodeTombstones(t);
  ASSERT_TRUE(DecodeTombstones(good).ok());
  // Every truncation fails (the CRC no longer matches, or the file is too short).
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeTombstones(good.substr(0, n)).ok()) << n;
  }
  // Every single bit flip fails.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeTombstones(bad).ok()) << i << ":" << bit;
    }
  }
  // A well-checksummed body that ends inside an entry.
  std::string cut("\x01\x30\xBA\x30\x01\x05\x02", 7);
  const uint32_t crc = Crc32c(std::string_view(cut).substr(5));
  cut += {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
          static_cast<char>(crc)};
  auto r = DecodeTombstones(cut);
  ASSERT_FALSE(r.ok());
  TempDir tmp;
  tmp.WriteFile("tombstones", good.substr(0, 6));
  auto rf = ReadTombstones(tmp.path());
  ASSERT_FALSE(rf.ok());
  EXPECT_NE(rf.error().message().find("tombstones"), std::string::npos);
}

TEST(BlockTombstones, ConcurrentAddAndRead) {
  Tombstones t;
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&t, w] {
        for (int i = 0; i < 1000; ++i) {
          t.Add(static_cast<uint64_t>(i % 10), {i * 10 + w, i * 10 + w});
          (void)t.Get(static_cast<uint64_t>(i % 10));
          (void)t.NumTombstones();
        }
      });
    }
  }
  // Each series got i*10 + {0..3} for its i values: 100 intervals of 4 each.
  EXPECT_EQ(t.NumTombstones(), 1000u);
  Tombstones moved = std::move(t);
  EXPECT_EQ(moved.Get(3).front(), (Interval{3 * 10, 3 * 10 + 3}));
}

// Prometheus 2.42 itself writes a block's tombstones when series are deleted through the
// admin API: run it on a promtool block and read what it wrote.
TEST(BlockTombstones, ReadsPrometheusWrittenTombstones) {
  if (!testing::HaveProgram("promtool") || !testing::HaveProgram("prometheus")) {
    GTEST_SKIP() << "promtool or prometheus not installed";
  }
  TempDir tmp;
  const std::string block = testutil::PromtoolBlock(tmp.path(), 3, 300);
  ASSERT_FALSE(block.empty());
  const std::string data = tmp.path() + "/data";
  stdfs::create_directories(data);
  const std::string ulid = stdfs::path(block).filename();
  stdfs::rename(block, data + "/" + ulid);
  const std::string dir = data + "/" + ulid;
  ASSERT_TRUE(stdfs::exists(dir + "/meta.json"));
  testing::PrometheusProcess prom(data, "global:\n  scrape_interval: 1h\n",
                                  {"--web.enable-admin-api", "--storage.tsdb.retention.time=100y"});
  ASSERT_TRUE(prom.WaitReady()) << prom.log();
  const uint16_t port = prom.port();
  auto del = [&](const std::string& series, const std::string& start, const std::string& end) {
    const std::string body = "match[]=" + series + "&start=" + start + "&end=" + end;
    testing::HttpRequest req;
    req.method = "POST";
    req.target = "/api/v1/admin/tsdb/delete_series";
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = body;
    auto r = testing::Fetch(port, req);
    EXPECT_EQ(r.status, 204) << r.body;
  };
  // s="1": two intervals 1 ms apart from touching; s="2": a fractional start.
  del("m%7Bs%3D%221%22%7D", "1699999300", "1699999400");
  del("m%7Bs%3D%221%22%7D", "1699999400.002", "1699999500");
  del("m%7Bs%3D%222%22%7D", "1699999600.5", "1699999700");
  // s="0": touching and overlapping deletions, which Prometheus merges into one interval.
  del("m%7Bs%3D%220%22%7D", "1699999800", "1699999850");
  del("m%7Bs%3D%220%22%7D", "1699999850.001", "1699999900");
  del("m%7Bs%3D%220%22%7D", "1699999790", "1699999800.5");
  ASSERT_TRUE(testing::WaitUntil([&] { return ReadFile(dir + "/tombstones").size() > 9; }));

  auto t = ReadTombstones(dir);
  ASSERT_TRUE(t.ok()) << t.error().message();
  std::vector<Ivs> got;
  t->ForEach(
      [&](uint64_t, std::span<const Interval> ivs) { got.emplace_back(ivs.begin(), ivs.end()); });
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end(),
            [](const Ivs& a, const Ivs& b) { return a[0].mint < b[0].mint; });
  EXPECT_EQ(got[0], (Ivs{{1699999300000, 1699999400000}, {1699999400002, 1699999500000}}));
  EXPECT_EQ(got[1], (Ivs{{1699999600500, 1699999700000}}));
  EXPECT_EQ(got[2], (Ivs{{1699999790000, 1699999900000}}));
  EXPECT_EQ(t->NumTombstones(), 4u);
  // Prometheus counts them in meta.json too, which we read and rewrite byte for byte.
  auto meta = ReadMeta(dir);
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ(meta->stats.num_tombstones, 4u);
  EXPECT_EQ(MetaJson(*meta), ReadFile(dir + "/meta.json"));
  // Byte layout: Prometheus orders series by Go map iteration, we by ref, so the file must
  // be our encoding with the series' entries in some order.
  std::vector<std::string> bodies;
  t->ForEach([&](uint64_t ref, std::span<const Interval> ivs) {
    Tombstones one;
    for (const Interval& iv : ivs) one.Add(ref, iv);
    const std::string enc = EncodeTombstones(one);
    bodies.push_back(enc.substr(5, enc.size() - 9));
  });
  ASSERT_EQ(bodies.size(), 3u);
  auto file_of = [](const std::string& body) {
    std::string f = std::string("\x01\x30\xBA\x30\x01", 5) + body;
    const uint32_t crc = Crc32c(body);
    f += {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
          static_cast<char>(crc)};
    return f;
  };
  const std::string theirs = ReadFile(dir + "/tombstones");
  EXPECT_EQ(EncodeTombstones(*t), file_of(bodies[0] + bodies[1] + bodies[2]));
  bool matched = false;
  std::sort(bodies.begin(), bodies.end());
  do {
    matched = matched || theirs == file_of(bodies[0] + bodies[1] + bodies[2]);
  } while (std::next_permutation(bodies.begin(), bodies.end()));
  EXPECT_TRUE(matched);
  prom.process().Signal(SIGTERM);
  EXPECT_TRUE(prom.process().Wait(std::chrono::seconds(20)).has_value());
}

}  // namespace
}  // namespace tsdbd::tsdb::block
