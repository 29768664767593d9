#include "lib/scrape/discovery/file_sd_parser.h"

#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <utility>

#include "lib/model/ascii.h"
#include "lib/model/names.h"

namespace tsdbd::scrape::discovery {

namespace {

constexpr std::string_view kFilepathLabel = "__meta_filepath";

// What one list entry holds before it becomes a TargetGroup.
struct RawGroup {
  std::vector<std::string> targets;
  std::map<std::string, std::string> labels;
};

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

Error InvalidLabelName(std::string_view name) {
  std::string msg = "\"";
  msg.append(name).append("\" is not a valid label name");
  return Error(std::move(msg));
}

Result<std::vector<TargetGroup>> Finish(std::vector<RawGroup> raw, const std::string& path) {
  std::vector<TargetGroup> groups;
  groups.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    TargetGroup g;
    g.source = path + ":" + std::to_string(i);
    for (const std::string& t : raw[i].targets) g.targets.push_back(Labels{{"__address__", t}});
    raw[i].labels[std::string(kFilepathLabel)] = path;
    std::vector<std::pair<std::string_view, std::string_view>> pairs(raw[i].labels.begin(),
                                                                     raw[i].labels.end());
    g.labels = Labels::FromPairs(pairs);
    groups.push_back(std::move(g));
  }
  return groups;
}

Result<std::vector<RawGroup>> FromJson(std::string_view content) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(content, ec);
  if (ec) return Error("invalid JSON: " + ec.message());
  if (doc.is_null()) return std::vector<RawGroup>{};
  if (!doc.is_array()) return Error("expected a JSON array of target groups");
  std::vector<RawGroup> out;
  for (const boost::json::value& item : doc.as_array()) {
    if (item.is_null()) return Error("nil target group item found");
    if (!item.is_object()) return Error("a target group must be a JSON object");
    RawGroup g;
    // Go's encoding/json matches field names case-insensitively; a later key wins.
    for (const auto& [key, v] : item.as_object()) {
      if (EqualsIgnoreCase(key, "targets")) {
        g.targets.clear();
        if (v.is_null()) continue;
        if (!v.is_array()) return Error("\"targets\" must be a list of strings");
        for (const boost::json::value& t : v.as_array()) {
          if (!t.is_string()) return Error("\"targets\" must be a list of strings");
          g.targets.emplace_back(t.as_string());
        }
      } else if (EqualsIgnoreCase(key, "labels")) {
        g.labels.clear();
        if (v.is_null()) continue;
        if (!v.is_object()) return Error("\"labels\" must be an object of strings");
        for (const auto& [name, value] : v.as_object()) {
          if (!IsValidLabelName(name)) {
            return InvalidLabelName(name);
          }
          if (!value.is_string()) return Error("\"labels\" must be an object of strings");
          g.labels[std::string(name)] = std::string(value.as_string());
        }
      } else {
        return Error("json: unknown field \"" + std::string(key) + "\"");
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string Where(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return "line " + std::to_string(m.line + 1) + ": ";
}

Result<std::vector<RawGroup>> FromYaml(std::string_view content) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return Error("invalid YAML: " + e.msg + " at line " + std::to_string(e.mark.line + 1));
  }
  if (!doc || doc.IsNull()) return std::vector<RawGroup>{};
  if (!doc.IsSequence()) return Error(Where(doc) + "expected a list of target groups");
  std::vector<RawGroup> out;
  for (const YAML::Node& item : doc) {
    if (item.IsNull()) return Error("nil target group item found");
    if (!item.IsMap()) return Error(Where(item) + "a target group must be a mapping");
    RawGroup g;
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "targets") {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) return Error(Where(v) + "\"targets\" must be a list of strings");
        for (const YAML::Node& t : v) {
          if (!t.IsScalar()) return Error(Where(t) + "\"targets\" must be a list of strings");
          g.targets.push_back(t.Scalar());
        }
      } else if (key == "labels") {
        if (v.IsNull()) continue;
        if (!v.IsMap()) return Error(Where(v) + "\"labels\" must be a mapping of strings");
        for (const auto& lv : v) {
          const std::string name = lv.first.Scalar();
          if (!IsValidLabelName(name)) {
            return Error(Where(lv.first) + InvalidLabelName(name).message());
          }
          if (!lv.second.IsScalar() && !lv.second.IsNull()) {
            return Error(Where(lv.second) + "\"labels\" must be a mapping of strings");
          }
          if (g.labels.contains(name)) {
            return Error(Where(lv.first) + "key \"" + name + "\" already set in map");
          }
          g.labels[name] = lv.second.IsNull() ? "" : lv.second.Scalar();
        }
      } else {
        return Error(Where(kv.first) + "field " + key + " not found in type struct");
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<FileSdFormat> FileSdFormatFor(std::string_view path) {
  if (EndsWithIgnoreCase(path, ".json")) return FileSdFormat::kJson;
  if (EndsWithIgnoreCase(path, ".yml") || EndsWithIgnoreCase(path, ".yaml")) return FileSdFormat::kYaml;
  return Error("unsupported file_sd extension in \"" + std::string(path) + "\"");
}

Result<std::vector<TargetGroup>> ParseFileSd(std::string_view content, FileSdFormat format,
                                             const std::string& path) {
  Result<std::vector<RawGroup>> raw =
      format == FileSdFormat::kJson ? FromJson(content) : FromYaml(content);
  if (!raw.ok()) return raw.error();
  return Finish(std::move(raw).value(), path);
}

}  // namespace tsdbd::scrape::discovery
