#include "lib/config/yaml_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "lib/model/go_quote.h"
#include "lib/model/names.h"

namespace tsdbd::config::internal {
namespace {

// The YAML tag yaml.v2 would report for a node, for "cannot unmarshal" messages.
std::string TagOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "!!map";
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Null:
      return "!!null";
    default:
      break;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "?") {
    static const std::set<std::string> kBools = {
        "y", "Y", "yes", "Yes", "YES", "on",  "On",  "ON",  "true",  "True",  "TRUE",
        "n", "N", "no",  "No",  "NO",  "off", "Off", "OFF", "false", "False", "FALSE"};
    if (kBools.count(s)) return "!!bool";
    char* end = nullptr;
    errno = 0;
    if (!s.empty()) {
      (void)std::strtoll(s.c_str(), &end, 0);
      if (*end == '\0') return "!!int";
      (void)std::strtod(s.c_str(), &end);
      if (*end == '\0' &&
          (isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' || s[0] == '.'))
        return "!!float";
    }
  }
  return "!!str";
}

YAML::Mark MarkOf(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return m;
}

bool ParseGoInt(std::string text, int64_t* out) {
  std::string plain;
  for (char c : text)
    if (c != '_') plain += c;
  if (plain.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (plain[0] == '+' || plain[0] == '-') {
    neg = plain[0] == '-';
    i = 1;
  }
  int base = 10;
  if (plain.size() > i + 1 && plain[i] == '0') {
    char p = plain[i + 1];
    if (p == 'x' || p == 'X')
      base = 16, i += 2;
    else if (p == 'o' || p == 'O')
      base = 8, i += 2;
    else if (p == 'b' || p == 'B')
      base = 2, i += 2;
    else
      base = 8, i += 1;
  }
  if (i >= plain.size()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(plain.c_str() + i, &end, base);
  if (*end != '\0' || errno == ERANGE || plain[i] == '-' || plain[i] == '+') return false;
  if (v > static_cast<unsigned long long>(INT64_MAX) + (neg ? 1 : 0)) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

}  // namespace

void YamlReader::Fail(const YAML::Node& node, const std::string& message) const {
  FailAt(MarkOf(node), message);
}

void YamlReader::FailAt(const YAML::Mark& mark, const std::string& message) const {
  if (mark.is_null() || mark.line < 0) throw ParseError(filename_ + ": " + message);
  throw ParseError(filename_ + ":" + std::to_string(mark.line + 1) + ":" +
                   std::to_string(mark.column + 1) + ": " + message);
}

std::string YamlReader::Str(const YAML::Node& node) const {
  if (node.IsNull()) return "";
  if (!node.IsScalar()) Fail(node, "cannot unmarshal " + TagOf(node) + " into string");
  return node.Scalar();
}

bool YamlReader::Bool(const YAML::Node& node) const {
  if (node.IsScalar() && node.Tag() == "?") {
    static const std::set<std::string> kTrue = {"y",  "Y",  "yes",  "Yes",  "YES", "on",
                                                "On", "ON", "true", "True", "TRUE"};
    static const std::set<std::string> kFalse = {"n",   "N",   "no",    "No",    "NO",   "off",
                                                 "Off", "OFF", "false", "False", "FALSE"};
    if (kTrue.count(node.Scalar())) return true;
    if (kFalse.count(node.Scalar())) return false;
  }
  if (node.IsNull()) return false;
  Fail(node, "cannot unmarshal " + TagOf(node) + " `" + (node.IsScalar() ? node.Scalar() : "") +
                 "` into bool");
}

int64_t YamlReader::Int(const YAML::Node& node) const {
  int64_t v = 0;
  if (node.IsNull()) return 0;
  if (node.IsScalar() && node.Tag() == "?" && ParseGoInt(node.Scalar(), &v)) return v;
  Fail(node, "cannot unmarshal " + TagOf(node) + " `" + (node.IsScalar() ? node.Scalar() : "") +
                 "` into int");
}

uint64_t YamlReader::Uint(const YAML::Node& node) const {
  int64_t v = 0;
  if (node.IsNull()) return 0;
  if (node.IsScalar() && node.Tag() == "?" && ParseGoInt(node.Scalar(), &v) && v >= 0) return v;
  Fail(node, "cannot unmarshal " + TagOf(node) + " `" + (node.IsScalar() ? node.Scalar() : "") +
                 "` into uint");
}

double YamlReader::Float(const YAML::Node& node) const {
  if (node.IsNull()) return 0;
  if (node.IsScalar() && node.Tag() == "?" && !node.Scalar().empty()) {
    char* end = nullptr;
    double v = std::strtod(node.Scalar().c_str(), &end);
    if (*end == '\0') return v;
  }
  Fail(node, "cannot unmarshal " + TagOf(node) + " `" + (node.IsScalar() ? node.Scalar() : "") +
                 "` into float64");
}

Duration YamlReader::Dur(const YAML::Node& node) const {
  if (node.IsNull()) return Duration{0};
  if (!node.IsScalar()) Fail(node, "cannot unmarshal " + TagOf(node) + " into duration");
  auto d = ParseDuration(node.Scalar());
  if (!d.ok()) Fail(node, d.error().message());
  return *d;
}

std::vector<YAML::Node> YamlReader::Seq(const YAML::Node& node) const {
  std::vector<YAML::Node> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) Fail(node, "cannot unmarshal " + TagOf(node) + " into a list");
  for (const auto& item : node) out.push_back(item);
  return out;
}

std::vector<std::string> YamlReader::StrList(const YAML::Node& node) const {
  std::vector<std::string> out;
  for (const auto& item : Seq(node)) out.push_back(Str(item));
  return out;
}

std::map<std::string, std::string> YamlReader::StrMap(const YAML::Node& node) const {
  std::map<std::string, std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) Fail(node, "cannot unmarshal " + TagOf(node) + " into a map");
  for (const auto& kv : node) {
    std::string key = Str(kv.first);
    if (out.count(key)) Fail(kv.first, "key " + GoQuote(key) + " already set in map");
    out[key] = Str(kv.second);
  }
  return out;
}

std::map<std::string, std::string> YamlReader::Labels(const YAML::Node& node) const {
  auto labels = StrMap(node);
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string& name = kv.first.Scalar();
      if (!IsValidLabelName(name)) Fail(kv.first, GoQuote(name) + " is not a valid label name");
      if (!IsValidLabelValue(labels[name]))
        Fail(kv.second, GoQuote(labels[name]) + " is not a valid label value");
    }
  }
  return labels;
}

Fields::Fields(const YamlReader& reader, const YAML::Node& node, const char* what,
               const std::vector<std::string>& known)
    : node_(node) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    reader.Fail(node, std::string("expected a mapping for ") + what + ", got " +
                          (node.IsSequence() ? "a list" : "a scalar"));
  }
  std::set<std::string> allowed(known.begin(), known.end());
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!allowed.count(key)) {
      reader.Fail(kv.first, "field " + key + " not found in " + what);
    }
    if (values_.count(key)) {
      reader.Fail(kv.first, "field " + key + " already set in " + what);
    }
    values_[key] = kv.second;
  }
}

std::optional<YAML::Node> Fields::Get(const char* key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.IsNull()) return std::nullopt;
  return it->second;
}

YAML::Mark Fields::mark() const {
  return node_.Mark();
}

}  // namespace tsdbd::config::internal
