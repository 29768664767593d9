#include "lib/promql/testscript/series_desc.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "lib/model/ascii.h"
#include "lib/model/value.h"
#include "lib/promql/parser.h"

namespace tsdbd::promql::testscript {
namespace {

// A number as the series lexer reads one: decimal or hex, with fraction and exponent, or
// the words Inf and NaN (any case). No sign.
bool ParseUnsignedNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  if (EqualsIgnoreCase(s, "inf")) {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (EqualsIgnoreCase(s, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (!std::isdigit(static_cast<unsigned char>(s[0])) && s[0] != '.') return false;
  return ParseScalar(s, out);
}

bool ParseSignedNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  if (s[0] == '+' || s[0] == '-') {
    if (!ParseUnsignedNumber(s.substr(1), out)) return false;
    if (s[0] == '-') *out = -*out;
    return true;
  }
  return ParseUnsignedNumber(s, out);
}

bool ParseCount(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// One space-separated item of a sequence.
Status ParseItem(std::string_view item, std::vector<SequenceValue>* out) {
  const auto bad = [&] {
    return Error("bad series value \"" + std::string(item) +
                 "\": want a number, stale, _, axn, a+bxn, a-bxn or _xn");
  };
  // Split off the repetition count: the last 'x' followed only by digits.
  std::string_view head = item;
  std::optional<uint64_t> times;
  if (const size_t x = item.rfind('x'); x != std::string_view::npos && x + 1 < item.size()) {
    uint64_t n = 0;
    if (ParseCount(item.substr(x + 1), &n)) {
      times = n;
      head = item.substr(0, x);
    }
  }
  if (head == "_") {
    const uint64_t n = times.value_or(1);
    out->insert(out->end(), n, SequenceValue{0, true});
    return Status::Ok();
  }
  if (head == "stale") {
    if (times) return bad();
    out->push_back({StaleNaN(), false});
    return Status::Ok();
  }
  double v = 0;
  if (ParseSignedNumber(head, &v)) {
    out->insert(out->end(), times.value_or(0) + 1, SequenceValue{v, false});
    return Status::Ok();
  }
  if (!times) return bad();
  // a+b or a-b: the operator is the last sign not just after an exponent's 'e'.
  for (size_t i = head.size(); i-- > 1;) {
    if (head[i] != '+' && head[i] != '-') continue;
    const char before = head[i - 1];
    if ((before == 'e' || before == 'E') && i >= 2 &&
        std::isdigit(static_cast<unsigned char>(head[i - 2])) &&
        !(head.size() > 1 && (head[1] == 'x' || head[1] == 'X'))) {
      continue;
    }
    double a = 0, b = 0;
    if (!ParseSignedNumber(head.substr(0, i), &a) || !ParseUnsignedNumber(head.substr(i + 1), &b)) {
      return bad();
    }
    if (head[i] == '-') b = -b;
    out->push_back({a, false});
    for (uint64_t k = 1; k <= *times; ++k) {
      a += b;
      out->push_back({a, false});
    }
    return Status::Ok();
  }
  return bad();
}

// The end of the metric part: the first space outside braces and quotes.
size_t MetricEnd(std::string_view line) {
  bool in_braces = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == '\\' && quote != '`') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (in_braces && (c == '"' || c == '\'' || c == '`')) {
      quote = c;
    } else if (c == '{') {
      in_braces = true;
    } else if (c == '}') {
      in_braces = false;
    } else if (!in_braces && (c == ' ' || c == '\t')) {
      return i;
    }
  }
  return line.size();
}

}  // namespace

bool ParseScalar(std::string_view s, double* out) {
  if (s.empty()) return false;
  const std::string text(s);
  // Go's ParseInt with base 0: 0x, 0o, 0b prefixes and a leading 0 for octal.
  {
    std::string digits = text;
    bool neg = false;
    size_t i = 0;
    if (digits[0] == '+' || digits[0] == '-') {
      neg = digits[0] == '-';
      i = 1;
    }
    int base = 10;
    std::string_view body(digits.data() + i, digits.size() - i);
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
      base = 16, body.remove_prefix(2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
      base = 8, body.remove_prefix(2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
      base = 2, body.remove_prefix(2);
    } else if (body.size() > 1 && body[0] == '0') {
      base = 8, body.remove_prefix(1);
    }
    bool all_digits = !body.empty();
    for (char c : body) {
      const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : std::isalpha(static_cast<unsigned char>(c))
                        ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                        : 99;
      if (d >= base) all_digits = false;
    }
    if (all_digits) {
      errno = 0;
      const std::string b(body);
      const long long v = std::strtoll(b.c_str(), nullptr, base);
      if (errno == 0) {
        *out = neg ? -static_cast<double>(v) : static_cast<double>(v);
        return true;
      }
    }
  }
  // Go's ParseFloat: decimal and hex floats, Inf, Infinity, NaN with an optional sign.
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    *out = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
    return true;
  }
  if (EqualsIgnoreCase(body, "nan")) {
    if (body.size() != s.size()) return false;  // Go accepts no sign on NaN
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  for (char c : body) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'x' && c != 'X' &&
        c != 'p' && c != 'P' && c != '+' && c != '-') {
      return false;
    }
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || text.empty()) return false;
  *out = v;  // out of range gives ±Inf like Go (which also reports an error, ignored here)
  return true;
}

Result<std::vector<SequenceValue>> ParseSequence(std::string_view text) {
  std::vector<SequenceValue> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) {
      Status s = ParseItem(text.substr(i, j - i), &out);
      if (!s.ok()) return Error(s.message());
    }
    i = j;
  }
  return out;
}

Result<SeriesDesc> ParseSeriesDesc(std::string_view line) {
  const size_t end = MetricEnd(line);
  std::string_view metric = line.substr(0, end);
  SeriesDesc desc;
  if (metric.empty()) return Error("missing metric in series description");
  std::string_view trimmed = metric;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  bool empty_set = true;
  for (char c : trimmed.substr(trimmed.find('{') == std::string_view::npos ? trimmed.size()
                                                                           : trimmed.find('{'))) {
    if (c != '{' && c != '}' && c != ' ' && c != '\t') empty_set = false;
  }
  const size_t brace = trimmed.find('{');
  if (brace != std::string_view::npos && empty_set) {
    // `{}` or `name{}`: ParseMetricSelector refuses an empty set, so handle it here.
    const std::string_view name = trimmed.substr(0, brace);
    if (name.empty()) {
      desc.labels = Labels();
    } else {
      auto ms = ParseMetricSelector(name);
      if (!ms.ok())
        return Error("bad series description \"" + std::string(metric) +
                     "\": " + ms.error().message());
      desc.labels = Labels{{kMetricName, name}};
    }
  } else {
    auto ms = ParseMetricSelector(trimmed);
    if (!ms.ok()) {
      return Error("bad series description \"" + std::string(metric) +
                   "\": " + ms.error().message());
    }
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    for (const Matcher& m : *ms) {
      if (m.type() != Matcher::Type::kEqual) {
        return Error("bad series description \"" + std::string(metric) +
                     "\": only = may set a label");
      }
      pairs.emplace_back(m.name(), m.value());
    }
    desc.labels = Labels::FromPairs(pairs);
  }
  auto values = ParseSequence(line.substr(end));
  if (!values.ok()) return values.error();
  desc.values = std::move(*values);
  return desc;
}

}  // namespace tsdbd::promql::testscript
