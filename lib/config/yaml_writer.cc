#include "lib/config/yaml_writer.h"

#include <re2/re2.h>

#include <cstdio>
#include <set>

namespace tsdbd::config::internal {
namespace {

// True when yaml.v2 would read `s`, written plain, as something other than a string
// (bool, null, number, timestamp, merge key), so that it must be quoted.
bool ResolvesToNonString(const std::string& s) {
  static const std::set<std::string> kSpecial = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",     "N",     "no",    "No",   "NO",
      "true", "True", "TRUE",  "false", "False", "FALSE", "on",    "On",    "ON",   "off",
      "Off",  "OFF",  "~",     "null",  "Null",  "NULL",  ".nan",  ".NaN",  ".NAN", ".inf",
      ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"};
  if (s.empty() || kSpecial.count(s)) return true;
  char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  static const RE2 kInt(R"([-+]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]*|0[bB][01_]+|[0-9][0-9_]*))");
  static const RE2 kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const RE2 kBase60(R"([-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)");
  static const RE2 kTimestamp(
      R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)");
  std::string plain;
  for (char ch : s)
    if (ch != '_') plain += ch;
  return RE2::FullMatch(s, kInt) || RE2::FullMatch(s, kFloat) || RE2::FullMatch(s, kBase60) ||
         RE2::FullMatch(s, kTimestamp);
}

struct Analysis {
  bool flow_plain = true;
  bool block_plain = true;
  bool single_quoted = true;
};

bool IsBlank(const std::string& s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

// libyaml's scalar analysis, reduced to the characters configs contain.
Analysis Analyze(const std::string& s) {
  Analysis a;
  bool flow_ind = false, block_ind = false, leading_space = false, trailing_space = false;
  bool line_breaks = false, special = false;
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) flow_ind = block_ind = true;
  bool preceded_by_ws = true;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    bool followed_by_ws = IsBlank(s, i + 1);
    if (i == 0) {
      switch (c) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flow_ind = block_ind = true;
          break;
        case '?':
        case ':':
          flow_ind = true;
          if (followed_by_ws) block_ind = true;
          break;
        case '-':
          if (followed_by_ws) flow_ind = block_ind = true;
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flow_ind = true;
          break;
        case ':':
          flow_ind = true;
          if (followed_by_ws) block_ind = true;
          break;
        case '#':
          if (preceded_by_ws) flow_ind = block_ind = true;
          break;
        default:
          break;
      }
    }
    if (c == '\n' || c == '\r')
      line_breaks = true;
    else if ((c < 0x20 && c != '\t') || c == 0x7f)
      special = true;
    if (c == ' ') {
      if (i == 0) leading_space = true;
      if (i + 1 == s.size()) trailing_space = true;
    }
    preceded_by_ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
  if (leading_space || trailing_space) a.flow_plain = a.block_plain = false;
  if (trailing_space) {
  }
  if (special) a.flow_plain = a.block_plain = a.single_quoted = false;
  if (line_breaks) a.flow_plain = a.block_plain = false;
  if (flow_ind) a.flow_plain = false;
  if (block_ind) a.block_plain = false;
  return a;
}

std::string DoubleQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      case 0x1b:
        out += "\\e";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string FormatYamlString(const std::string& s, bool flow) {
  if (ResolvesToNonString(s)) return DoubleQuote(s);
  Analysis a = Analyze(s);
  if (flow ? a.flow_plain : a.block_plain) return s;
  if (a.single_quoted && s.find('\n') == std::string::npos) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'')
        out += "''";
      else
        out += c;
    }
    return out + "'";
  }
  return DoubleQuote(s);
}

YamlValue YamlValue::String(std::string s) {
  YamlValue v(Kind::kString);
  v.text_ = std::move(s);
  return v;
}

YamlValue YamlValue::Raw(std::string s) {
  YamlValue v(Kind::kRaw);
  v.text_ = std::move(s);
  return v;
}

YamlValue& YamlValue::Add(std::string key, YamlValue value) {
  items_.emplace_back(std::move(key), std::move(value));
  return *this;
}

YamlValue& YamlValue::Push(YamlValue value) {
  items_.emplace_back(std::string(), std::move(value));
  return *this;
}

std::string YamlValue::Emit() const {
  std::string out;
  if (kind_ == Kind::kMap && items_.empty()) return "{}\n";
  EmitBlock(&out, 0);
  return out;
}

void YamlValue::EmitBlock(std::string* out, int indent) const {
  const std::string pad(indent, ' ');
  if (kind_ == Kind::kMap) {
    for (const auto& [key, value] : items_) {
      out->append(pad).append(FormatYamlString(key, false)).append(":");
      switch (value.kind_) {
        case Kind::kString:
          out->append(" ").append(FormatYamlString(value.text_, false)).append("\n");
          break;
        case Kind::kRaw:
          out->append(" ").append(value.text_).append("\n");
          break;
        case Kind::kMap:
          if (value.items_.empty()) {
            *out += " {}\n";
          } else {
            *out += "\n";
            value.EmitBlock(out, indent + 2);
          }
          break;
        case Kind::kSeq:
          if (value.items_.empty()) {
            *out += " []\n";
          } else {
            *out += "\n";
            value.EmitBlock(out, indent);
          }
          break;
        case Kind::kFlowSeq: {
          *out += " [";
          bool first = true;
          for (const auto& item : value.items_) {
            if (!first) *out += ", ";
            first = false;
            *out += item.second.kind_ == Kind::kString ? FormatYamlString(item.second.text_, true)
                                                       : item.second.text_;
          }
          *out += "]\n";
          break;
        }
      }
    }
    return;
  }
  // A block sequence: each item starts with "- " at this indent.
  for (const auto& item : items_) {
    const YamlValue& value = item.second;
    switch (value.kind_) {
      case Kind::kString:
        out->append(pad).append("- ").append(FormatYamlString(value.text_, false)).append("\n");
        break;
      case Kind::kRaw:
        out->append(pad).append("- ").append(value.text_).append("\n");
        break;
      case Kind::kMap:
      case Kind::kSeq:
      case Kind::kFlowSeq: {
        if (value.items_.empty()) {
          *out += pad + "- " + (value.kind_ == Kind::kMap ? "{}" : "[]") + "\n";
          break;
        }
        std::string inner;
        value.EmitBlock(&inner, indent + 2);
        // The first line's indentation becomes the "- " marker.
        out->append(pad).append("- ").append(inner, indent + 2);
        break;
      }
    }
  }
}

}  // namespace tsdbd::config::internal
