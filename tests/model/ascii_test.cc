#include "lib/model/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace tsdbd {
namespace {

TEST(EqualsIgnoreCase, FoldsAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("NaN", "nan"));
  EXPECT_TRUE(EqualsIgnoreCase("INF", "iNf"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("x-1_2.3", "X-1_2.3"));
}

TEST(EqualsIgnoreCase, DiffersOnLengthAndOtherBytes) {
  EXPECT_FALSE(EqualsIgnoreCase("inf", "infinity"));
  EXPECT_FALSE(EqualsIgnoreCase("gzip", "gzip "));
  EXPECT_FALSE(EqualsIgnoreCase("", "a"));
  EXPECT_FALSE(EqualsIgnoreCase("nan", "nam"));
  // Only A-Z fold: '@' (0x40) and '`' (0x60), '[' (0x5B) and '{' (0x7B) stay apart.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  // No Unicode folding: the Kelvin sign (U+212A) is not 'k', 'É' is not 'é'.
  EXPECT_FALSE(EqualsIgnoreCase("\xE2\x84\xAA", "k"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\x89", "\xC3\xA9"));
  // Bytes at and above 0x80 compare as is.
  EXPECT_TRUE(EqualsIgnoreCase(std::string("\xC3\xA9X"), std::string("\xC3\xA9x")));
}

}  // namespace
}  // namespace tsdbd
