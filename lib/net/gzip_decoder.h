// Streaming gzip decoding (RFC 1952, several members in a row as Go's reader accepts) with a
// bound on the decoded size. No Asio in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd::net {

class GzipDecoder {
 public:
  // `limit`: the most decoded bytes accepted (0: unbounded).
  explicit GzipDecoder(int64_t limit);
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Decodes `in` onto the end of *out. Errors: "body size limit exceeded" past the limit,
  // "gzip: invalid header", "flate: corrupt input", as Go's reader words them.
  Status Feed(std::string_view in, std::string* out);

  // After the last Feed: an "unexpected EOF" error when a member is incomplete.
  Status Finish() const;

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  int64_t limit_;
  int64_t produced_ = 0;
  bool in_member_ = false;  // inside a gzip member (its header or body was started)
};

}  // namespace tsdbd::net
