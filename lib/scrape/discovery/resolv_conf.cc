#include "lib/scrape/discovery/resolv_conf.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace tsdbd::scrape::discovery {

namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string Fqdn(std::string_view name) {
  std::string s(name);
  if (s.empty() || s.back() != '.') s += '.';
  return s;
}

}  // namespace

ResolvConf ParseResolvConf(std::string_view text) {
  ResolvConf conf;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::vector<std::string_view> f = Fields(line);
    if (f.empty() || f[0][0] == '#' || f[0][0] == ';') continue;
    if (f[0] == "nameserver" && f.size() > 1) {
      conf.servers.emplace_back(f[1]);
    } else if (f[0] == "domain" && f.size() > 1) {
      conf.search = {std::string(f[1])};
    } else if (f[0] == "search") {
      conf.search.assign(f.begin() + 1, f.end());
    } else if (f[0] == "options") {
      for (size_t i = 1; i < f.size(); ++i) {
        if (f[i].starts_with("ndots:")) {
          std::string_view v = f[i].substr(6);
          int n = 0;
          auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          if (ec == std::errc() && p == v.data() + v.size()) conf.ndots = std::clamp(n, 0, 15);
        }
      }
    }
  }
  return conf;
}

ResolvConf ReadResolvConf(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ResolvConf{};
  std::ostringstream s;
  s << in.rdbuf();
  return ParseResolvConf(s.str());
}

std::vector<std::string> CandidateNames(std::string_view name, const ResolvConf& conf) {
  if (!name.empty() && name.back() == '.') return {std::string(name)};
  const bool enough_dots = std::count(name.begin(), name.end(), '.') >= conf.ndots;
  std::vector<std::string> out;
  if (enough_dots) out.push_back(Fqdn(name));
  for (const std::string& domain : conf.search) {
    std::string_view d = domain;
    while (!d.empty() && d.front() == '.') d.remove_prefix(1);
    if (d.empty() || d == ".") continue;
    out.push_back(Fqdn(std::string(name) + "." + std::string(d)));
  }
  if (!enough_dots) out.push_back(Fqdn(name));
  return out;
}

}  // namespace tsdbd::scrape::discovery
