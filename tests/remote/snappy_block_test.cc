#include "lib/remote/snappy_block.h"

#include <gtest/gtest.h>

#include <string>

namespace tsdbd::remote {
namespace {

TEST(SnappyBlockTest, RoundTripsAndReusesTheBuffer) {
  std::string raw;
  for (int i = 0; i < 10000; ++i) raw += "series_" + std::to_string(i % 37) + ";";
  const std::string compressed = SnappyCompress(raw);
  EXPECT_LT(compressed.size(), raw.size());
  std::string out = "old content";
  ASSERT_TRUE(SnappyDecompress(compressed, 1 << 20, &out));
  EXPECT_EQ(out, raw);
  ASSERT_TRUE(SnappyDecompress(SnappyCompress(""), 1 << 20, &out));
  EXPECT_EQ(out, "");
}

TEST(SnappyBlockTest, MalformedInputIsCorrupt) {
  std::string out;
  for (std::string_view bad : {std::string_view(""), std::string_view("hello"),
                               std::string_view("\xff\xff\xff\xff\xff\x01\x00", 7)}) {
    Status s = SnappyDecompress(bad, 1 << 20, &out);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.message(), "snappy: corrupt input");
  }
  // Trailing bytes after a complete block.
  Status s = SnappyDecompress(SnappyCompress("abc") + "x", 1 << 20, &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "snappy: corrupt input");
}

TEST(SnappyBlockTest, TruncatedBlocksAreCorruptAtEveryLength) {
  std::string raw;
  for (int i = 0; i < 500; ++i) raw += "abcdefgh" + std::to_string(i);
  const std::string c = SnappyCompress(raw);
  std::string out;
  for (size_t n = 0; n < c.size(); ++n) {
    EXPECT_FALSE(SnappyDecompress(std::string_view(c).substr(0, n), 1 << 20, &out)) << n;
  }
}

TEST(SnappyBlockTest, AnnouncedLengthsBeyondTheCapOrTheInputAreRefusedUpFront) {
  std::string out;
  const std::string c = SnappyCompress(std::string(5000, 'a'));
  Status s = SnappyDecompress(c, 4999, &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "snappy: decoded block is too large");
  EXPECT_TRUE(SnappyDecompress(c, 5000, &out));

  // 5 bytes announcing 2 GiB: impossible for so short a block; no allocation happens
  // (ASan would report a failed 2 GiB allocation otherwise).
  s = SnappyDecompress(std::string_view("\x80\x80\x80\x80\x08\x00", 6), size_t{4} << 30, &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "snappy: corrupt input");
}

}  // namespace
}  // namespace tsdbd::remote
