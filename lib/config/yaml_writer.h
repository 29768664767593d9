// A small YAML tree and an emitter that writes it the way Go's yaml.v2 does (block style,
// sequences not indented under their key, yaml.v2's quoting choices). Internal to
// lib/config: used to print configs exactly as Prometheus prints them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tsdbd::config::internal {

class YamlValue {
 public:
  enum class Kind { kString, kRaw, kMap, kSeq, kFlowSeq };

  // A string, quoted as yaml.v2 quotes it when needed.
  static YamlValue String(std::string s);
  // A number, bool, or other text printed exactly as given.
  static YamlValue Raw(std::string s);
  static YamlValue Map() { return YamlValue(Kind::kMap); }
  static YamlValue Seq(bool flow = false) { return YamlValue(flow ? Kind::kFlowSeq : Kind::kSeq); }

  // Appends to a map.
  YamlValue& Add(std::string key, YamlValue value);
  // Appends to a sequence.
  YamlValue& Push(YamlValue value);

  bool empty() const { return items_.empty(); }
  Kind kind() const { return kind_; }

  // The document text (a map at the root), ending in a newline.
  std::string Emit() const;

 private:
  explicit YamlValue(Kind kind) : kind_(kind) {}
  void EmitBlock(std::string* out, int indent) const;

  Kind kind_;
  std::string text_;
  std::vector<std::pair<std::string, YamlValue>> items_;  // Keys empty for sequences.
};

// How yaml.v2 writes `s` as a scalar: plain when possible, else quoted.
std::string FormatYamlString(const std::string& s, bool flow);

}  // namespace tsdbd::config::internal
