#include "lib/net/gzip_decoder.h"

#include <zlib.h>

#include "gtest/gtest.h"
#include "lib/net/client_auth.h"

namespace tsdbd::net {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(GzipDecoderTest, DecodesInPiecesAndSeveralMembers) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "metric_" + std::to_string(i) + " 1\n";
  std::string encoded = Gzip(text) + Gzip("tail\n");
  GzipDecoder decoder(0);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 7) {
    ASSERT_TRUE(decoder.Feed(std::string_view(encoded).substr(i, 7), &out).ok());
  }
  EXPECT_TRUE(decoder.Finish().ok());
  EXPECT_EQ(out, text + "tail\n");
}

TEST(GzipDecoderTest, Errors) {
  std::string out;
  GzipDecoder bad_header(0);
  EXPECT_EQ(bad_header.Feed("plain text", &out).message(), "gzip: invalid header");

  std::string encoded = Gzip(std::string(1000, 'z'));
  GzipDecoder truncated(0);
  ASSERT_TRUE(truncated.Feed(std::string_view(encoded).substr(0, encoded.size() / 2), &out).ok());
  EXPECT_EQ(truncated.Finish().message(), "unexpected EOF");

  std::string corrupt = encoded;
  corrupt[12] ^= 0x55;
  corrupt[13] ^= 0x55;
  GzipDecoder broken(0);
  out.clear();
  Status st = broken.Feed(corrupt, &out);
  EXPECT_FALSE(st.ok() && broken.Finish().ok());

  GzipDecoder limited(999);
  out.clear();
  EXPECT_EQ(limited.Feed(encoded, &out).message(), "body size limit exceeded");
  GzipDecoder exact(1000);
  out.clear();
  EXPECT_TRUE(exact.Feed(encoded, &out).ok());
  EXPECT_EQ(out.size(), 1000u);
}

TEST(ClientAuthTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ClientAuthTest, NothingConfiguredMeansNoHeader) {
  auto v = AuthorizationValue({});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "");
}

}  // namespace
}  // namespace tsdbd::net
