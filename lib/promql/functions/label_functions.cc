// label_replace and label_join.
#include <re2/re2.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lib/model/names.h"
#include "lib/promql/engine/eval_error.h"
#include "lib/promql/functions/function_impl.h"

namespace tsdbd::promql {
namespace {

const std::string& StringArg(const Call& call, size_t i) {
  const Expr* e = call.args[i].get();
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  return static_cast<const StringLiteral*>(e)->value;
}

// Go's regexp.Expand: $name, ${name}, $1, ${1} and $$; a malformed reference is literal.
void Expand(std::string& dst, std::string_view tmpl, const re2::RE2& re,
            const std::vector<std::string_view>& groups) {
  auto is_name = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  while (!tmpl.empty()) {
    const size_t i = tmpl.find('$');
    if (i == std::string_view::npos) break;
    dst.append(tmpl.substr(0, i));
    tmpl.remove_prefix(i);
    if (tmpl.size() > 1 && tmpl[1] == '$') {
      dst.push_back('$');
      tmpl.remove_prefix(2);
      continue;
    }
    std::string_view name;
    size_t consumed = 0;
    if (tmpl.size() > 1 && tmpl[1] == '{') {
      size_t j = 2;
      while (j < tmpl.size() && is_name(tmpl[j])) ++j;
      if (j < tmpl.size() && tmpl[j] == '}' && j > 2) {
        name = tmpl.substr(2, j - 2);
        consumed = j + 1;
      }
    } else {
      size_t j = 1;
      while (j < tmpl.size() && is_name(tmpl[j])) ++j;
      if (j > 1) {
        name = tmpl.substr(1, j - 1);
        consumed = j;
      }
    }
    if (consumed == 0) {
      dst.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    tmpl.remove_prefix(consumed);
    bool numeric = true;
    for (char c : name) numeric = numeric && c >= '0' && c <= '9';
    if (numeric && name.size() < 9) {
      const size_t n = std::stoul(std::string(name));
      if (n < groups.size()) dst.append(groups[n]);
      continue;
    }
    const auto& named = re.NamedCapturingGroups();
    auto it = named.find(std::string(name));
    if (it != named.end() && static_cast<size_t>(it->second) < groups.size()) {
      dst.append(groups[it->second]);
    }
  }
  dst.append(tmpl);
}

// Compiled label_replace regexes, by source text.
std::shared_ptr<const re2::RE2> CompileAnchored(const std::string& regex) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(regex);
  if (it != cache.end()) return it->second;
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>("^(?:" + regex + ")$", opts);
  if (cache.size() > 1000) cache.clear();
  cache.emplace(regex, re);
  return re;
}

}  // namespace

void FuncLabelReplace(std::span<const Vector> args, const Call& call, int64_t, Vector& out) {
  const std::string& dst = StringArg(call, 1);
  const std::string& repl = StringArg(call, 2);
  const std::string& src = StringArg(call, 3);
  const std::string& regex = StringArg(call, 4);
  auto re = CompileAnchored(regex);
  if (!re->ok()) {
    ThrowExecution("invalid regular expression in label_replace(): " + regex);
  }
  if (!IsValidLabelName(dst)) {
    ThrowExecution("invalid destination label name in label_replace(): " + dst);
  }
  const int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> pieces(ngroups);
  std::vector<std::string_view> groups(ngroups);
  for (const Sample& s : args[0]) {
    const std::string_view v = s.metric.Get(src);
    if (!re->Match(re2::StringPiece(v.data(), v.size()), 0, v.size(), re2::RE2::UNANCHORED,
                   pieces.data(), ngroups)) {
      out.push_back(s);
      continue;
    }
    for (int i = 0; i < ngroups; ++i)
      groups[i] = std::string_view(pieces[i].data(), pieces[i].size());
    std::string value;
    Expand(value, repl, *re, groups);
    out.push_back({LabelsBuilder(s.metric).Set(dst, value).Build(), s.t, s.v});
  }
}

void FuncLabelJoin(std::span<const Vector> args, const Call& call, int64_t, Vector& out) {
  const std::string& dst = StringArg(call, 1);
  const std::string& sep = StringArg(call, 2);
  std::vector<const std::string*> srcs;
  for (size_t i = 3; i < call.args.size(); ++i) {
    const std::string& src = StringArg(call, i);
    if (!IsValidLabelName(src)) {
      ThrowExecution("invalid source label name in label_join(): " + src);
    }
    srcs.push_back(&src);
  }
  if (!IsValidLabelName(dst)) {
    ThrowExecution("invalid destination label name in label_join(): " + dst);
  }
  for (const Sample& s : args[0]) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined.append(s.metric.Get(*srcs[i]));
    }
    out.push_back({LabelsBuilder(s.metric).Set(dst, joined).Build(), s.t, s.v});
  }
}

}  // namespace tsdbd::promql
