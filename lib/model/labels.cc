#include "lib/model/labels.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "lib/model/go_quote.h"
#include "lib/model/hash.h"

namespace tsdbd {
namespace {

const SymbolTable& Table() {
  return SymbolTable::Global();
}

// Chains a pair onto h by the hashes the table keeps of its strings: no string is read.
uint64_t HashPair(uint64_t h, const LabelPair& p) {
  const uint64_t words[3] = {h, Table().HashOf(p.name), Table().HashOf(p.value)};
  return HashBytes(std::string_view(reinterpret_cast<const char*>(words), sizeof words));
}

// Whether the pairs are as a Labels holds them: sorted by name, no name twice, no empty value.
bool AreCanonical(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].second.empty()) return false;
    if (i > 0 && !(pairs[i - 1].first < pairs[i].first)) return false;
  }
  return true;
}

bool Contains(std::span<const std::string> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Labels::Rep* Labels::Allocate(uint32_t size) {
  const size_t bytes = sizeof(Rep) + (size == 0 ? 0 : size - 1) * sizeof(LabelPair);
  void* mem = std::malloc(bytes);
  if (mem == nullptr) throw std::bad_alloc();
  Rep* rep = static_cast<Rep*>(mem);
  new (&rep->refs) std::atomic<uint32_t>(1);
  rep->size = size;
  return rep;
}

void Labels::Unref() {
  if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) std::free(rep_);
  rep_ = nullptr;
}

Labels& Labels::operator=(const Labels& other) noexcept {
  if (rep_ != other.rep_) {
    other.Ref();
    Unref();
    rep_ = other.rep_;
  }
  return *this;
}

Labels& Labels::operator=(Labels&& other) noexcept {
  if (this != &other) {
    Unref();
    rep_ = std::exchange(other.rep_, nullptr);
  }
  return *this;
}

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs)
    : Labels(FromPairs(std::span(pairs.begin(), pairs.size()))) {}

Labels Labels::FromPairs(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  if (AreCanonical(pairs)) {  // as stored labels come back (a WAL, a block): no sorting
    Labels l;
    if (pairs.empty()) return l;
    l.rep_ = Allocate(static_cast<uint32_t>(pairs.size()));
    SymbolTable& table = SymbolTable::Global();
    for (size_t i = 0; i < pairs.size(); ++i) {
      l.rep_->pairs[i] = {table.Intern(pairs[i].first), table.Intern(pairs[i].second)};
    }
    return l;
  }
  LabelsBuilder b;
  for (const auto& [name, value] : pairs) b.Set(name, value);
  return b.Build();
}

Labels Labels::FromSortedPairs(std::span<const LabelPair> pairs) {
  Labels l;
  if (pairs.empty()) return l;
  l.rep_ = Allocate(static_cast<uint32_t>(pairs.size()));
  std::copy(pairs.begin(), pairs.end(), l.rep_->pairs);
  return l;
}

Label Labels::operator[](size_t i) const {
  const LabelPair& p = rep_->pairs[i];
  return {Table().Get(p.name), Table().Get(p.value)};
}

Label Labels::Iterator::operator*() const {
  return {Table().Get(p_->name), Table().Get(p_->value)};
}

std::string_view Labels::Get(std::string_view name) const {
  for (const LabelPair& p : pairs()) {
    if (Table().Get(p.name) == name) return Table().Get(p.value);
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  return !Get(name).empty();
}

uint64_t Labels::Hash() const {
  uint64_t h = 0;
  for (const LabelPair& p : pairs()) h = HashPair(h, p);
  return h;
}

uint64_t Labels::HashForLabels(std::span<const std::string> names) const {
  uint64_t h = 0;
  for (const LabelPair& p : pairs()) {
    if (Contains(names, Table().Get(p.name))) h = HashPair(h, p);
  }
  return h;
}

uint64_t Labels::HashWithoutLabels(std::span<const std::string> names) const {
  uint64_t h = 0;
  for (const LabelPair& p : pairs()) {
    const std::string_view name = Table().Get(p.name);
    if (name != kMetricName && !Contains(names, name)) h = HashPair(h, p);
  }
  return h;
}

std::string Labels::ToString() const {
  std::string out = "{";
  bool first = true;
  for (const Label l : *this) {
    if (!first) out += ", ";
    first = false;
    out.append(l.name);
    out.push_back('=');
    AppendGoQuoted(out, l.value);
  }
  out.push_back('}');
  return out;
}

int Compare(const Labels& a, const Labels& b) {
  const auto pa = a.pairs();
  const auto pb = b.pairs();
  const size_t n = std::min(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    if (pa[i].name != pb[i].name) {
      return Table().Get(pa[i].name) < Table().Get(pb[i].name) ? -1 : 1;
    }
    if (pa[i].value != pb[i].value) {
      return Table().Get(pa[i].value) < Table().Get(pb[i].value) ? -1 : 1;
    }
  }
  return pa.size() == pb.size() ? 0 : (pa.size() < pb.size() ? -1 : 1);
}

bool operator==(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return true;
  const auto pa = a.pairs();
  const auto pb = b.pairs();
  return std::equal(pa.begin(), pa.end(), pb.begin(), pb.end());
}

void LabelsBuilder::Reset(const Labels& base) {
  pairs_.assign(base.pairs().begin(), base.pairs().end());
}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  const SymbolId n = SymbolTable::Global().Intern(name);
  const SymbolId v = SymbolTable::Global().Intern(value);
  for (LabelPair& p : pairs_) {
    if (p.name == n) {
      p.value = v;
      return *this;
    }
  }
  pairs_.push_back({n, v});
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  std::erase_if(pairs_, [&](const LabelPair& p) { return Table().Get(p.name) == name; });
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const LabelPair& p : pairs_) {
    if (Table().Get(p.name) == name) return Table().Get(p.value);
  }
  return {};
}

Labels LabelsBuilder::Build() const {
  std::vector<LabelPair> sorted = pairs_;
  std::sort(sorted.begin(), sorted.end(), [](const LabelPair& a, const LabelPair& b) {
    return Table().Get(a.name) < Table().Get(b.name);
  });
  return Labels::FromSortedPairs(sorted);
}

}  // namespace tsdbd
