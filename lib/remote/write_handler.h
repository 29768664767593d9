// The receiving side of remote write 1.0 (POST /api/v1/write), without HTTP: the HTTP layer
// passes the body and headers in and writes the outcome's status and body out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/remote/write_request.h"
#include "lib/storage/appender.h"

namespace tsdbd::remote {

struct WriteOptions {
  // Bodies announcing a larger decompressed size are refused (400) before decompression.
  // Prometheus 2.42 has no such bound; its own sender's requests are far below it.
  size_t max_decoded_bytes = 256u << 20;
};

struct WriteOutcome {
  // 204: everything appended and committed. 400: undecodable body, or a sample out of
  // order, out of bounds or a duplicate; nothing of the request was stored. 500: labels the
  // storage refused (empty, a name twice), a native histogram (not supported yet), or the
  // commit failed; nothing stored.
  int status = 204;
  // The text/plain body for status != 204: the error and a newline, worded as Prometheus 2.42.
  std::string body;

  size_t series = 0;             // decoded
  size_t samples_appended = 0;   // accepted by the appender (stored only when status is 204)
  size_t exemplars_skipped = 0;  // no exemplar storage yet: all are dropped
  size_t histograms = 0;         // native histogram samples in the request
  size_t metadata = 0;           // metric metadata entries, ignored as by Prometheus 2.42
};

// Buffers reused from one request to the next so that a steady stream of requests does not
// allocate. Not thread-safe: one per concurrent request (e.g. per connection).
struct WriteScratch {
  std::string decoded;  // the decompressed body
  WriteRequest request;
  std::vector<LabelPair> pairs;
};

// Decodes a snappy-compressed WriteRequest and appends all its samples with one appender of
// `db`, as Prometheus 2.42's write handler: the first refused sample rolls the whole request
// back and answers with its error; exemplars are dropped, metadata ignored. Like Prometheus
// 2.42, the Content-Encoding and Content-Type headers are not looked at: the body is always
// taken as snappy block format of protobuf. Thread-safe when each call has its own scratch.
WriteOutcome HandleWrite(std::string_view body, std::string_view content_encoding,
                         std::string_view content_type, storage::Appendable& db,
                         const WriteOptions& options = {}, WriteScratch* scratch = nullptr);

}  // namespace tsdbd::remote
