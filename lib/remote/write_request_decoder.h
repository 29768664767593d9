// Decoding of a remote-write WriteRequest from its protobuf bytes (already decompressed),
// without copying strings.
#pragma once

#include <string_view>

#include "lib/model/result.h"
#include "lib/remote/write_request.h"

namespace tsdbd::remote {

// Decodes `bytes` into *out (cleared first). out's strings are views into `bytes`, which
// must outlive them. Unknown fields are skipped; repeated scalars may come packed or not;
// the last of a repeated singular field wins. Every message is checked to the end, so an
// error means the whole request is malformed; its message is the one Prometheus 2.42 answers
// for the same bytes ("unexpected EOF", "proto: integer overflow",
// "proto: wrong wireType = 0 for field Value", ...). On error *out holds a partial request.
// Lengths are checked against the bytes before anything is reserved for them.
Status DecodeWriteRequest(std::string_view bytes, WriteRequest* out);

}  // namespace tsdbd::remote
