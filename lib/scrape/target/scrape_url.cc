#include "lib/scrape/target/scrape_url.h"

#include <string_view>

namespace tsdbd::scrape {
namespace {

constexpr std::string_view kParamPrefix = "__param_";

enum class Component { kHost, kPath, kQuery };

// Which bytes net/url percent-escapes in each component (RFC 3986 as Go applies it).
bool ShouldEscape(unsigned char c, Component where) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
  if (where == Component::kHost) {
    switch (c) {
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
      case ':':
      case '[':
      case ']':
      case '<':
      case '>':
      case '"':
        return false;
      default:
        break;
    }
  }
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (where) {
        case Component::kPath:
          return c == '?';
        case Component::kQuery:
          return true;
        case Component::kHost:
          return false;
      }
      return true;
    default:
      return true;
  }
}

void AppendEscaped(std::string& out, std::string_view s, Component where) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (where == Component::kQuery && c == ' ') {
      out.push_back('+');
    } else if (ShouldEscape(c, where)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

}  // namespace

std::string ScrapeUrl(const Labels& labels,
                      const std::map<std::string, std::vector<std::string>>& params) {
  std::map<std::string, std::vector<std::string>> query = params;
  for (const Label l : labels) {
    if (!l.name.starts_with(kParamPrefix)) continue;
    std::vector<std::string>& values = query[std::string(l.name.substr(kParamPrefix.size()))];
    if (values.empty()) {
      values.emplace_back(l.value);
    } else {
      values[0] = l.value;
    }
  }

  const std::string_view scheme = labels.Get("__scheme__");
  const std::string_view host = labels.Get("__address__");
  const std::string_view path = labels.Get("__metrics_path__");
  std::string out;
  if (!scheme.empty()) {
    out.append(scheme);
    out.push_back(':');
  }
  if (!scheme.empty() || !host.empty()) {
    if (!host.empty() || !path.empty()) out.append("//");
    AppendEscaped(out, host, Component::kHost);
  }
  if (!path.empty() && path[0] != '/' && !host.empty()) out.push_back('/');
  AppendEscaped(out, path, Component::kPath);

  bool first = true;
  for (const auto& [name, values] : query) {
    for (const std::string& v : values) {
      out.push_back(first ? '?' : '&');
      first = false;
      AppendEscaped(out, name, Component::kQuery);
      out.push_back('=');
      AppendEscaped(out, v, Component::kQuery);
    }
  }
  return out;
}

}  // namespace tsdbd::scrape
