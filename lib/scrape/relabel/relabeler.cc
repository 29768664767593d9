#include "lib/scrape/relabel/relabeler.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "lib/model/names.h"
#include "lib/scrape/relabel/case_mapping.h"
#include "lib/scrape/relabel/expand.h"
#include "lib/scrape/relabel/hashmod.h"

namespace tsdbd::scrape::relabel {
namespace {

using config::RelabelAction;

const SymbolTable& Table() {
  return SymbolTable::Global();
}

bool FullMatch(const re2::RE2& re, std::string_view s) {
  return re.Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::UNANCHORED, nullptr,
                  0);
}

bool NameLess(const LabelPair& a, const LabelPair& b) {
  return Table().Get(a.name) < Table().Get(b.name);
}

constexpr size_t kCacheSlots = 256;  // a power of two

size_t SlotIndex(const std::array<SymbolId, 4>& key) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (const SymbolId id : key) h = (h ^ id) * 0xff51afd7ed558ccdull;
  return static_cast<size_t>(h >> 56) & (kCacheSlots - 1);
}

// Four compares; std::array's operator== calls memcmp, which dominated a profile.
bool SameKey(const std::array<SymbolId, 4>& a, const std::array<SymbolId, 4>& b) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

// States stored in a slot.
constexpr uint32_t kNoMatch = 1;  // keep/drop/labeldrop/labelkeep: false; replace/labelmap: no-op
constexpr uint32_t kMatch = 2;    // keep/drop/labeldrop/labelkeep: true
constexpr uint32_t kWrite = 3;    // replace/labelmap: set label a to value b (0: delete)

}  // namespace

struct Relabeler::CacheSlot {
  CacheKey key;
  uint32_t state = 0;  // 0: empty; otherwise what the rule's action stored
  SymbolId a = 0;
  SymbolId b = 0;
};

struct Relabeler::Rule {
  RelabelAction action;
  std::vector<SymbolId> sources;
  std::string separator;
  std::shared_ptr<const re2::RE2> regex;
  uint64_t modulus;
  std::string target_template;  // target_label as written
  SymbolId target;              // interned target_label when it needs no expansion
  bool target_expands;          // target_label holds a "$"
  std::string replacement;
  bool replacement_expands;  // replacement holds a "$"
  // Results by input (source value ids, or a label name id): regex matching dominates the
  // cost otherwise, and names and most values repeat across series. Direct-mapped, so its
  // memory is fixed; allocated on first use.
  mutable std::unique_ptr<CacheSlot[]> cache;
};

struct Relabeler::Scratch {
  std::vector<LabelPair> snapshot;       // the label set as a rule started
  std::vector<re2::StringPiece> pieces;  // submatches, as RE2 fills them
  std::vector<std::string_view> groups;  // the same, for Expand
  std::string joined;                    // source values joined by the separator
  std::string target;                    // expanded target label
  std::string value;                     // expanded or mapped value
};

Relabeler::Relabeler(std::span<const config::RelabelConfig> rules)
    : scratch_(std::make_unique<Scratch>()) {
  SymbolTable& table = SymbolTable::Global();
  rules_.reserve(rules.size());
  for (const config::RelabelConfig& c : rules) {
    Rule r;
    r.action = c.action;
    for (const std::string& s : c.source_labels) r.sources.push_back(table.Intern(s));
    r.separator = c.separator;
    r.regex = c.regex;
    if (!r.regex) r.regex = config::CompileAnchoredRegex(c.regex_text, nullptr);
    if (!r.regex) r.regex = config::CompileAnchoredRegex("(.*)", nullptr);
    r.modulus = c.modulus;
    r.target_template = c.target_label;
    r.target_expands = c.target_label.find('$') != std::string::npos;
    r.target = table.Intern(c.target_label);
    r.replacement = c.replacement;
    r.replacement_expands = c.replacement.find('$') != std::string::npos;
    max_groups_ =
        std::max(max_groups_, static_cast<size_t>(r.regex->NumberOfCapturingGroups()) + 1);
    rules_.push_back(std::move(r));
  }
  scratch_->pieces.resize(max_groups_);
  scratch_->groups.resize(max_groups_);
}

Relabeler::~Relabeler() = default;

bool Relabeler::empty() const {
  return rules_.empty();
}

std::span<const LabelPair> Relabeler::Current() const {
  return modified_ ? std::span<const LabelPair>(work_) : in_->pairs();
}

std::string_view Relabeler::Get(SymbolId name) const {
  for (const LabelPair& p : Current()) {
    if (p.name == name) return Table().Get(p.value);
  }
  return {};
}

SymbolId Relabeler::GetId(SymbolId name) const {
  for (const LabelPair& p : Current()) {
    if (p.name == name) return p.value;
  }
  return 0;  // the empty string
}

Relabeler::CacheSlot* Relabeler::Slot(const Rule& rule, const CacheKey& key, bool* hit) {
  if (!rule.cache) rule.cache = std::make_unique<CacheSlot[]>(kCacheSlots);
  CacheSlot* slot = &rule.cache[SlotIndex(key)];
  *hit = slot->state != 0 && SameKey(slot->key, key);
  if (!*hit) {
    slot->key = key;
    slot->state = 0;
  }
  return slot;
}

bool Relabeler::SourceKey(const Rule& rule, CacheKey* key) const {
  if (rule.sources.size() > kMaxCachedSources) return false;
  key->fill(0);
  for (size_t i = 0; i < rule.sources.size(); ++i) (*key)[i] = GetId(rule.sources[i]);
  return true;
}

void Relabeler::StartWriting() {
  if (modified_) return;
  work_.assign(in_->pairs().begin(), in_->pairs().end());
  modified_ = true;
}

void Relabeler::Set(SymbolId name, std::string_view value) {
  if (value.empty()) {
    Del(name);
    return;
  }
  if (Table().Get(GetId(name)) == value) return;  // unchanged: nothing to intern
  SetId(name, SymbolTable::Global().Intern(value));
}

void Relabeler::SetId(SymbolId name, SymbolId value) {
  if (value == 0) {
    Del(name);
    return;
  }
  const std::span<const LabelPair> cur = Current();
  auto it =
      std::find_if(cur.begin(), cur.end(), [&](const LabelPair& p) { return p.name == name; });
  if (it != cur.end() && it->value == value) return;
  const size_t index = static_cast<size_t>(it - cur.begin());
  StartWriting();
  if (index < work_.size()) {
    work_[index].value = value;
    return;
  }
  const LabelPair pair{name, value};
  work_.insert(std::upper_bound(work_.begin(), work_.end(), pair, NameLess), pair);
}

void Relabeler::Del(SymbolId name) {
  const std::span<const LabelPair> cur = Current();
  auto it =
      std::find_if(cur.begin(), cur.end(), [&](const LabelPair& p) { return p.name == name; });
  if (it == cur.end()) return;
  const size_t index = static_cast<size_t>(it - cur.begin());
  StartWriting();
  work_.erase(work_.begin() + static_cast<std::ptrdiff_t>(index));
}

std::string_view Relabeler::SourceValue(const Rule& rule) {
  if (rule.sources.empty()) return {};
  if (rule.sources.size() == 1) return Get(rule.sources[0]);
  std::string& joined = scratch_->joined;
  joined.clear();
  for (size_t i = 0; i < rule.sources.size(); ++i) {
    if (i > 0) joined.append(rule.separator);
    joined.append(Get(rule.sources[i]));
  }
  return joined;
}

bool Relabeler::Matches(const Rule& rule) {
  CacheKey key;
  if (!SourceKey(rule, &key)) return FullMatch(*rule.regex, SourceValue(rule));
  bool hit = false;
  CacheSlot* slot = Slot(rule, key, &hit);
  if (!hit) slot->state = FullMatch(*rule.regex, SourceValue(rule)) ? kMatch : kNoMatch;
  return slot->state == kMatch;
}

bool Relabeler::NameMatches(const Rule& rule, SymbolId name) {
  bool hit = false;
  CacheSlot* slot = Slot(rule, CacheKey{name, 0, 0, 0}, &hit);
  if (!hit) slot->state = FullMatch(*rule.regex, Table().Get(name)) ? kMatch : kNoMatch;
  return slot->state == kMatch;
}

bool Relabeler::Submatches(const re2::RE2& re, std::string_view text) {
  Scratch& s = *scratch_;
  const int n = re.NumberOfCapturingGroups() + 1;
  if (!re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED,
                s.pieces.data(), n)) {
    return false;
  }
  for (int i = 0; i < n; ++i) {
    s.groups[i] = std::string_view(s.pieces[i].data(), s.pieces[i].size());
  }
  return true;
}

void Relabeler::Replace(const Rule& rule) {
  CacheKey key;
  CacheSlot* slot = nullptr;
  if (SourceKey(rule, &key)) {
    bool hit = false;
    slot = Slot(rule, key, &hit);
    if (hit) {
      if (slot->state == kWrite) SetId(slot->a, slot->b);
      return;
    }
  }
  Scratch& s = *scratch_;
  const re2::RE2& re = *rule.regex;
  const auto no_op = [&] {
    if (slot) slot->state = kNoMatch;
  };
  if (!Submatches(re, SourceValue(rule))) return no_op();
  const std::span<const std::string_view> groups(s.groups.data(), re.NumberOfCapturingGroups() + 1);
  SymbolId target = rule.target;
  if (rule.target_expands) {
    s.target.clear();
    Expand(rule.target_template, re, groups, &s.target);
    if (!IsValidLabelName(s.target)) return no_op();
    target = SymbolTable::Global().Intern(s.target);
  }
  std::string_view value = rule.replacement;
  if (rule.replacement_expands) {
    s.value.clear();
    Expand(rule.replacement, re, groups, &s.value);
    value = s.value;
  }
  const SymbolId value_id = value.empty() ? 0 : SymbolTable::Global().Intern(value);
  if (slot) {
    slot->state = kWrite;
    slot->a = target;
    slot->b = value_id;
  }
  SetId(target, value_id);
}

void Relabeler::LabelMap(const Rule& rule) {
  Scratch& s = *scratch_;
  const std::span<const LabelPair> cur = Current();
  s.snapshot.assign(cur.begin(), cur.end());
  for (const LabelPair& p : s.snapshot) {
    bool hit = false;
    CacheSlot* slot = Slot(rule, CacheKey{p.name, 0, 0, 0}, &hit);
    if (!hit) {
      slot->state = kNoMatch;
      if (Submatches(*rule.regex, Table().Get(p.name))) {
        s.target.clear();
        Expand(rule.replacement, *rule.regex,
               std::span<const std::string_view>(s.groups.data(),
                                                 rule.regex->NumberOfCapturingGroups() + 1),
               &s.target);
        slot->state = kWrite;
        slot->a = SymbolTable::Global().Intern(s.target);
      }
    }
    if (slot->state == kWrite) SetId(slot->a, p.value);
  }
}

bool Relabeler::Apply(const Rule& rule) {
  Scratch& s = *scratch_;
  switch (rule.action) {
    case RelabelAction::kDrop:
      return !Matches(rule);
    case RelabelAction::kKeep:
      return Matches(rule);
    case RelabelAction::kDropEqual:
      return SourceValue(rule) != Get(rule.target);
    case RelabelAction::kKeepEqual:
      return SourceValue(rule) == Get(rule.target);
    case RelabelAction::kReplace:
      Replace(rule);
      return true;
    case RelabelAction::kLowercase:
      ToLower(SourceValue(rule), &s.value);
      Set(rule.target, s.value);
      return true;
    case RelabelAction::kUppercase:
      ToUpper(SourceValue(rule), &s.value);
      Set(rule.target, s.value);
      return true;
    case RelabelAction::kHashMod: {
      const uint64_t mod = HashMod(SourceValue(rule), rule.modulus == 0 ? 1 : rule.modulus);
      char buf[24];
      const auto res = std::to_chars(buf, buf + sizeof(buf), mod);
      Set(rule.target, std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
      return true;
    }
    case RelabelAction::kLabelMap:
      LabelMap(rule);
      return true;
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      const bool drop_matching = rule.action == RelabelAction::kLabelDrop;
      const std::span<const LabelPair> cur = Current();
      const bool any = std::any_of(cur.begin(), cur.end(), [&](const LabelPair& p) {
        return NameMatches(rule, p.name) == drop_matching;
      });
      if (!any) return true;
      StartWriting();
      std::erase_if(work_,
                    [&](const LabelPair& p) { return NameMatches(rule, p.name) == drop_matching; });
      return true;
    }
  }
  return true;
}

std::optional<Labels> Relabeler::Process(const Labels& in) {
  in_ = &in;
  modified_ = false;
  bool keep = true;
  for (const Rule& rule : rules_) {
    if (!Apply(rule)) {
      keep = false;
      break;
    }
  }
  std::optional<Labels> out;
  if (keep) out = modified_ ? Labels::FromSortedPairs(work_) : in;
  in_ = nullptr;
  modified_ = false;
  return out;
}

std::optional<Labels> Process(const Labels& in, std::span<const config::RelabelConfig> rules) {
  Relabeler relabeler(rules);
  return relabeler.Process(in);
}

}  // namespace tsdbd::scrape::relabel
