#include "lib/tsdb/index/postings_index.h"

#include <algorithm>
#include <mutex>

namespace tsdbd::tsdb::index {
namespace {

// The id of an existing string; false for one no series has (queries never grow the table).
bool LookupSymbol(std::string_view s, SymbolId* id) {
  const std::optional<SymbolId> found = SymbolTable::Global().Find(s);
  if (found) *id = *found;
  return found.has_value();
}

std::vector<PostingsStat> TopN(std::vector<PostingsStat> all, size_t n) {
  auto by_count = [](const PostingsStat& a, const PostingsStat& b) {
    return a.count != b.count ? a.count > b.count : a.name < b.name;
  };
  if (all.size() > n) {
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                      by_count);
    all.resize(n);
  } else {
    std::sort(all.begin(), all.end(), by_count);
  }
  return all;
}

}  // namespace

void PostingsIndex::Add(uint64_t ref, const Labels& labels) {
  std::unique_lock lock(mu_);
  for (const LabelPair& p : labels.pairs()) m_[p.name][p.value].Insert(ref);
  all_.Insert(ref);
}

void PostingsIndex::Delete(std::span<const std::pair<uint64_t, Labels>> series) {
  if (series.empty()) return;
  // Group the refs by label pair so each list is rewritten once.
  std::unordered_map<uint64_t, std::vector<uint64_t>> by_pair;
  std::vector<uint64_t> all_refs;
  for (const auto& [ref, labels] : series) {
    all_refs.push_back(ref);
    for (const LabelPair& p : labels.pairs()) {
      by_pair[(uint64_t{p.name} << 32) | p.value].push_back(ref);
    }
  }
  auto remove = [](PostingsList& list, std::vector<uint64_t>& drop) {
    std::sort(drop.begin(), drop.end());
    list.RemoveIf([&](uint64_t r) { return std::binary_search(drop.begin(), drop.end(), r); });
  };
  std::unique_lock lock(mu_);
  for (auto& [key, refs] : by_pair) {
    auto n = m_.find(static_cast<SymbolId>(key >> 32));
    if (n == m_.end()) continue;
    auto v = n->second.find(static_cast<SymbolId>(key & 0xffffffffu));
    if (v == n->second.end()) continue;
    remove(v->second, refs);
    if (v->second.empty()) {
      n->second.erase(v);
      if (n->second.empty()) m_.erase(n);
    }
  }
  remove(all_, all_refs);
}

const PostingsIndex::ValueMap* PostingsIndex::Values(std::string_view name) const {
  SymbolId id;
  if (!LookupSymbol(name, &id)) return nullptr;
  auto it = m_.find(id);
  return it == m_.end() ? nullptr : &it->second;
}

PostingsPtr PostingsIndex::Get(std::string_view name, std::string_view value) const {
  SymbolId vid;
  if (!LookupSymbol(value, &vid)) return EmptyPostings();
  std::shared_lock lock(mu_);
  const ValueMap* values = Values(name);
  if (!values) return EmptyPostings();
  auto it = values->find(vid);
  if (it == values->end()) return EmptyPostings();
  return ListPostings(it->second);
}

PostingsPtr PostingsIndex::GetAny(std::string_view name,
                                  std::span<const std::string> values) const {
  std::vector<SymbolId> ids;
  ids.reserve(values.size());
  for (const std::string& v : values) {
    SymbolId id;
    if (LookupSymbol(v, &id)) ids.push_back(id);
  }
  std::vector<PostingsPtr> its;
  {
    std::shared_lock lock(mu_);
    const ValueMap* vm = Values(name);
    if (!vm) return EmptyPostings();
    for (SymbolId id : ids) {
      auto it = vm->find(id);
      if (it != vm->end()) its.push_back(ListPostings(it->second));
    }
  }
  return Merge(std::move(its));
}

PostingsPtr PostingsIndex::GetMatching(std::string_view name,
                                       const std::function<bool(std::string_view)>& keep) const {
  const SymbolTable& symbols = SymbolTable::Global();
  std::vector<PostingsPtr> its;
  {
    std::shared_lock lock(mu_);
    const ValueMap* vm = Values(name);
    if (!vm) return EmptyPostings();
    for (const auto& [vid, refs] : *vm) {
      if (keep(symbols.Get(vid))) its.push_back(ListPostings(refs));
    }
  }
  return Merge(std::move(its));
}

PostingsPtr PostingsIndex::All() const {
  std::shared_lock lock(mu_);
  return ListPostings(all_);
}

std::vector<std::string> PostingsIndex::LabelNames() const {
  const SymbolTable& symbols = SymbolTable::Global();
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(m_.size());
    for (const auto& [nid, values] : m_) out.emplace_back(symbols.Get(nid));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> PostingsIndex::LabelValues(std::string_view name) const {
  const SymbolTable& symbols = SymbolTable::Global();
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    const ValueMap* vm = Values(name);
    if (!vm) return out;
    out.reserve(vm->size());
    for (const auto& [vid, refs] : *vm) out.emplace_back(symbols.Get(vid));
  }
  std::sort(out.begin(), out.end());
  return out;
}

PostingsStats PostingsIndex::Stats(size_t top_n) const {
  const SymbolTable& symbols = SymbolTable::Global();
  const SymbolId metric_name = SymbolTable::Global().Intern(kMetricName);
  std::vector<PostingsStat> metrics, value_counts, memory, pairs;
  PostingsStats out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [nid, values] : m_) {
      std::string_view name = symbols.Get(nid);
      value_counts.push_back({std::string(name), values.size()});
      uint64_t bytes = 0;
      for (const auto& [vid, refs] : values) {
        std::string_view value = symbols.Get(vid);
        if (nid == metric_name) metrics.push_back({std::string(value), refs.size()});
        std::string pair;
        pair.reserve(name.size() + 1 + value.size());
        pair.append(name).append("=").append(value);
        pairs.push_back({std::move(pair), refs.size()});
        bytes += value.size();
      }
      memory.push_back({std::string(name), bytes});
      out.num_label_pairs += values.size();
    }
  }
  out.series_count_by_metric_name = TopN(std::move(metrics), top_n);
  out.label_value_count_by_label_name = TopN(std::move(value_counts), top_n);
  out.memory_in_bytes_by_label_name = TopN(std::move(memory), top_n);
  out.series_count_by_label_value_pair = TopN(std::move(pairs), top_n);
  return out;
}

size_t PostingsIndex::NumSeries() const {
  std::shared_lock lock(mu_);
  return all_.size();
}

size_t PostingsIndex::MemoryBytes() const {
  // unordered_map node: next pointer + key + value (+ cached hash), plus one bucket pointer.
  constexpr size_t kNodeOverhead = 2 * sizeof(void*) + sizeof(size_t);
  std::shared_lock lock(mu_);
  size_t bytes = all_.MemoryBytes();
  for (const auto& [nid, values] : m_) {
    bytes += kNodeOverhead + sizeof(nid) + sizeof(ValueMap);
    bytes += values.bucket_count() * sizeof(void*);
    for (const auto& [vid, refs] : values) {
      bytes += kNodeOverhead + sizeof(vid) + sizeof(refs) + refs.MemoryBytes();
    }
  }
  bytes += m_.bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace tsdbd::tsdb::index
