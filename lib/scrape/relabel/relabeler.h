// Relabeling: relabel_configs, metric_relabel_configs, write_relabel_configs and
// alert_relabel_configs applied to a label set, as Prometheus 2.42 does.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/relabel_config.h"
#include "lib/model/labels.h"

namespace re2 {
class RE2;
}

namespace tsdbd::scrape::relabel {

// A list of rules prepared for repeated use: label names are interned once. Keeps its own
// copy of the rules (sharing their compiled regexes), so the configs need not outlive it.
// Not thread-safe: it keeps scratch buffers and a small per-rule cache of results by input
// (256 slots, ~7 KiB a rule, allocated on first use) between calls: one per scrape loop.
class Relabeler {
 public:
  explicit Relabeler(std::span<const config::RelabelConfig> rules);
  ~Relabeler();
  Relabeler(const Relabeler&) = delete;
  Relabeler& operator=(const Relabeler&) = delete;

  // Applies every rule in order, each to the result of the one before. nullopt when a
  // keep, drop, keepequal or dropequal rule dropped the label set. When no rule changes
  // anything the result shares `in` (no allocation).
  std::optional<Labels> Process(const Labels& in);

  bool empty() const;

 private:
  struct Rule;
  static constexpr size_t kMaxCachedSources = 4;
  using CacheKey = std::array<SymbolId, kMaxCachedSources>;
  struct CacheSlot;
  // Rule application; false when the rule drops the label set.
  bool Apply(const Rule& rule);
  bool Matches(const Rule& rule);  // the regex matches the joined source values
  bool NameMatches(const Rule& rule, SymbolId name);
  bool Submatches(const re2::RE2& re, std::string_view text);  // fills the scratch groups
  void Replace(const Rule& rule);
  void LabelMap(const Rule& rule);
  std::string_view SourceValue(const Rule& rule);
  // The cache slot for `key` in the rule's cache; *hit tells whether it holds key's result
  // (otherwise it is claimed for key and empty).
  CacheSlot* Slot(const Rule& rule, const CacheKey& key, bool* hit);
  // The ids of the rule's source values; false when there are too many to cache.
  bool SourceKey(const Rule& rule, CacheKey* key) const;
  // The label set as the rules have made it so far, and accessors to it.
  std::span<const LabelPair> Current() const;
  std::string_view Get(SymbolId name) const;
  SymbolId GetId(SymbolId name) const;  // 0 (the empty string) when absent
  void Set(SymbolId name, std::string_view value);
  void SetId(SymbolId name, SymbolId value);  // value 0 deletes
  void Del(SymbolId name);
  void StartWriting();

  std::vector<Rule> rules_;
  size_t max_groups_ = 0;  // most capturing groups of any rule's regex, plus one
  // Per-call state: the input, and once a rule changed something the working copy.
  const Labels* in_ = nullptr;
  bool modified_ = false;
  std::vector<LabelPair> work_;  // sorted by name when modified_
  struct Scratch;                // buffers kept between calls to avoid allocating
  std::unique_ptr<Scratch> scratch_;
};

// One-shot form of Relabeler::Process (prepares the rules on every call).
std::optional<Labels> Process(const Labels& in, std::span<const config::RelabelConfig> rules);

}  // namespace tsdbd::scrape::relabel
