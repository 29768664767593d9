#include "lib/config/check_config.h"

#include <glob.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/config/config.h"
#include "lib/config/yaml_reader.h"
#include "lib/model/go_quote.h"
#include "lib/model/names.h"

namespace tsdbd::config {
namespace {

using internal::Fields;
using internal::YamlReader;

// Go's os.Stat error text for a missing or unreadable file, or "" when it exists.
std::string StatError(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return "";
  return "stat " + path + ": " + std::strerror(errno);
}

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("open " + path + ": " + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Status CheckHttpFiles(const HttpClientConfig& h) {
  if (h.authorization && !h.authorization->credentials_file.empty()) {
    std::string e = StatError(h.authorization->credentials_file);
    if (!e.empty())
      return Error("error checking authorization credentials or bearer token file " +
                   GoQuote(h.authorization->credentials_file) + ": " + e);
  }
  if (!h.tls_config.cert_file.empty()) {
    std::string e = StatError(h.tls_config.cert_file);
    if (!e.empty())
      return Error("error checking client cert file " + GoQuote(h.tls_config.cert_file) + ": " + e);
  }
  if (!h.tls_config.key_file.empty()) {
    std::string e = StatError(h.tls_config.key_file);
    if (!e.empty())
      return Error("error checking client key file " + GoQuote(h.tls_config.key_file) + ": " + e);
  }
  return Status::Ok();
}

Status CheckSdFiles(const ServiceDiscovery& sd, const std::string& where, std::ostream& out) {
  for (const auto& f : sd.file_sd_configs) {
    for (const auto& pattern : f.files) {
      auto matches = Glob(pattern);
      if (matches.empty()) {
        out << "  WARNING: file " << GoQuote(pattern) << " for file_sd in " << where
            << " does not exist\n";
        continue;
      }
      for (const auto& file : matches) {
        auto r = CheckFileSdFile(file);
        if (!r.ok()) return Error("checking SD file " + GoQuote(file) + ": " + r.error().message());
      }
    }
  }
  return Status::Ok();
}

// Checks one config file; the rule files it names are appended to *rule_files.
Status CheckConfigFile(const std::string& path, std::ostream& out,
                       std::vector<std::string>* rule_files) {
  auto loaded = LoadConfigFile(path);
  if (!loaded.ok()) return Error(loaded.error().message());
  const Config& c = *loaded;
  for (const auto& pattern : c.rule_files) {
    auto matches = Glob(pattern);
    if (matches.empty() && pattern.find_first_of("*?[") == std::string::npos)
      return Error(GoQuote(pattern) + " does not point to an existing file");
    for (const auto& m : matches) {
      std::string e = StatError(m);
      if (!e.empty()) return Error(GoQuote(m) + " does not point to an existing file");
      rule_files->push_back(m);
    }
  }
  for (const auto& s : c.scrape_configs) {
    Status st = CheckHttpFiles(s.http_client);
    if (!st.ok()) return st;
    st = CheckSdFiles(s.service_discovery, "scrape job " + GoQuote(s.job_name), out);
    if (!st.ok()) return st;
  }
  for (const auto& am : c.alerting.alertmanagers) {
    Status st = CheckSdFiles(am.service_discovery, "alertmanager config", out);
    if (!st.ok()) return st;
  }
  if (!c.rule_files.empty()) out << "  SUCCESS: " << rule_files->size() << " rule files found\n";
  return Status::Ok();
}

}  // namespace

Result<int> CheckFileSdFile(const std::string& path) {
  auto text = ReadAll(path);
  if (!text.ok()) return text.error();
  YamlReader r(path);
  try {
    YAML::Node root = YAML::Load(*text);
    int groups = 0;
    for (const auto& item : r.Seq(root)) {
      Fields f(r, item, "target group", {"targets", "labels"});
      if (auto v = f.Get("targets")) r.StrList(*v);
      if (auto v = f.Get("labels")) r.Labels(*v);
      ++groups;
    }
    return groups;
  } catch (const internal::ParseError& e) {
    return Error(e.what());
  } catch (const YAML::Exception& e) {
    return Error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<int> CheckRuleFileShape(const std::string& path) {
  auto text = ReadAll(path);
  if (!text.ok()) return text.error();
  YamlReader r(path);
  try {
    YAML::Node root = YAML::Load(*text);
    Fields top(r, root, "rule file", {"groups"});
    int rules = 0;
    std::set<std::string> names;
    if (auto groups = top.Get("groups")) {
      for (const auto& g : r.Seq(*groups)) {
        Fields gf(r, g, "rule group", {"name", "interval", "limit", "rules"});
        std::string name;
        if (auto v = gf.Get("name")) name = r.Str(*v);
        if (name.empty()) r.Fail(g, "Groupname must not be empty");
        if (!names.insert(name).second)
          r.Fail(g, "groupname: " + GoQuote(name) + " is repeated in the same file");
        if (auto v = gf.Get("interval")) r.Dur(*v);
        if (auto v = gf.Get("limit")) r.Int(*v);
        if (auto v = gf.Get("rules")) {
          for (const auto& rule : r.Seq(*v)) {
            Fields rf(
                r, rule, "rule",
                {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"});
            std::string record, alert, expr;
            if (auto x = rf.Get("record")) record = r.Str(*x);
            if (auto x = rf.Get("alert")) alert = r.Str(*x);
            if (auto x = rf.Get("expr")) expr = r.Str(*x);
            if (!record.empty() && !alert.empty())
              r.Fail(rule, "only one of 'record' and 'alert' must be set");
            if (record.empty() && alert.empty())
              r.Fail(rule, "one of 'record' or 'alert' must be set");
            if (expr.empty()) r.Fail(rule, "field 'expr' must be set in rule");
            if (!record.empty() && (rf.Has("annotations") || rf.Has("for")))
              r.Fail(rule, "invalid field 'annotations' or 'for' in recording rule");
            if (auto x = rf.Get("for")) r.Dur(*x);
            if (auto x = rf.Get("labels")) r.StrMap(*x);
            if (auto x = rf.Get("annotations")) r.StrMap(*x);
            ++rules;
          }
        }
      }
    }
    return rules;
  } catch (const internal::ParseError& e) {
    return Error(e.what());
  } catch (const YAML::Exception& e) {
    return Error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

int RunCheckConfig(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  bool failed = false;
  for (const auto& file : files) {
    out << "Checking " << file << "\n";
    std::vector<std::string> rule_files;
    Status st = CheckConfigFile(file, out, &rule_files);
    if (!st.ok()) {
      err << "  FAILED: " << st.message() << "\n";
      out << "\n";
      failed = true;
      continue;
    }
    out << " SUCCESS: " << file << " is valid prometheus config file syntax\n\n";
    for (const auto& rf : rule_files) {
      out << "Checking " << rf << "\n";
      auto n = CheckRuleFileShape(rf);
      if (!n.ok()) {
        err << "  FAILED:\n     " << n.error().message() << "\n";
        out << "\n";
        failed = true;
        continue;
      }
      out << "  SUCCESS: " << *n << " rules found (PromQL expressions not checked)\n\n";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace tsdbd::config
