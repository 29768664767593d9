// Encoding of a remote-write WriteRequest to protobuf bytes (before snappy compression).
#pragma once

#include <string>

#include "lib/remote/write_request.h"

namespace tsdbd::remote {

// Appends the protobuf bytes of `request` to *out: fields in number order, proto3 defaults
// (empty strings, zero timestamps, values whose bits are all zero) left out as Prometheus's
// sender does. Series labels and samples are written in the request's order. Native
// histograms are not encoded (WriteRequest does not keep them).
void EncodeWriteRequest(const WriteRequest& request, std::string* out);
std::string EncodeWriteRequest(const WriteRequest& request);

}  // namespace tsdbd::remote
