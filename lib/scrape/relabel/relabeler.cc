#include "lib/scrape/relabel/relabeler.h"

#include <re2/re2.h>

#include <algorithm>
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

}  // namespace

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
  const std::span<const LabelPair> cur = Current();
  auto it =
      std::find_if(cur.begin(), cur.end(), [&](const LabelPair& p) { return p.name == name; });
  if (it != cur.end() && Table().Get(it->value) == value) return;
  const SymbolId v = SymbolTable::Global().Intern(value);
  const size_t index = static_cast<size_t>(it - cur.begin());
  StartWriting();
  if (index < work_.size()) {
    work_[index].value = v;
    return;
  }
  const LabelPair pair{name, v};
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

bool Relabeler::Apply(const Rule& rule) {
  Scratch& s = *scratch_;
  const re2::RE2& re = *rule.regex;
  switch (rule.action) {
    case RelabelAction::kDrop:
      return !FullMatch(re, SourceValue(rule));
    case RelabelAction::kKeep:
      return FullMatch(re, SourceValue(rule));
    case RelabelAction::kDropEqual:
      return SourceValue(rule) != Get(rule.target);
    case RelabelAction::kKeepEqual:
      return SourceValue(rule) == Get(rule.target);
    case RelabelAction::kReplace: {
      const std::string_view val = SourceValue(rule);
      const int n = re.NumberOfCapturingGroups() + 1;
      if (!re.Match(re2::StringPiece(val.data(), val.size()), 0, val.size(), re2::RE2::UNANCHORED,
                    s.pieces.data(), n)) {
        return true;
      }
      for (int i = 0; i < n; ++i) {
        s.groups[i] = std::string_view(s.pieces[i].data(), s.pieces[i].size());
      }
      const std::span<const std::string_view> groups(s.groups.data(), n);
      SymbolId target = rule.target;
      if (rule.target_expands) {
        s.target.clear();
        Expand(rule.target_template, re, groups, &s.target);
        if (!IsValidLabelName(s.target)) return true;
        target = SymbolTable::Global().Intern(s.target);
      }
      if (!rule.replacement_expands) {
        Set(target, rule.replacement);
        return true;
      }
      s.value.clear();
      Expand(rule.replacement, re, groups, &s.value);
      Set(target, s.value);
      return true;
    }
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
    case RelabelAction::kLabelMap: {
      const std::span<const LabelPair> cur = Current();
      s.snapshot.assign(cur.begin(), cur.end());
      const int n = re.NumberOfCapturingGroups() + 1;
      for (const LabelPair& p : s.snapshot) {
        const std::string_view name = Table().Get(p.name);
        if (!re.Match(re2::StringPiece(name.data(), name.size()), 0, name.size(),
                      re2::RE2::UNANCHORED, s.pieces.data(), n)) {
          continue;
        }
        for (int i = 0; i < n; ++i) {
          s.groups[i] = std::string_view(s.pieces[i].data(), s.pieces[i].size());
        }
        s.target.clear();
        Expand(rule.replacement, re, std::span<const std::string_view>(s.groups.data(), n),
               &s.target);
        Set(SymbolTable::Global().Intern(s.target), Table().Get(p.value));
      }
      return true;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      const bool drop_matching = rule.action == RelabelAction::kLabelDrop;
      const std::span<const LabelPair> cur = Current();
      const bool any = std::any_of(cur.begin(), cur.end(), [&](const LabelPair& p) {
        return FullMatch(re, Table().Get(p.name)) == drop_matching;
      });
      if (!any) return true;
      StartWriting();
      std::erase_if(work_, [&](const LabelPair& p) {
        return FullMatch(re, Table().Get(p.name)) == drop_matching;
      });
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
