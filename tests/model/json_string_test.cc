#include "lib/model/json_string.h"

#include <gtest/gtest.h>

#include <string>

namespace tsdbd {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(AppendJsonString, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(Json(""), R"("")");
  EXPECT_EQ(Json("01HXYZ abc_def:9090/x"), R"("01HXYZ abc_def:9090/x")");
  EXPECT_EQ(Json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  std::string prefix = "x";
  AppendJsonString(prefix, "y");
  EXPECT_EQ(prefix, R"(x"y")");  // appends
}

TEST(AppendJsonString, ShortEscapesAsGo) {
  EXPECT_EQ(Json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Json("\n\r\t"), R"("\n\r\t")");
  // Go 1.19 (Prometheus 2.42's) has no short form for \b and \f.
  EXPECT_EQ(Json("\b\f"), R"("\u0008\u000c")");
  EXPECT_EQ(Json(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Json("\x7f"), "\"\x7f\"");  // DEL is not escaped
}

TEST(AppendJsonString, HtmlSafeEscapes) {
  EXPECT_EQ(Json("<a href='x'>&</a>"), R"("\u003ca href='x'\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(Json("\xE2\x80\xA8|\xE2\x80\xA9|\xE2\x80\xAA"), "\"\\u2028|\\u2029|\xE2\x80\xAA\"");
}

TEST(AppendJsonString, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Json("a\xFFz"), R"("a\ufffdz")");
  EXPECT_EQ(Json("\x80"), R"("\ufffd")");                                // lone continuation byte
  EXPECT_EQ(Json("\xC3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(Json("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(Json("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate U+D800
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(Json("\xE2\x82x"), R"("\ufffd\ufffdx")");
}

}  // namespace
}  // namespace tsdbd
