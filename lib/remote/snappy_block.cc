#include "lib/remote/snappy_block.h"

#include <snappy.h>

namespace tsdbd::remote {

void SnappyCompress(std::string_view raw, std::string* out) {
  out->clear();
  snappy::Compress(raw.data(), raw.size(), out);
}

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  SnappyCompress(raw, &out);
  return out;
}

Status SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes, std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return Error("snappy: corrupt input");
  }
  if (length > max_decoded_bytes) return Error("snappy: decoded block is too large");
  // The densest element, a 3-byte copy, yields 64 bytes: a block cannot expand more than
  // 64/3 times, so a larger claim is corrupt and must not cost an allocation.
  if (length / 22 > compressed.size()) return Error("snappy: corrupt input");
  out->resize(length);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out->data())) {
    out->clear();
    return Error("snappy: corrupt input");
  }
  return Status::Ok();
}

}  // namespace tsdbd::remote
