#include "lib/promql/testscript/script.h"

#include <cctype>
#include <string>

#include "lib/model/ascii.h"
#include "lib/model/duration.h"
#include "lib/promql/parser.h"

namespace tsdbd::promql::testscript {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Lines trimmed, comments blanked, as Prometheus's getLines.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = Trim(text.substr(start, nl - start));
    if (!l.empty() && l.front() == '#') l = {};
    out.push_back(l);
    start = nl + 1;
  }
  return out;
}

// Splits off the first whitespace-separated word.
std::string_view NextWord(std::string_view& s) {
  s = Trim(s);
  size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
  std::string_view w = s.substr(0, i);
  s = Trim(s.substr(i));
  return w;
}

Error LineError(size_t i, const std::string& message) {
  return Error(std::to_string(i + 1) + ": " + message);
}

// The evaluation time: a Prometheus duration after time 0 (no sign, as in 2.42).
Result<int64_t> ParseOffset(std::string_view text) {
  auto d = ParseDuration(text);
  if (!d.ok()) return d.error();
  return static_cast<int64_t>(d->count());
}

}  // namespace

Result<Script> ParseScript(std::string_view text) {
  const std::vector<std::string_view> lines = Lines(text);
  Script script;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view rest = lines[i];
    if (rest.empty()) continue;
    const std::string_view word = NextWord(rest);
    Command cmd;
    cmd.line = static_cast<int>(i + 1);
    if (EqualsIgnoreCase(word, "clear")) {
      cmd.kind = Command::Kind::kClear;
      if (!rest.empty()) return LineError(i, "clear takes no arguments");
    } else if (EqualsIgnoreCase(word, "load")) {
      cmd.kind = Command::Kind::kLoad;
      if (rest.empty()) return LineError(i, "invalid load command. (load <step:duration>)");
      auto step = ParseDuration(rest);
      if (!step.ok()) {
        return LineError(
            i, "invalid step definition \"" + std::string(rest) + "\": " + step.error().message());
      }
      cmd.load.step_ms = step->count();
      while (i + 1 < lines.size() && !lines[i + 1].empty()) {
        ++i;
        auto desc = ParseSeriesDesc(lines[i]);
        if (!desc.ok()) return LineError(i, desc.error().message());
        bool replaced = false;
        for (SeriesDesc& s : cmd.load.series) {
          if (s.labels == desc->labels) {
            s = std::move(*desc);
            replaced = true;
            break;
          }
        }
        if (!replaced) cmd.load.series.push_back(std::move(*desc));
      }
    } else if (word.size() >= 4 && EqualsIgnoreCase(word.substr(0, 4), "eval")) {
      cmd.kind = Command::Kind::kEval;
      EvalCommand& ev = cmd.eval;
      const std::string_view mod = word.substr(4);
      if (mod == "_fail") {
        ev.fail = true;
      } else if (mod == "_ordered") {
        ev.ordered = true;
      } else if (!mod.empty()) {
        return LineError(i,
                         "invalid evaluation command. (eval[_fail|_ordered] instant [at "
                         "<offset:duration>] <query>)");
      }
      if (NextWord(rest) != "instant") {
        return LineError(i,
                         "invalid evaluation command. (eval[_fail|_ordered] instant [at "
                         "<offset:duration>] <query>); 2.42 has no range evaluations");
      }
      std::string_view at;
      {
        std::string_view probe = rest;
        if (NextWord(probe) == "at") {
          rest = probe;
          at = NextWord(rest);
        }
      }
      if (rest.empty()) return LineError(i, "missing expression");
      auto t = ParseOffset(at.empty() ? "0s" : at);
      if (!t.ok()) {
        return LineError(
            i, "invalid evaluation time \"" + std::string(at) + "\": " + t.error().message());
      }
      ev.time_ms = *t;
      ev.expr = std::string(rest);
      if (auto e = ParseExpr(ev.expr); !e.ok()) return LineError(i, e.error().message());
      for (int pos = 1; i + 1 < lines.size() && !lines[i + 1].empty(); ++pos) {
        ++i;
        double v = 0;
        if (ParseScalar(lines[i], &v)) {
          ev.scalar = v;
          break;  // as in Prometheus, a scalar ends the expectations
        }
        auto desc = ParseSeriesDesc(lines[i]);
        if (!desc.ok()) return LineError(i, desc.error().message());
        if (desc->values.size() != 1 || desc->values[0].omitted) {
          return LineError(i, "an instant evaluation expects exactly one value per series");
        }
        ExpectedSample s{desc->labels, desc->values[0].value, pos, static_cast<int>(i + 1)};
        bool replaced = false;
        for (ExpectedSample& old : ev.samples) {
          if (old.labels == s.labels) {
            old = s;
            replaced = true;
            break;
          }
        }
        if (!replaced) ev.samples.push_back(std::move(s));
      }
    } else {
      return LineError(i, "invalid command \"" + std::string(lines[i]) + "\"");
    }
    script.commands.push_back(std::move(cmd));
  }
  return script;
}

}  // namespace tsdbd::promql::testscript
