#include "lib/config/url.h"

#include <cctype>
#include <vector>

namespace tsdbd::config {
namespace {

bool ValidEscapes(const std::string& s, std::string* error) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() + 0 || !isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      std::string bad = s.substr(i, 3);
      *error = "invalid URL escape \"" + bad + "\"";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ValidateUrl(const std::string& raw) {
  std::string text = raw.substr(0, raw.find('#'));
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f) return "net/url: invalid control character in URL";
  }
  std::string scheme;
  std::string rest = text;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (isalpha(static_cast<unsigned char>(c))) continue;
    if (isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return "missing protocol scheme";
      scheme = text.substr(0, i);
      rest = text.substr(i + 1);
    }
    break;
  }
  size_t q = rest.find('?');
  if (q != std::string::npos) rest = rest.substr(0, q);
  std::string error;
  if (rest.empty() || rest[0] != '/') {
    if (!scheme.empty()) return "";  // Opaque URL ("mailto:x").
    size_t colon = rest.find(':');
    if (colon != std::string::npos && colon < rest.find('/'))
      return "first path segment in URL cannot contain colon";
  }
  if (rest.rfind("//", 0) == 0 && (!scheme.empty() || rest.rfind("///", 0) != 0)) {
    std::string authority = rest.substr(2);
    size_t slash = authority.find('/');
    std::string path = slash == std::string::npos ? "" : authority.substr(slash);
    authority = authority.substr(0, slash);
    size_t at = authority.rfind('@');
    std::string host = at == std::string::npos ? authority : authority.substr(at + 1);
    if (!host.empty() && host[0] == '[') {
      size_t close = host.find(']');
      if (close == std::string::npos) return "missing ']' in host";
      std::string port = host.substr(close + 1);
      if (!port.empty() && port[0] != ':') return "invalid port \"" + port + "\" after host";
      for (size_t i = 1; i < port.size(); ++i)
        if (!isdigit(static_cast<unsigned char>(port[i])))
          return "invalid port \"" + port + "\" after host";
    } else {
      size_t colon = host.rfind(':');
      if (colon != std::string::npos) {
        std::string port = host.substr(colon);
        for (size_t i = 1; i < port.size(); ++i)
          if (!isdigit(static_cast<unsigned char>(port[i])))
            return "invalid port \"" + port + "\" after host";
      }
    }
    if (!ValidEscapes(host, &error) || !ValidEscapes(path, &error)) return error;
    return "";
  }
  if (!ValidEscapes(rest, &error)) return error;
  return "";
}

std::string CleanPath(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back("..");
      }
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += "/";
    out += parts[k];
  }
  if (out.empty()) return ".";
  return out;
}

std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  if (dir.empty()) return CleanPath(path);
  return CleanPath(dir + "/" + path);
}

}  // namespace tsdbd::config
