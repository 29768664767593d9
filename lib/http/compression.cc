#include "lib/http/compression.h"

#include <zlib.h>

#include <cstdlib>

#include "lib/http/request.h"
#include "lib/model/ascii.h"

namespace tsdbd::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The q value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent.
double Quality(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string value(Trim(p.substr(2)));
      char* end = nullptr;
      double q = std::strtod(value.c_str(), &end);
      if (end == value.c_str()) return 0;
      return q;
    }
  }
  return 1;
}

}  // namespace

ContentCoding NegotiateCoding(std::string_view accept_encoding) {
  double gzip = -1, deflate = -1, star = -1;  // -1: not listed
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = Trim(element.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : Quality(element.substr(semi + 1));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = q;
    } else if (EqualsIgnoreCase(coding, "deflate")) {
      deflate = q;
    } else if (coding == "*") {
      star = q;
    }
  }
  if (gzip < 0) gzip = star;
  if (deflate < 0) deflate = star;
  if (gzip > 0) return ContentCoding::kGzip;
  if (deflate > 0) return ContentCoding::kDeflate;
  return ContentCoding::kIdentity;
}

std::string_view CodingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip:
      return "gzip";
    case ContentCoding::kDeflate:
      return "deflate";
    case ContentCoding::kIdentity:
      break;
  }
  return "";
}

std::string Compress(std::string_view body, ContentCoding coding) {
  if (coding == ContentCoding::kIdentity) return std::string(body);
  z_stream z{};
  // windowBits 15 gives the zlib format; +16 gives gzip.
  int window_bits = coding == ContentCoding::kGzip ? 15 + 16 : 15;
  // Level 1: responses are compressed on the I/O threads; speed matters more than size.
  int rc = deflateInit2(&z, 1, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) std::abort();  // only on out-of-memory or bad arguments
  std::string out;
  out.resize(deflateBound(&z, body.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  rc = deflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END) std::abort();  // deflateBound guarantees room
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace tsdbd::http
