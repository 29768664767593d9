#include "lib/model/byte_size.h"

#include <gtest/gtest.h>

namespace tsdbd {
namespace {

TEST(ParseByteSize, PowersOfTwoWithRequiredUnit) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("100B"), 100);
  EXPECT_EQ(*ParseByteSize("1KB"), 1024);
  EXPECT_EQ(*ParseByteSize("512MB"), 512LL << 20);
  EXPECT_EQ(*ParseByteSize("512MiB"), 512LL << 20);
  EXPECT_EQ(*ParseByteSize("10GB"), 10LL << 30);
  EXPECT_EQ(*ParseByteSize("1TB"), 1LL << 40);
  EXPECT_EQ(*ParseByteSize("1PB"), 1LL << 50);
  EXPECT_EQ(*ParseByteSize("1EB"), 1LL << 60);
  EXPECT_EQ(*ParseByteSize("1.5GB"), 3LL << 29);
  EXPECT_EQ(*ParseByteSize("1GB512MB"), (1LL << 30) + (512LL << 20));
}

TEST(ParseByteSize, RejectsMissingOrUnknownUnits) {
  for (const char* bad : {"", "12", "MB", "1XB", "1 MB", "1mb", "1iB", "-1MB", "16EB"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(FormatByteSize, AsPrometheusShowsFlags) {
  EXPECT_EQ(FormatByteSize(0), "0B");
  EXPECT_EQ(FormatByteSize(100), "100B");
  EXPECT_EQ(FormatByteSize(1024), "1KiB");
  EXPECT_EQ(FormatByteSize(1536), "1KiB512B");
  EXPECT_EQ(FormatByteSize(512LL << 20), "512MiB");
  EXPECT_EQ(FormatByteSize(1LL << 40), "1TiB");
}

}  // namespace
}  // namespace tsdbd
