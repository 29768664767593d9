// Reading yaml-cpp nodes the way Go's yaml.v2 UnmarshalStrict does, with errors that name
// file:line:column. Internal to lib/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/model/duration.h"

namespace tsdbd::config::internal {

// Thrown inside the parser only; ParseConfig turns it into an Error.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Knows the file name so that every error can say where it is.
class YamlReader {
 public:
  explicit YamlReader(std::string filename) : filename_(std::move(filename)) {}

  // Throws ParseError "<file>:<line>:<col>: <message>" at node (or at fallback when the
  // node has no position, as yaml-cpp's null nodes may).
  [[noreturn]] void Fail(const YAML::Node& node, const std::string& message) const;
  [[noreturn]] void FailAt(const YAML::Mark& mark, const std::string& message) const;

  std::string Str(const YAML::Node& node) const;
  bool Bool(const YAML::Node& node) const;
  int64_t Int(const YAML::Node& node) const;
  uint64_t Uint(const YAML::Node& node) const;
  double Float(const YAML::Node& node) const;
  Duration Dur(const YAML::Node& node) const;
  std::vector<std::string> StrList(const YAML::Node& node) const;
  std::map<std::string, std::string> StrMap(const YAML::Node& node) const;
  // A label set: names must be valid label names, values valid UTF-8.
  std::map<std::string, std::string> Labels(const YAML::Node& node) const;
  // A sequence (null reads as empty).
  std::vector<YAML::Node> Seq(const YAML::Node& node) const;

  const std::string& filename() const { return filename_; }

 private:
  std::string filename_;
};

// The fields of one mapping. Unknown and duplicate keys fail at construction, naming the
// key; `what` names the section for messages ("scrape config").
class Fields {
 public:
  Fields(const YamlReader& reader, const YAML::Node& node, const char* what,
         const std::vector<std::string>& known);

  // The value of `key`, or nullopt when absent or null.
  std::optional<YAML::Node> Get(const char* key) const;
  // True when the key is present (even with a null value).
  bool Has(const char* key) const { return values_.count(key) > 0; }
  // The node of the mapping itself (for errors about the whole section).
  const YAML::Node& node() const { return node_; }
  YAML::Mark mark() const;

 private:
  YAML::Node node_;
  std::map<std::string, YAML::Node> values_;
};


}  // namespace tsdbd::config::internal
