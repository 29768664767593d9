// Helpers for the block file tests: a promtool-written block to compare against, and a
// sequential scan of a chunk segment (the block index is not needed to find its chunks).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace tsdbd::tsdb::block::testutil {

// Writes an OpenMetrics file of `series` gauge series m{s="<i>"} with `samples` samples
// each, 10 s apart from start_s (seconds, a multiple of 2h so that up to 720 samples make one block), value i * 1.5 + series index; runs
// `promtool tsdb create-blocks-from openmetrics` into dir/out and returns the path of the
// one block it wrote, or "" (with a test failure) when that did not work.
inline std::string PromtoolBlock(const std::string& dir, int series, int samples,
                                 int64_t start_s = 1699999200) {
  std::string om = "# HELP m a metric\n# TYPE m gauge\n";
  for (int s = 0; s < series; ++s) {
    for (int i = 0; i < samples; ++i) {
      om += "m{s=\"" + std::to_string(s) + "\"} " + std::to_string(i * 1.5 + s) + " " +
            std::to_string(start_s + i * 10) + "\n";
    }
  }
  om += "# EOF\n";
  const std::string om_path = dir + "/in.om";
  {
    FILE* f = std::fopen(om_path.c_str(), "w");
    if (f == nullptr) {
      ADD_FAILURE() << "cannot write " << om_path;
      return "";
    }
    std::fwrite(om.data(), 1, om.size(), f);
    std::fclose(f);
  }
  const std::string out = dir + "/out";
  auto r = testing::Run({"promtool", "tsdb", "create-blocks-from", "openmetrics", om_path, out});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "promtool failed: " << r.output;
    return "";
  }
  std::vector<std::string> blocks;
  for (const auto& e : std::filesystem::directory_iterator(out)) blocks.push_back(e.path());
  if (blocks.size() != 1) {
    ADD_FAILURE() << "promtool wrote " << blocks.size() << " blocks";
    return "";
  }
  return blocks[0];
}

struct ScannedChunk {
  uint64_t offset = 0;
  uint8_t encoding = 0;
  std::vector<uint8_t> data;
};

// Walks a segment file's chunks one after another (no CRC check: that is the reader's job).
inline std::vector<ScannedChunk> ScanSegment(const std::string& bytes) {
  std::vector<ScannedChunk> out;
  size_t pos = 8;
  while (pos < bytes.size()) {
    uint64_t len = 0;
    int shift = 0;
    uint8_t b;
    ScannedChunk c;
    c.offset = pos;
    do {
      b = static_cast<uint8_t>(bytes[pos++]);
      len |= uint64_t{b & 0x7fu} << shift;
      shift += 7;
    } while (b >= 0x80 && pos < bytes.size());
    if (pos + 1 + len + 4 > bytes.size()) {
      ADD_FAILURE() << "segment truncated at " << c.offset;
      break;
    }
    c.encoding = static_cast<uint8_t>(bytes[pos++]);
    c.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                  bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len + 4;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tsdbd::tsdb::block::testutil
