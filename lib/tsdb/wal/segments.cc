#include "lib/tsdb/wal/segments.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "fmt/format.h"

namespace tsdbd::tsdb::wal {
namespace fs = std::filesystem;

std::string SegmentName(int index) {
  return fmt::format("{:08d}", index);
}

std::string SegmentPath(const std::string& dir, int index) {
  return dir + "/" + SegmentName(index);
}

std::optional<int> ParseSegmentName(std::string_view name) {
  if (name.empty() ||
      !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || p != name.data() + name.size()) return std::nullopt;
  return v;
}

namespace {

template <typename Parse>
Result<std::vector<SegmentRef>> ListMatching(const std::string& dir, Parse parse) {
  std::vector<SegmentRef> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (auto idx = parse(name)) out.push_back(SegmentRef{*idx, dir + "/" + name});
  }
  if (ec) return Error("list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const SegmentRef& a, const SegmentRef& b) { return a.index < b.index; });
  return out;
}

}  // namespace

Result<std::vector<SegmentRef>> ListSegments(const std::string& dir) {
  auto segs = ListMatching(dir, ParseSegmentName);
  if (!segs.ok()) return segs;
  for (size_t i = 1; i < segs->size(); ++i) {
    if ((*segs)[i].index != (*segs)[i - 1].index + 1) {
      return Error(fmt::format("WAL segments in {} are not sequential: {} follows {}", dir,
                               SegmentName((*segs)[i].index), SegmentName((*segs)[i - 1].index)));
    }
  }
  return segs;
}

std::string CheckpointName(int index) {
  return std::string(kCheckpointPrefix) + SegmentName(index);
}

std::optional<int> ParseCheckpointName(std::string_view name) {
  if (!name.starts_with(kCheckpointPrefix)) return std::nullopt;
  return ParseSegmentName(name.substr(kCheckpointPrefix.size()));
}

Result<std::vector<SegmentRef>> ListCheckpoints(const std::string& dir) {
  auto all = ListMatching(dir, ParseCheckpointName);
  if (!all.ok()) return all;
  // A checkpoint is a directory; ignore a stray file with that name.
  std::erase_if(*all, [](const SegmentRef& r) {
    std::error_code ec;
    return !fs::is_directory(r.path, ec);
  });
  return all;
}

Result<std::optional<SegmentRef>> LastCheckpoint(const std::string& dir) {
  auto all = ListCheckpoints(dir);
  if (!all.ok()) return all.error();
  if (all->empty()) return std::optional<SegmentRef>();
  return std::optional<SegmentRef>(all->back());
}

}  // namespace tsdbd::tsdb::wal
