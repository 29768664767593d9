#include "lib/http/compression.h"

#include <gtest/gtest.h>

#include "tests/http/test_client.h"

namespace tsdbd::http {
namespace {

TEST(NegotiateCodingTest, PrefersGzip) {
  EXPECT_EQ(NegotiateCoding("gzip"), ContentCoding::kGzip);
  EXPECT_EQ(NegotiateCoding("deflate, gzip"), ContentCoding::kGzip);
  EXPECT_EQ(NegotiateCoding("gzip, deflate, br"), ContentCoding::kGzip);
  EXPECT_EQ(NegotiateCoding(" GZIP ;q=0.5"), ContentCoding::kGzip);
  EXPECT_EQ(NegotiateCoding("*"), ContentCoding::kGzip);
}

TEST(NegotiateCodingTest, HonoursQZeroAndAbsence) {
  EXPECT_EQ(NegotiateCoding(""), ContentCoding::kIdentity);
  EXPECT_EQ(NegotiateCoding("identity"), ContentCoding::kIdentity);
  EXPECT_EQ(NegotiateCoding("br"), ContentCoding::kIdentity);
  EXPECT_EQ(NegotiateCoding("gzip;q=0"), ContentCoding::kIdentity);
  EXPECT_EQ(NegotiateCoding("gzip;q=0, deflate"), ContentCoding::kDeflate);
  EXPECT_EQ(NegotiateCoding("*, gzip;q=0"), ContentCoding::kDeflate);
  EXPECT_EQ(NegotiateCoding("*;q=0"), ContentCoding::kIdentity);
}

TEST(CompressTest, RoundTrips) {
  std::string body;
  for (int i = 0; i < 2000; ++i)
    body += "{\"metric\":{\"__name__\":\"up\"},\"value\":" + std::to_string(i) + "}";
  for (ContentCoding c : {ContentCoding::kGzip, ContentCoding::kDeflate}) {
    std::string z = Compress(body, c);
    EXPECT_LT(z.size(), body.size());
    auto back = testing::Inflate(z);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, body);
  }
  std::string gz = Compress("x", ContentCoding::kGzip);
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_EQ(Compress("abc", ContentCoding::kIdentity), "abc");
  EXPECT_EQ(testing::Inflate(Compress("", ContentCoding::kGzip)), std::optional<std::string>(""));
}

}  // namespace
}  // namespace tsdbd::http
