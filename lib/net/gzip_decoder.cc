#include "lib/net/gzip_decoder.h"

#include <zlib.h>

#include <cstring>

namespace tsdbd::net {

struct GzipDecoder::Stream {
  z_stream z{};
  bool initialised = false;
  ~Stream() {
    if (initialised) inflateEnd(&z);
  }
};

GzipDecoder::GzipDecoder(int64_t limit) : stream_(std::make_unique<Stream>()), limit_(limit) {
  // 16 + MAX_WBITS: a gzip wrapper, not zlib's.
  if (inflateInit2(&stream_->z, 16 + MAX_WBITS) == Z_OK) stream_->initialised = true;
}

GzipDecoder::~GzipDecoder() = default;

Status GzipDecoder::Feed(std::string_view in, std::string* out) {
  if (!stream_->initialised) return Error("gzip: out of memory");
  z_stream& z = stream_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  unsigned char chunk[16384];
  while (z.avail_in > 0) {
    in_member_ = true;
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t got = sizeof chunk - z.avail_out;
    if (limit_ > 0 && produced_ + static_cast<int64_t>(got) > limit_) {
      return Error("body size limit exceeded");
    }
    produced_ += static_cast<int64_t>(got);
    out->append(reinterpret_cast<const char*>(chunk), got);
    if (rc == Z_STREAM_END) {
      in_member_ = false;
      inflateReset(&z);  // another member may follow
      continue;
    }
    if (rc == Z_DATA_ERROR) {
      const char* msg = z.msg != nullptr ? z.msg : "";
      if (std::strstr(msg, "header") != nullptr) return Error("gzip: invalid header");
      if (std::strstr(msg, "check") != nullptr) return Error("gzip: invalid checksum");
      return Error("flate: corrupt input");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Error("gzip: decoding failed");
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  return Status::Ok();
}

Status GzipDecoder::Finish() const {
  if (in_member_) return Error("unexpected EOF");
  return Status::Ok();
}

}  // namespace tsdbd::net
