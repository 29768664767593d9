#include "lib/tsdb/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tsdbd::tsdb {
namespace {

TEST(Crc32cTest, StandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cExtendPortable(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32cTest, Rfc3720Vectors) {
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string up(32, '\0');
  std::string down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  for (auto f :
       {+[](const std::string& s) { return Crc32c(s); },
        +[](const std::string& s) { return Crc32cExtendPortable(0, s.data(), s.size()); }}) {
    EXPECT_EQ(f(zeros), 0x8A9136AAu);
    EXPECT_EQ(f(ones), 0x62A8AB43u);
    EXPECT_EQ(f(up), 0x46DD794Eu);
    EXPECT_EQ(f(down), 0x113FDB5Cu);
  }
}

TEST(Crc32cTest, EmptyInputIsZero) {
  EXPECT_EQ(Crc32c("", 0), 0u);
  EXPECT_EQ(Crc32cExtend(0x12345678u, nullptr, 0), 0x12345678u);
}

TEST(Crc32cTest, HardwareAndTableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string buf(600, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; len + start <= buf.size(); len += (len < 70 ? 1 : 37)) {
      const char* p = buf.data() + start;
      ASSERT_EQ(Crc32c(p, len), Crc32cExtendPortable(0, p, len)) << start << " " << len;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWholeCrc) {
  std::string s = "The quick brown fox jumps over the lazy dog, again and again and again.";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = Crc32c(s.data(), cut);
    EXPECT_EQ(Crc32cExtend(a, s.data() + cut, s.size() - cut), Crc32c(s));
    EXPECT_EQ(Crc32cExtendPortable(a, s.data() + cut, s.size() - cut), Crc32c(s));
  }
}

}  // namespace
}  // namespace tsdbd::tsdb
